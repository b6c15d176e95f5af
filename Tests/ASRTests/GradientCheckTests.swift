import Foundation
import Testing
@testable import ASR

/// Finite-difference checks of every hand-written backward pass. The loss is a fixed random
/// weighting of the model's outputs, L = Σ w·y, with w zero on padding frames (as CTC's
/// gradient is), so dL/dθ is exactly what backward computes. Central differences in Float
/// with step 1e-2; the loss is accumulated in Double.
struct GradientCheckTests {
    /// A small ragged batch: T=6, B=3, lengths 6, 4, 1 (sorted longest first).
    static let T = 6, B = 3, lengths = [6, 4, 1]

    func randomArray(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var rng = SeededRandom(seed: seed)
        return rng.uniformArray(n, bound: scale)
    }

    /// w (T, B, width), zero on padding frames.
    func lossWeights(width: Int, seed: UInt64) -> [Float] {
        var w = randomArray(Self.T * Self.B * width, seed: seed)
        for t in 0..<Self.T { for b in 0..<Self.B where t >= Self.lengths[b] {
            for j in 0..<width { w[(t * Self.B + b) * width + j] = 0 }
        } }
        return w
    }

    func dot(_ y: UnsafePointer<Float>, _ w: [Float]) -> Double {
        var s = 0.0
        for i in w.indices { s += Double(y[i]) * Double(w[i]) }
        return s
    }

    func dot(_ y: [Float], _ w: [Float]) -> Double { y.withUnsafeBufferPointer { dot($0.baseAddress!, w) } }

    /// Compares analytic and numeric derivatives at up to `samples` entries of `values`.
    /// `get`/`set` read and write entry i of the values being perturbed.
    @discardableResult
    func check(_ name: String, count: Int, get: (Int) -> Float, set: (Int, Float) -> Void, analytic: [Float],
               samples: Int = 12, loss: () -> Double) -> Int {
        var rng = SeededRandom(seed: UInt64(name.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
        let indices = count <= samples ? Array(0..<count) : (0..<samples).map { _ in Int(rng.next() % UInt64(count)) }
        let eps: Float = 1e-2
        for i in indices {
            let saved = get(i)
            set(i, saved + eps)
            let plus = loss()
            set(i, saved - eps)
            let minus = loss()
            set(i, saved)
            let numeric = Float((plus - minus) / Double(2 * eps))
            let error = abs(numeric - analytic[i]) / max(1, abs(numeric), abs(analytic[i]))
            #expect(error < 5e-3, "\(name)[\(i)]: analytic \(analytic[i]), numeric \(numeric)")
        }
        return indices.count
    }

    func check(_ p: Parameter, samples: Int = 12, loss: () -> Double) -> Int {
        check(p.name, count: p.count, get: { p.value[$0] }, set: { p.value[$0] = $1 }, analytic: p.grad,
              samples: samples, loss: loss)
    }

    @Test func linear() {
        var rng = SeededRandom(seed: 1)
        let layer = Linear(inputSize: 5, outputSize: 4, name: "lin", rng: &rng)
        let workspace = layer.makeWorkspace()
        // The layer reads its input again in backward: x lives in memory the test owns.
        let x = UnsafeMutableBufferPointer<Float>.allocate(capacity: 7 * 5)
        defer { x.deallocate() }
        _ = x.initialize(from: randomArray(7 * 5, seed: 2))
        let w = randomArray(7 * 4, seed: 3)
        let input = PackedRows(data: x.baseAddress!, width: 5, layout: PackedLayout(lengths: [7], T: 7))
        let lossOf = { () -> Double in self.dot(layer.forward(input, workspace: workspace, pass: .inference).data, w) }
        _ = lossOf()
        layer.zeroGrad()
        let dx = w.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: layer.backward($0.baseAddress!, workspace: workspace, inputGradient: true), count: 7 * 5))
        }
        for p in layer.parameters { check(p, loss: lossOf) }
        check("x", count: x.count, get: { x[$0] }, set: { x[$0] = $1 }, analytic: dx, samples: 35, loss: lossOf)
    }

    @Test(arguments: [CellType.gru, .lstm], [true, false])
    func encoderStack(cell: CellType, bidirectional: Bool) {
        let (T, B, I) = (Self.T, Self.B, 3)
        var rng = SeededRandom(seed: 7)
        let encoder = PaddedStack(RecurrentEncoder.stack(cell: cell, inputSize: I, hidden: 4, layers: 2, bidirectional: bidirectional, rng: &rng))
        var x = randomArray(T * B * I, seed: 11, scale: 1.5)
        let w = lossWeights(width: encoder.outputSize, seed: 13)
        let lossOf = { () -> Double in
            self.dot(encoder.forwardPadded(x, T: T, B: B, lengths: Self.lengths, training: false), w)
        }
        _ = lossOf()
        encoder.zeroGrad()
        let dx = encoder.backwardPadded(w, T: T, B: B, lengths: Self.lengths)

        var checked = 0
        for p in encoder.parameters { checked += check(p, loss: lossOf) }
        checked += check("x", count: x.count, get: { x[$0] }, set: { x[$0] = $1 }, analytic: dx, samples: T * B * I, loss: lossOf)
        #expect(checked > 100)
        // Padding frames: zero gradient, and no influence on the loss (checked numerically above too).
        for t in 0..<T { for b in 0..<B where t >= Self.lengths[b] {
            for i in 0..<I { #expect(dx[(t * B + b) * I + i] == 0) }
        } }
    }

    @Test(arguments: [CellType.gru, .lstm])
    func modelWithProjection(cell: CellType) {
        let (T, B, F, V) = (Self.T, Self.B, 5, 7)
        var config = ModelConfig()
        config.cell = cell
        config.hiddenSize = 3
        config.layers = 2
        config.projection = 4
        let model = AcousticModel(config: config, inputSize: F, vocabSize: V)
        let workspace = model.makeWorkspace()
        let x = randomArray(T * B * F, seed: 21)
        let w = lossWeights(width: V, seed: 23)
        let lossOf = { () -> Double in self.dot(model.logits(x, T: T, B: B, lengths: Self.lengths, workspace: workspace), w) }
        _ = lossOf()
        model.parameters.zeroGrad()
        w.withUnsafeBufferPointer { model.backward($0.baseAddress!, workspace: workspace) }
        #expect(model.parameters.count == 2 + 16 + 2)
        for p in model.parameters { _ = check(p, samples: 6, loss: lossOf) }
    }

    /// Dropout between layers: the gradient is that of the masked network (same mask in the
    /// forward passes of the check), and evaluation passes are unaffected.
    @Test func dropoutBetweenLayers() {
        let (T, B, I) = (Self.T, Self.B, 3)
        var rng = SeededRandom(seed: 9)
        let encoder = PaddedStack(RecurrentEncoder.stack(cell: .gru, inputSize: I, hidden: 4, layers: 3, dropout: 0.4, rng: &rng))
        let x = randomArray(T * B * I, seed: 10)
        let w = lossWeights(width: encoder.outputSize, seed: 12)
        let lossOf = { (training: Bool) -> Double in
            encoder.reseedDropout(77)
            return self.dot(encoder.forwardPadded(x, T: T, B: B, lengths: Self.lengths, training: training), w)
        }
        let eval1 = lossOf(false), eval2 = lossOf(false)
        #expect(eval1 == eval2)
        #expect(lossOf(true) != eval1, "dropout changed nothing in training")
        encoder.zeroGrad()
        _ = lossOf(true)
        _ = encoder.backwardPadded(w, T: T, B: B, lengths: Self.lengths)
        for p in encoder.parameters { _ = check(p, samples: 6) { lossOf(true) } }
    }

    /// Packed semantics: each sequence's outputs in a ragged batch equal its outputs run alone,
    /// and padding outputs are zero.
    @Test(arguments: [CellType.gru, .lstm])
    func raggedBatchEqualsSequencesAlone(cell: CellType) {
        let (T, B, I) = (Self.T, Self.B, 3)
        var rng = SeededRandom(seed: 5)
        let encoder = PaddedStack(RecurrentEncoder.stack(cell: cell, inputSize: I, hidden: 4, layers: 2, rng: &rng))
        let x = randomArray(T * B * I, seed: 6)
        let batch = encoder.forwardPadded(x, T: T, B: B, lengths: Self.lengths, training: false)
        for b in 0..<B {
            let len = Self.lengths[b]
            var alone: [Float] = []
            for t in 0..<len { alone += x[((t * B + b) * I)..<((t * B + b) * I + I)] }
            let out = encoder.forwardPadded(alone, T: len, B: 1, lengths: [len], training: false)
            for t in 0..<T {
                for j in 0..<8 {
                    let v = batch[(t * B + b) * 8 + j]
                    if t < len { #expect(abs(v - out[t * 8 + j]) < 1e-6) } else { #expect(v == 0) }
                }
            }
        }
    }

    /// Inference keeps one step's gates and states instead of every step's: the same outputs,
    /// bit for bit, as the pass that keeps them for backward.
    @Test(arguments: [CellType.gru, .lstm])
    func inferenceBuffersGiveTheSameOutputs(cell: CellType) {
        let (T, B, I) = (Self.T, Self.B, 3)
        var rng = SeededRandom(seed: 15)
        let encoder = PaddedStack(RecurrentEncoder.stack(cell: cell, inputSize: I, hidden: 12, layers: 2, rng: &rng))
        let x = randomArray(T * B * I, seed: 16)
        let kept = encoder.forwardPadded(x, T: T, B: B, lengths: Self.lengths, training: false, keep: true)
        let inference = encoder.forwardPadded(x, T: T, B: B, lengths: Self.lengths, training: false, keep: false)
        #expect(kept.contains { $0 != 0 })
        #expect(kept == inference)
    }

    /// Frame stacking (`model.subsample`): the output of a ragged batch is PyTorch's reshape of
    /// the zero-padded sequence, lengths round up, and the gradient is the finite difference.
    @Test(arguments: [2, 3])
    func frameStacking(k: Int) {
        let F = 3, layout = PackedLayout(lengths: [7, 4, 1], T: 7)
        let layer = FrameStacking(frameSize: F, factor: k)
        let workspace = layer.makeWorkspace()
        let x = UnsafeMutableBufferPointer<Float>.allocate(capacity: layout.rows * F)
        defer { x.deallocate() }
        _ = x.initialize(from: randomArray(layout.rows * F, seed: 31))
        let input = PackedRows(data: x.baseAddress!, width: F, layout: layout)
        let y = layer.forward(input, workspace: workspace, pass: .inference)
        let up = { (n: Int) in (n + k - 1) / k }
        #expect(y.layout.lengths == [up(7), up(4), 1] && y.layout.T == up(7) && y.width == k * F)
        // Row (t', b), slot i holds input frame k t' + i of sequence b, or zeros past its end.
        for t in 0..<y.layout.T { for b in 0..<y.layout.batchSizes[t] { for i in 0..<k { for f in 0..<F {
            let s = k * t + i
            let expected = s < layout.lengths[b] ? x[(layout.offsets[s] + b) * F + f] : 0
            #expect(y.data[(y.layout.offsets[t] + b) * k * F + i * F + f] == expected)
        } } } }
        let w = randomArray(y.layout.rows * k * F, seed: 32)
        let lossOf = { () -> Double in self.dot(layer.forward(input, workspace: workspace, pass: .inference).data, w) }
        let dx = w.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: layer.backward($0.baseAddress!, workspace: workspace, inputGradient: true), count: x.count))
        }
        check("x", count: x.count, get: { x[$0] }, set: { x[$0] = $1 }, analytic: dx, samples: x.count, loss: lossOf)
    }

    /// A model that subsamples: k times fewer output frames, and the gradient of every
    /// parameter through the stacking.
    @Test func modelWithSubsampling() {
        let (T, B, F, V) = (Self.T, Self.B, 5, 7)
        var config = ModelConfig()
        config.hiddenSize = 3
        config.layers = 2
        config.projection = 4
        config.subsample = 2
        let model = AcousticModel(config: config, inputSize: F, vocabSize: V)
        #expect(model.subsampling == 2 && model.outputFrames(7) == 4 && model.outputFrames(6) == 3)
        let workspace = model.makeWorkspace()
        let x = randomArray(T * B * F, seed: 41)
        let out = x.withUnsafeBufferPointer {
            model.forward($0.baseAddress!, T: T, B: B, lengths: Self.lengths, workspace: workspace, pass: .checked)
        }
        #expect(out.T == 3 && out.lengths == [3, 2, 1])
        var w = randomArray(out.T * B * V, seed: 43)
        for t in 0..<out.T { for b in 0..<B where t >= out.lengths[b] { for j in 0..<V { w[(t * B + b) * V + j] = 0 } } }
        let lossOf = { () -> Double in self.dot(model.logits(x, T: T, B: B, lengths: Self.lengths, workspace: workspace), w) }
        _ = lossOf()
        model.parameters.zeroGrad()
        w.withUnsafeBufferPointer { model.backward($0.baseAddress!, workspace: workspace) }
        for p in model.parameters { _ = check(p, samples: 6, loss: lossOf) }
    }

    @Test func parameterCountsMatchPyTorch() {
        // nn.GRU(39, 128, 2, bidirectional=True) has 3·(...) and nn.LSTM 4·(...) parameters;
        // the GRU's recurrent weights are exactly three quarters of the LSTM's.
        var gru = ModelConfig()
        gru.cell = .gru
        var lstm = gru
        lstm.cell = .lstm
        let g = AcousticModel(config: gru, inputSize: 39, vocabSize: 29), l = AcousticModel(config: lstm, inputSize: 39, vocabSize: 29)
        #expect(g.recurrentParameterCount == 3 * 2 * (128 * 39 + 128 * 128 + 2 * 128) + 3 * 2 * (128 * 256 + 128 * 128 + 2 * 128))
        #expect(g.recurrentParameterCount * 4 == l.recurrentParameterCount * 3)
        #expect(g.parameterCount == g.recurrentParameterCount + 29 * 256 + 29)
    }
}
