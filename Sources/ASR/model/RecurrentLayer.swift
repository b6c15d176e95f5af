import Dispatch

/// The recurrent cell of an encoder.
public enum CellType: String, Codable, Sendable, CaseIterable {
    case gru, lstm
    /// Gates stacked in W_ih and W_hh: 3 for the GRU (r, z, n), 4 for the LSTM (i, f, g, o).
    public var gates: Int { self == .gru ? 3 : 4 }
}

// A layer works on a packed batch (see `PackedLayout`): step t is rows
// offsets[t] ..< offsets[t] + batchSizes[t], sequences sorted longest first. The forward
// direction of sequence b continues at step t from its state at t-1; the reverse direction
// from its state at t+1, or from zero at its own last frame (b >= batchSizes[t+1]). Padding
// is never stored, computed or given a gradient: PyTorch's packed-sequence semantics.

/// One direction of one recurrent layer: its four parameters. Its activations of one batch are
/// in a `RecurrentDirection.Workspace`.
final class RecurrentDirection: Sendable {
    let cell: CellType
    let inputSize: Int, hidden: Int
    let reverse: Bool
    let weightIH: Parameter, weightHH: Parameter, biasIH: Parameter, biasHH: Parameter
    var parameters: [Parameter] { [weightIH, weightHH, biasIH, biasHH] }

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

    /// One thread's activations of one batch. All (N, ·) buffers are packed rows, N = frames.
    final class Workspace {
        let gx = Buffer()      // (N, G·H) x W_ihᵀ
        let gh = Buffer()      // (B, G·H) h_prev W_hhᵀ of one step
        let hPrev = Buffer()   // (N, H)   the state each step started from
        let cache = Buffer()   // (N, 4H)  GRU [r, z, n, hn] or LSTM [i, f, g, o]
        let cPrev = Buffer()   // (N, H)   LSTM: the cell state each step started from
        let cState = Buffer()  // (N, H)   LSTM: c
        let tanhC = Buffer()   // (N, H)   LSTM: tanh(c)
        let dGx = Buffer()     // (N, G·H) gradient of the input pre-activations
        let dGh = Buffer()     // (N, G·H) GRU: of the hidden pre-activations (LSTM: = dGx)
        let dHrec = Buffer()   // (B, H)   gradient flowing to the previous step's h
        let dCrec = Buffer()   // (B, H)   LSTM: to the previous step's c
        let inputGrad = Buffer()  // (N, I) this direction's part of dx
        let int8 = Int8Scratch()  // quantized models: the products' integer buffers
        /// Whether the last forward kept every step's hPrev, cache, cPrev and tanhC (training)
        /// or only one step's (inference: (B, ·) instead of (N, ·), less memory to touch).
        var keptForBackward = false
    }

    /// The step whose state step t continues from, and how many of step t's rows do (the rest
    /// start from zero); nil at the direction's first step.
    private func previous(_ t: Int, _ layout: PackedLayout) -> (step: Int, rows: Int)? {
        let p = reverse ? t + 1 : t - 1
        guard p >= 0 && p < layout.T else { return nil }
        return (p, min(layout.batchSizes[p], layout.batchSizes[t]))
    }

    /// x (N, I) -> this direction's columns [yOffset, yOffset + H) of y (N, yStride).
    func forward(x: UnsafePointer<Float>, layout: PackedLayout, y: UnsafeMutablePointer<Float>, yStride: Int, yOffset: Int,
                 workspace ws: Workspace, training: Bool, keep: Bool) {
        let H = hidden, G = cell.gates * H, N = layout.rows
        let gx = ws.gx.reserve(N * G), gh = ws.gh.reserve(layout.B * G)
        // Backward needs every step's previous state and gates; inference only the current step's.
        ws.keptForBackward = keep
        let kept = keep ? N : layout.B
        let hPrev = ws.hPrev.reserve(kept * H), cache = ws.cache.reserve(kept * 4 * H)
        let isLSTM = cell == .lstm
        let cPrev = ws.cPrev.reserve(isLSTM ? kept * H : 0), c = ws.cState.reserve(isLSTM ? N * H : 0)
        let tanhC = ws.tanhC.reserve(isLSTM ? kept * H : 0)

        // A quantized model (never in training) multiplies in int8; the state h lies in [-1, 1].
        let qih = weightIH.int8(training: training), qhh = weightHH.int8(training: training)
        if let qih {
            qih.multiply(x, rows: N, ldx: inputSize, into: gx, ldy: G, accumulate: false, scratch: ws.int8)
        } else {
            weightIH.value.withUnsafeBufferPointer { w in
                sgemm(transB: true, m: N, n: G, k: inputSize, a: x, lda: inputSize, b: w.baseAddress!, ldb: inputSize,
                      beta: 0, c: gx, ldc: G)
            }
        }
        weightHH.value.withUnsafeBufferPointer { whh in
        biasIH.value.withUnsafeBufferPointer { bih in
        biasHH.value.withUnsafeBufferPointer { bhh in
            for step in 0..<layout.T {
                let t = reverse ? layout.T - 1 - step : step
                let n = layout.batchSizes[t], o = layout.offsets[t]
                guard n > 0 else { continue }
                // Where step t's rows start in the kept buffers.
                let k = keep ? o : 0
                // Gather the previous states of this step's rows (zero where a sequence starts).
                let hp = hPrev + k * H, cp = cPrev + k * H
                let prev = previous(t, layout)
                let m = prev?.rows ?? 0
                if let prev {
                    let from = layout.offsets[prev.step]
                    for r in 0..<m { (hp + r * H).update(from: y + (from + r) * yStride + yOffset, count: H) }
                    if isLSTM { cp.update(from: c + from * H, count: m * H) }
                }
                (hp + m * H).update(repeating: 0, count: (n - m) * H)
                if isLSTM { (cp + m * H).update(repeating: 0, count: (n - m) * H) }
                // gh = h_prev W_hhᵀ for the rows that have a previous state, zero for the others.
                if let qhh {
                    qhh.multiply(hp, rows: m, ldx: H, into: gh, ldy: G, accumulate: false, range: -1...1, scratch: ws.int8)
                } else {
                    sgemm(transB: true, m: m, n: G, k: H, a: hp, lda: H, b: whh.baseAddress!, ldb: H, beta: 0, c: gh, ldc: G)
                }
                (gh + m * G).update(repeating: 0, count: (n - m) * G)
                switch cell {
                case .gru:
                    gruForwardStep(rows: n, hidden: H, gx: gx + o * G, gh: gh, bih: bih.baseAddress!, bhh: bhh.baseAddress!,
                                   hPrev: hp, h: y + o * yStride + yOffset, hStride: yStride, cache: cache + k * 4 * H)
                case .lstm:
                    lstmForwardStep(rows: n, hidden: H, gx: gx + o * G, gh: gh, bih: bih.baseAddress!, bhh: bhh.baseAddress!,
                                    cPrev: cp, c: c + o * H, tanhC: tanhC + k * H,
                                    h: y + o * yStride + yOffset, hStride: yStride, cache: cache + k * 4 * H)
                }
            }
        }}}
    }

    /// dy: gradient of the layer output (N, yStride). Adds to the four parameter gradients; with
    /// `inputGradient`, leaves this direction's dx (N, I) in `ws.inputGrad`.
    func backward(x: UnsafePointer<Float>, layout: PackedLayout, dy: UnsafePointer<Float>, yStride: Int, yOffset: Int,
                  inputGradient: Bool, workspace ws: Workspace) {
        precondition(ws.keptForBackward, "RecurrentDirection.backward after an inference forward")
        let H = hidden, G = cell.gates * H, N = layout.rows, B = layout.B
        let cache = ws.cache.pointer, hPrev = ws.hPrev.pointer
        let cPrev = ws.cPrev.pointer, tanhC = ws.tanhC.pointer
        let dGx = ws.dGx.reserve(N * G)
        let dGh = cell == .gru ? ws.dGh.reserve(N * G) : dGx
        let dHrec = ws.dHrec.reserve(B * H), dCrec = ws.dCrec.reserve(B * H)
        // Rows that receive nothing from a later step must read zero: start from zero.
        ws.dHrec.zero(B * H)
        ws.dCrec.zero(B * H)

        weightHH.value.withUnsafeBufferPointer { whh in
            // Back through time: the reverse of the forward order.
            for step in 0..<layout.T {
                let t = reverse ? step : layout.T - 1 - step
                let n = layout.batchSizes[t], o = layout.offsets[t]
                guard n > 0 else { continue }
                // Only the rows that continued from a previous state pass a gradient back to it.
                let m = previous(t, layout)?.rows ?? 0
                let dyT = dy + o * yStride + yOffset
                switch cell {
                case .gru:
                    gruBackwardStep(rows: n, hidden: H, dY: dyT, dyStride: yStride, dHrec: dHrec, hPrev: hPrev + o * H,
                                    cache: cache + o * 4 * H, dGx: dGx + o * G, dGh: dGh + o * G)
                    sgemm(m: m, n: H, k: G, a: dGh + o * G, lda: G, b: whh.baseAddress!, ldb: H, beta: 1, c: dHrec, ldc: H)
                case .lstm:
                    lstmBackwardStep(rows: n, hidden: H, dY: dyT, dyStride: yStride, dHrec: dHrec, dCrec: dCrec,
                                     cPrev: cPrev + o * H, tanhC: tanhC + o * H, cache: cache + o * 4 * H, dG: dGx + o * G)
                    sgemm(m: m, n: H, k: G, a: dGx + o * G, lda: G, b: whh.baseAddress!, ldb: H, beta: 0, c: dHrec, ldc: H)
                }
            }
        }

        // Weight gradients over all frames at once: dW_ih = dGxᵀ x, dW_hh = dGhᵀ h_prev.
        weightIH.grad.withUnsafeMutableBufferPointer { dw in
            sgemm(transA: true, m: G, n: inputSize, k: N, a: dGx, lda: G, b: x, ldb: inputSize, beta: 1, c: dw.baseAddress!, ldc: inputSize)
        }
        weightHH.grad.withUnsafeMutableBufferPointer { dw in
            sgemm(transA: true, m: G, n: H, k: N, a: dGh, lda: G, b: hPrev, ldb: H, beta: 1, c: dw.baseAddress!, ldc: H)
        }
        biasIH.grad.withUnsafeMutableBufferPointer { addColumnSums(dGx, rows: N, cols: G, into: $0.baseAddress!) }
        biasHH.grad.withUnsafeMutableBufferPointer { addColumnSums(dGh, rows: N, cols: G, into: $0.baseAddress!) }
        guard inputGradient else { return }
        let dx = ws.inputGrad.reserve(N * inputSize)
        weightIH.value.withUnsafeBufferPointer { w in
            sgemm(m: N, n: inputSize, k: G, a: dGx, lda: G, b: w.baseAddress!, ldb: inputSize, beta: 0, c: dx, ldc: inputSize)
        }
    }
}

/// One layer: a forward and (when bidirectional) a reverse direction, whose outputs are
/// concatenated per frame, [forward H | reverse H], as PyTorch does. With
/// `ForwardPass.parallelDirections`, the two directions run on two threads (they are
/// independent given the layer's input).
public final class RecurrentLayer: Layer {
    let directions: [RecurrentDirection]
    public let inputSize: Int, hidden: Int
    public var outputSize: Int { hidden * directions.count }
    public var parameters: [Parameter] { directions.flatMap(\.parameters) }

    init(cell: CellType, inputSize: Int, hidden: Int, layer: Int, bidirectional: Bool, prefix: String, rng: inout SeededRandom) {
        self.inputSize = inputSize
        self.hidden = hidden
        var dirs = [RecurrentDirection(cell: cell, inputSize: inputSize, hidden: hidden, layer: layer, reverse: false, prefix: prefix, rng: &rng)]
        if bidirectional {
            dirs.append(RecurrentDirection(cell: cell, inputSize: inputSize, hidden: hidden, layer: layer, reverse: true, prefix: prefix, rng: &rng))
        }
        directions = dirs
    }

    final class Workspace: LayerWorkspace {
        let directions: [RecurrentDirection.Workspace]
        let output = Buffer()      // (N, D·H)
        let inputGrad = Buffer()   // (N, I)
        var x: PackedRows?         // the input, kept for backward
        var parallel = false
        init(directions: Int) { self.directions = (0..<directions).map { _ in RecurrentDirection.Workspace() } }
    }

    public func makeWorkspace() -> LayerWorkspace { Workspace(directions: directions.count) }

    /// x (N, I) packed -> y (N, D·H) packed.
    public func forward(_ x: PackedRows, workspace w: LayerWorkspace, pass: ForwardPass) -> PackedRows {
        let ws = workspace(w, as: Workspace.self)
        precondition(x.width == inputSize, "RecurrentLayer: \(x.width) inputs, expected \(inputSize)")
        ws.x = x
        ws.parallel = pass.parallelDirections
        let width = outputSize
        let y = ws.output.reserve(x.layout.rows * width)
        forEachDirection(parallel: ws.parallel) { d in
            directions[d].forward(x: x.data, layout: x.layout, y: y, yStride: width, yOffset: d * hidden, workspace: ws.directions[d],
                                  training: pass.training, keep: pass.keepsActivations)
        }
        return PackedRows(data: y, width: width, layout: x.layout)
    }

    /// dy (N, D·H) -> dx (N, I), or nil without `inputGradient`; adds to the parameter gradients.
    public func backward(_ dy: UnsafePointer<Float>, workspace w: LayerWorkspace, inputGradient: Bool) -> UnsafeMutablePointer<Float>? {
        let ws = workspace(w, as: Workspace.self)
        guard let x = ws.x else { preconditionFailure("RecurrentLayer.backward before forward") }
        let width = outputSize, layout = x.layout
        forEachDirection(parallel: ws.parallel) { d in
            directions[d].backward(x: x.data, layout: layout, dy: dy, yStride: width, yOffset: d * hidden,
                                   inputGradient: inputGradient, workspace: ws.directions[d])
        }
        guard inputGradient else { return nil }
        let n = layout.rows * inputSize
        let dx = ws.inputGrad.reserve(n)
        dx.update(from: ws.directions[0].inputGrad.pointer, count: n)
        for d in ws.directions.dropFirst() {
            let part = d.inputGrad.pointer
            for i in 0..<n { dx[i] += part[i] }
        }
        return dx
    }

    /// Runs `body` for each direction, on two threads when `parallel`. The directions touch
    /// disjoint state (their own workspaces and their own columns of the shared output), which
    /// is why handing the non-Sendable closure to the threads is safe.
    private func forEachDirection(parallel: Bool, _ body: (Int) -> Void) {
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
