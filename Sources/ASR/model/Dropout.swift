/// Inverted dropout between recurrent layers, as `nn.GRU(dropout=p)` applies it to the output
/// of every layer but the last: in training each value is kept with probability 1-p and scaled
/// by 1/(1-p); otherwise the layer passes its input through. No parameters.
public final class Dropout: Layer {
    public let size: Int
    public let probability: Float
    /// Which recurrent layer's output this follows (mixed into the per-sequence seeds).
    let index: Int
    /// The seed of a workspace's own random stream (used without `sequenceSeeds`).
    let seed: UInt64
    public var inputSize: Int { size }
    public var outputSize: Int { size }
    public var parameters: [Parameter] { [] }

    init(size: Int, probability: Float, index: Int, seed: UInt64) {
        self.size = size
        self.probability = probability
        self.index = index
        self.seed = seed
    }

    final class Workspace: LayerWorkspace {
        let mask = Buffer()     // (N, size): 0 or 1/(1-p)
        let output = Buffer()   // (N, size)
        let inputGrad = Buffer()
        var rows = 0
        var applied = false
        var random: SeededRandom
        init(seed: UInt64) { random = SeededRandom(seed: seed) }
    }

    public func makeWorkspace() -> LayerWorkspace { Workspace(seed: seed) }

    /// Restarts a workspace's random stream (tests use it to repeat a training pass exactly).
    func reseed(_ w: LayerWorkspace, _ seed: UInt64) { workspace(w, as: Workspace.self).random = SeededRandom(seed: seed) }

    public func forward(_ x: PackedRows, workspace w: LayerWorkspace, pass: ForwardPass) -> PackedRows {
        let ws = workspace(w, as: Workspace.self)
        let layout = x.layout, count = layout.rows * size
        ws.rows = layout.rows
        ws.applied = pass.training && probability > 0
        guard ws.applied else { return x }
        let mask = ws.mask.reserve(count), out = ws.output.reserve(count)
        let keep = 1 / (1 - probability)
        if let seeds = pass.sequenceSeeds {
            precondition(seeds.count == layout.B, "sequenceSeeds: \(seeds.count) seeds for a batch of \(layout.B)")
            // Packed row (t, b) draws from a stream of its own, seeded by (sequence seed, layer, t).
            for t in 0..<layout.T {
                for b in 0..<layout.batchSizes[t] {
                    var mixer = SeededRandom(seed: seeds[b] ^ (UInt64(index) << 48) ^ UInt64(t))
                    var random = SeededRandom(seed: mixer.next())
                    let row = (layout.offsets[t] + b) * size
                    for j in row..<(row + size) { mask[j] = random.uniform() < probability ? 0 : keep }
                }
            }
        } else {
            for i in 0..<count { mask[i] = ws.random.uniform() < probability ? 0 : keep }
        }
        for i in 0..<count { out[i] = x.data[i] * mask[i] }
        return PackedRows(data: out, width: size, layout: layout)
    }

    /// dy -> dy ⊙ mask (the gradient of the dropped-out output), or dy itself outside training.
    public func backward(_ dy: UnsafePointer<Float>, workspace w: LayerWorkspace, inputGradient: Bool) -> UnsafeMutablePointer<Float>? {
        let ws = workspace(w, as: Workspace.self)
        guard inputGradient else { return nil }
        guard ws.applied else { return UnsafeMutablePointer(mutating: dy) }
        let count = ws.rows * size, mask = ws.mask.pointer
        let dx = ws.inputGrad.reserve(count)
        for i in 0..<count { dx[i] = dy[i] * mask[i] }
        return dx
    }
}
