import Dispatch

/// The recurrent cell of an encoder.
public enum CellType: String, Codable, Sendable, CaseIterable {
    case gru, lstm
    /// Gates stacked in W_ih and W_hh: 3 for the GRU (r, z, n), 4 for the LSTM (i, f, g, o).
    public var gates: Int { self == .gru ? 3 : 4 }
}

// Batches are time-major, (T, B, C), with the B sequences sorted by length, longest first.
// `batchSizes[t]` is how many sequences are longer than t, so at step t the live sequences
// are rows 0..<batchSizes[t] (PyTorch's packed-sequence layout). Each step works on exactly
// those rows: the reverse direction of a sequence starts at its own last frame with a zero
// state, and padding frames produce zero outputs and receive no gradient.

/// One direction of one recurrent layer: its four parameters and its per-batch activations.
final class RecurrentDirection {
    let cell: CellType
    let inputSize: Int, hidden: Int
    let reverse: Bool
    let weightIH: Parameter, weightHH: Parameter, biasIH: Parameter, biasHH: Parameter
    var parameters: [Parameter] { [weightIH, weightHH, biasIH, biasHH] }

    private let gx = Buffer()      // (T·B, G·H) x W_ihᵀ
    private let gh = Buffer()      // (B, G·H)   h W_hhᵀ of one step
    private let cache = Buffer()   // (T·B, 4H)  GRU [r, z, n, hn] or LSTM [i, f, g, o]
    private let cell_ = Buffer()   // (T·B, H)   LSTM cell state c
    private let tanhC = Buffer()   // (T·B, H)   LSTM tanh(c)
    private let dGx = Buffer()     // (T·B, G·H) gradient of the input pre-activations
    private let dGh = Buffer()     // (T·B, G·H) GRU: of the hidden pre-activations (LSTM: = dGx)
    private let dHrec = Buffer()   // (B, H)     gradient flowing to the previous step's h
    private let dCrec = Buffer()   // (B, H)     LSTM: to the previous step's c
    private let zeros = Buffer()   // (B, yStride) the initial state, laid out like a step of y
    let inputGrad = Buffer()       // (T·B, I)   this direction's part of dx

    init(cell: CellType, inputSize: Int, hidden: Int, layer: Int, reverse: Bool, prefix: String, rng: inout SeededRandom) {
        self.cell = cell
        self.inputSize = inputSize
        self.hidden = hidden
        self.reverse = reverse
        let g = cell.gates * hidden
        let suffix = "_l\(layer)" + (reverse ? "_reverse" : "")
        // PyTorch's RNN init: every weight and bias U(-1/√H, 1/√H).
        let k = 1 / Float(hidden).squareRoot()
        weightIH = Parameter(name: "\(prefix).weight_ih\(suffix)", shape: [g, inputSize], value: rng.uniformArray(g * inputSize, bound: k))
        weightHH = Parameter(name: "\(prefix).weight_hh\(suffix)", shape: [g, hidden], value: rng.uniformArray(g * hidden, bound: k))
        biasIH = Parameter(name: "\(prefix).bias_ih\(suffix)", shape: [g], value: rng.uniformArray(g, bound: k))
        biasHH = Parameter(name: "\(prefix).bias_hh\(suffix)", shape: [g], value: rng.uniformArray(g, bound: k))
    }

    /// The step of the state a step continues from, or nil at the first step.
    private func previous(_ t: Int, _ T: Int) -> Int? {
        let p = reverse ? t + 1 : t - 1
        return p >= 0 && p < T ? p : nil
    }

    /// x (T·B, I) -> this direction's columns [yOffset, yOffset + H) of y (T, B, yStride).
    /// y and (LSTM) the cell state must be zero on entry.
    func forward(x: UnsafePointer<Float>, T: Int, B: Int, batchSizes: [Int],
                 y: UnsafeMutablePointer<Float>, yStride: Int, yOffset: Int) {
        let H = hidden, G = cell.gates * H
        let gx = self.gx.reserve(T * B * G), gh = self.gh.reserve(B * G)
        let cache = self.cache.reserve(T * B * 4 * H)
        let c = self.cell_.reserve(T * B * H), tanhC = self.tanhC.reserve(T * B * H)
        if cell == .lstm { self.cell_.zero(T * B * H) }
        let zeros = self.zeros.reserve(B * yStride)
        self.zeros.zero(B * yStride)

        weightIH.value.withUnsafeBufferPointer { w in
            sgemm(transB: true, m: T * B, n: G, k: inputSize, a: x, lda: inputSize, b: w.baseAddress!, ldb: inputSize,
                  beta: 0, c: gx, ldc: G)
        }
        weightHH.value.withUnsafeBufferPointer { whh in
        biasIH.value.withUnsafeBufferPointer { bih in
        biasHH.value.withUnsafeBufferPointer { bhh in
            for step in 0..<T {
                let t = reverse ? T - 1 - step : step
                let n = batchSizes[t]
                guard n > 0 else { continue }
                let prev = previous(t, T)
                let hPrev = prev.map { UnsafePointer(y + $0 * B * yStride + yOffset) } ?? UnsafePointer(zeros)
                if prev != nil {
                    sgemm(transB: true, m: n, n: G, k: H, a: hPrev, lda: yStride, b: whh.baseAddress!, ldb: H,
                          beta: 0, c: gh, ldc: G)
                } else {
                    gh.update(repeating: 0, count: n * G)
                }
                let row = t * B
                switch cell {
                case .gru:
                    gruForwardStep(rows: n, hidden: H, gx: gx + row * G, gxStride: G, gh: gh,
                                   bih: bih.baseAddress!, bhh: bhh.baseAddress!, hPrev: hPrev,
                                   h: y + row * yStride + yOffset, hStride: yStride, cache: cache + row * 4 * H)
                case .lstm:
                    let cPrev = prev.map { UnsafePointer(c + $0 * B * H) } ?? UnsafePointer(zeros)
                    lstmForwardStep(rows: n, hidden: H, gx: gx + row * G, gxStride: G, gh: gh,
                                    bih: bih.baseAddress!, bhh: bhh.baseAddress!, cPrev: cPrev,
                                    c: c + row * H, tanhC: tanhC + row * H,
                                    h: y + row * yStride + yOffset, hStride: yStride, cache: cache + row * 4 * H)
                }
            }
        }}}
    }

    /// dy: gradient of the layer output (T, B, yStride). Adds to the four parameter gradients
    /// and leaves this direction's dx (T·B, I) in `inputGrad`.
    func backward(x: UnsafePointer<Float>, T: Int, B: Int, batchSizes: [Int],
                  y: UnsafePointer<Float>, dy: UnsafePointer<Float>, yStride: Int, yOffset: Int) {
        let H = hidden, G = cell.gates * H
        let cache = self.cache.pointer, c = self.cell_.pointer, tanhC = self.tanhC.pointer
        let zeros = UnsafePointer(self.zeros.pointer)
        let dGx = self.dGx.reserve(T * B * G)
        let dGh = cell == .gru ? self.dGh.reserve(T * B * G) : dGx
        let dHrec = self.dHrec.reserve(B * H), dCrec = self.dCrec.reserve(B * H)
        self.dHrec.zero(B * H)
        self.dCrec.zero(B * H)

        weightHH.value.withUnsafeBufferPointer { whh in
            // Back through time: the reverse of the forward order.
            for step in 0..<T {
                let t = reverse ? step : T - 1 - step
                let n = batchSizes[t]
                let row = t * B
                // Padding rows get no gradient: the weight products below run over all rows.
                (dGx + (row + n) * G).update(repeating: 0, count: (B - n) * G)
                if cell == .gru { (dGh + (row + n) * G).update(repeating: 0, count: (B - n) * G) }
                guard n > 0 else { continue }
                let prev = previous(t, T)
                let hPrev = prev.map { y + $0 * B * yStride + yOffset } ?? zeros
                let dyT = dy + row * yStride + yOffset
                switch cell {
                case .gru:
                    gruBackwardStep(rows: n, hidden: H, dY: dyT, dyStride: yStride, dHrec: dHrec, hPrev: hPrev,
                                    hStride: yStride, cache: cache + row * 4 * H,
                                    dGx: dGx + row * G, dGh: dGh + row * G)
                    if prev != nil {
                        sgemm(m: n, n: H, k: G, a: dGh + row * G, lda: G, b: whh.baseAddress!, ldb: H,
                              beta: 1, c: dHrec, ldc: H)
                    }
                case .lstm:
                    let cPrev = prev.map { UnsafePointer(c + $0 * B * H) } ?? zeros
                    lstmBackwardStep(rows: n, hidden: H, dY: dyT, dyStride: yStride, dHrec: dHrec, dCrec: dCrec,
                                     cPrev: cPrev, tanhC: tanhC + row * H, cache: cache + row * 4 * H, dG: dGx + row * G)
                    sgemm(m: n, n: H, k: G, a: dGx + row * G, lda: G, b: whh.baseAddress!, ldb: H,
                          beta: 0, c: dHrec, ldc: H)
                }
            }
        }

        // Weight gradients for all steps at once. Padding rows of dGx/dGh are zero.
        weightIH.grad.withUnsafeMutableBufferPointer { dw in
            sgemm(transA: true, m: G, n: inputSize, k: T * B, a: dGx, lda: G, b: x, ldb: inputSize,
                  beta: 1, c: dw.baseAddress!, ldc: inputSize)
        }
        // dW_hh = Σ_t dGh_tᵀ h_prev(t): h_prev(t) is y at t-1 (forward) or t+1 (reverse), and
        // the first step's h_prev is zero, so one product over T-1 steps covers it.
        if T > 1 {
            let dghFrom = reverse ? dGh : dGh + B * G
            let hFrom = reverse ? y + B * yStride + yOffset : y + yOffset
            weightHH.grad.withUnsafeMutableBufferPointer { dw in
                sgemm(transA: true, m: G, n: H, k: (T - 1) * B, a: dghFrom, lda: G, b: hFrom, ldb: yStride,
                      beta: 1, c: dw.baseAddress!, ldc: H)
            }
        }
        biasIH.grad.withUnsafeMutableBufferPointer { addColumnSums(dGx, rows: T * B, cols: G, into: $0.baseAddress!) }
        biasHH.grad.withUnsafeMutableBufferPointer { addColumnSums(dGh, rows: T * B, cols: G, into: $0.baseAddress!) }
        let dx = inputGrad.reserve(T * B * inputSize)
        weightIH.value.withUnsafeBufferPointer { w in
            sgemm(m: T * B, n: inputSize, k: G, a: dGx, lda: G, b: w.baseAddress!, ldb: inputSize, beta: 0, c: dx, ldc: inputSize)
        }
    }
}

/// One layer: a forward and (when bidirectional) a reverse direction, whose outputs are
/// concatenated per frame, [forward H | reverse H], as PyTorch does. With `parallel`, the two
/// directions run on two threads (they are independent given the layer's input).
final class RecurrentLayer {
    let directions: [RecurrentDirection]
    let inputSize: Int, hidden: Int
    var parallel = true
    var outputSize: Int { hidden * directions.count }
    var parameters: [Parameter] { directions.flatMap(\.parameters) }

    private let output = Buffer()      // (T, B, D·H)
    private let inputGrad = Buffer()   // (T·B, I)
    private var x: UnsafePointer<Float>?
    private var shape = (T: 0, B: 0)
    private var batchSizes: [Int] = []

    init(cell: CellType, inputSize: Int, hidden: Int, layer: Int, bidirectional: Bool, prefix: String, rng: inout SeededRandom) {
        self.inputSize = inputSize
        self.hidden = hidden
        var dirs = [RecurrentDirection(cell: cell, inputSize: inputSize, hidden: hidden, layer: layer, reverse: false, prefix: prefix, rng: &rng)]
        if bidirectional {
            dirs.append(RecurrentDirection(cell: cell, inputSize: inputSize, hidden: hidden, layer: layer, reverse: true, prefix: prefix, rng: &rng))
        }
        directions = dirs
    }

    /// x (T, B, I) -> y (T, B, D·H). `x` must stay valid until `backward`.
    func forward(_ x: UnsafePointer<Float>, T: Int, B: Int, batchSizes: [Int]) -> UnsafeMutablePointer<Float> {
        self.x = x
        shape = (T, B)
        self.batchSizes = batchSizes
        let width = outputSize
        let y = output.reserve(T * B * width)
        output.zero(T * B * width)
        forEachDirection { d in
            directions[d].forward(x: x, T: T, B: B, batchSizes: batchSizes, y: y, yStride: width, yOffset: d * hidden)
        }
        return y
    }

    /// dy (T, B, D·H) -> dx (T, B, I); adds to the parameter gradients.
    func backward(_ dy: UnsafePointer<Float>) -> UnsafeMutablePointer<Float> {
        let (T, B) = shape, width = outputSize, x = self.x!, sizes = batchSizes
        let y = UnsafePointer(output.pointer)
        forEachDirection { d in
            directions[d].backward(x: x, T: T, B: B, batchSizes: sizes, y: y, dy: dy, yStride: width, yOffset: d * hidden)
        }
        let n = T * B * inputSize
        let dx = inputGrad.reserve(n)
        dx.update(from: directions[0].inputGrad.pointer, count: n)
        for d in directions.dropFirst() {
            let part = d.inputGrad.pointer
            for i in 0..<n { dx[i] += part[i] }
        }
        return dx
    }

    /// Runs `body` for each direction, on two threads when `parallel`. The directions touch
    /// disjoint state (their own buffers and their own columns of the shared output), which is
    /// why handing the non-Sendable closure to the threads is safe.
    private func forEachDirection(_ body: (Int) -> Void) {
        guard parallel && directions.count > 1 else {
            for d in directions.indices { body(d) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: directions.count) { shared.value($0) }
        }
    }
}

/// Hands a value that is not Sendable to worker threads that use it on disjoint state.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
