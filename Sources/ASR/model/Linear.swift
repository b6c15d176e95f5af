/// y = x Wᵀ + b, PyTorch's `nn.Linear`: weight (out, in), bias (out).
public final class Linear: Layer {
    public let inputSize: Int, outputSize: Int
    public let weight: Parameter, bias: Parameter
    public var parameters: [Parameter] { [weight, bias] }

    public init(inputSize: Int, outputSize: Int, name: String, rng: inout SeededRandom) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        // PyTorch's default init: U(-1/√in, 1/√in) for weight and bias.
        let bound = 1 / Float(inputSize).squareRoot()
        weight = Parameter(name: "\(name).weight", shape: [outputSize, inputSize],
                           value: rng.uniformArray(outputSize * inputSize, bound: bound))
        bias = Parameter(name: "\(name).bias", shape: [outputSize], value: rng.uniformArray(outputSize, bound: bound))
    }

    final class Workspace: LayerWorkspace {
        var input: PackedRows?             // (N, in), kept for backward
        let output = Buffer(), inputGrad = Buffer()
        let int8 = Int8Scratch()
    }

    public func makeWorkspace() -> LayerWorkspace { Workspace() }

    /// x (N, in) -> y (N, out).
    public func forward(_ x: PackedRows, workspace w: LayerWorkspace, pass: ForwardPass) -> PackedRows {
        let ws = workspace(w, as: Workspace.self)
        precondition(x.width == inputSize, "Linear: \(x.width) inputs, expected \(inputSize)")
        ws.input = x
        let n = x.layout.rows
        let y = ws.output.reserve(n * outputSize)
        bias.value.withUnsafeBufferPointer { b in
            for i in 0..<n { (y + i * outputSize).update(from: b.baseAddress!, count: outputSize) }
        }
        if let q = weight.int8(training: pass.training) {
            q.multiply(x.data, rows: n, ldx: inputSize, into: y, ldy: outputSize, accumulate: true, scratch: ws.int8)
        } else {
            weight.value.withUnsafeBufferPointer { w in
                sgemm(transB: true, m: n, n: outputSize, k: inputSize, a: x.data, lda: inputSize,
                      b: w.baseAddress!, ldb: inputSize, beta: 1, c: y, ldc: outputSize)
            }
        }
        return PackedRows(data: y, width: outputSize, layout: x.layout)
    }

    /// dy (N, out) -> dx (N, in); adds dW = dyᵀ x and db = Σ_rows dy to the gradients.
    /// Without `inputGradient` (the layer sees the features), dx is not computed.
    public func backward(_ dy: UnsafePointer<Float>, workspace w: LayerWorkspace, inputGradient: Bool) -> UnsafeMutablePointer<Float>? {
        let ws = workspace(w, as: Workspace.self)
        guard let x = ws.input else { preconditionFailure("Linear.backward before forward") }
        let n = x.layout.rows
        weight.grad.withUnsafeMutableBufferPointer { dw in
            sgemm(transA: true, m: outputSize, n: inputSize, k: n, a: dy, lda: outputSize,
                  b: x.data, ldb: inputSize, beta: 1, c: dw.baseAddress!, ldc: inputSize)
        }
        bias.grad.withUnsafeMutableBufferPointer { db in
            addColumnSums(dy, rows: n, cols: outputSize, into: db.baseAddress!)
        }
        guard inputGradient else { return nil }
        let dx = ws.inputGrad.reserve(n * inputSize)
        weight.value.withUnsafeBufferPointer { w in
            sgemm(m: n, n: inputSize, k: outputSize, a: dy, lda: outputSize,
                  b: w.baseAddress!, ldb: inputSize, beta: 0, c: dx, ldc: inputSize)
        }
        return dx
    }
}

/// out[j] += Σ_i x[i, j] for a (rows, cols) matrix with row stride `ld` (default cols).
func addColumnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int? = nil, into out: UnsafeMutablePointer<Float>) {
    let ld = ld ?? cols
    for i in 0..<rows {
        let row = x + i * ld
        for j in 0..<cols { out[j] += row[j] }
    }
}
