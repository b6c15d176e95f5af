/// N stacked recurrent layers, PyTorch's `nn.GRU`/`nn.LSTM` with `num_layers = N`: parameter
/// names `<prefix>.weight_ih_l{k}[_reverse]` etc., and dropout on the output of every layer
/// but the last, in training only.
public final class RecurrentEncoder: ParameterOwner {
    public let cell: CellType
    public let inputSize: Int, hidden: Int, layerCount: Int, bidirectional: Bool
    public let dropout: Float
    let layers: [RecurrentLayer]
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    public var outputSize: Int { hidden * (bidirectional ? 2 : 1) }

    /// Run the two directions of each layer on two threads.
    public var parallelDirections: Bool {
        get { layers.first?.parallel ?? false }
        set { layers.forEach { $0.parallel = newValue } }
    }

    private var masks: [Buffer] = []   // (N, D·H) per layer but the last: 0 or 1/(1-p)
    private let maskedOutput: [Buffer]
    private var dropoutRandom: SeededRandom
    /// When set (one seed per sequence of the next batch, in batch order), each sequence's
    /// dropout masks come from its own seed, layer and frame: they do not depend on which
    /// other sequences share the batch. That is what lets a batch split across processes
    /// (MPI) train exactly as the whole batch does in one process. Otherwise one random
    /// stream runs through the batch.
    public var sequenceSeeds: [UInt64]?
    private var layout = PackedLayout(lengths: [], T: 0)
    private var rows = 0
    private var trainingPass = false

    public init(cell: CellType, inputSize: Int, hidden: Int, layers: Int, bidirectional: Bool = true,
                dropout: Float = 0, prefix: String = "encoder", rng: inout SeededRandom) {
        precondition(layers >= 1 && hidden >= 1 && inputSize >= 1)
        self.cell = cell
        self.inputSize = inputSize
        self.hidden = hidden
        self.layerCount = layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        let width = hidden * (bidirectional ? 2 : 1)
        self.layers = (0..<layers).map { k in
            RecurrentLayer(cell: cell, inputSize: k == 0 ? inputSize : width, hidden: hidden, layer: k,
                           bidirectional: bidirectional, prefix: prefix, rng: &rng)
        }
        masks = (0..<(layers - 1)).map { _ in Buffer() }
        maskedOutput = (0..<(layers - 1)).map { _ in Buffer() }
        dropoutRandom = SeededRandom(seed: rng.next())
    }

    /// Restarts the dropout masks' random sequence (tests use it to repeat a training pass exactly).
    func reseedDropout(_ seed: UInt64) { dropoutRandom = SeededRandom(seed: seed) }

    /// x (N, I) packed as `layout` says -> (N, D·H). With `training`, dropout applies.
    public func forward(_ x: UnsafePointer<Float>, layout: PackedLayout, training: Bool) -> UnsafeMutablePointer<Float> {
        rows = layout.rows
        self.layout = layout
        trainingPass = training && dropout > 0
        var h = x
        var out: UnsafeMutablePointer<Float>!
        for (k, layer) in layers.enumerated() {
            out = layer.forward(h, layout: layout)
            if trainingPass && k < layers.count - 1 {
                out = applyDropout(out, count: rows * layer.outputSize, layer: k)
            }
            h = UnsafePointer(out)
        }
        return out
    }

    /// dy (N, D·H) -> dx (N, I) (nil without `inputGradient`); adds to the parameter gradients.
    public func backward(_ dy: UnsafePointer<Float>, inputGradient: Bool = true) -> UnsafeMutablePointer<Float>? {
        var g = dy
        var dx: UnsafeMutablePointer<Float>?
        for k in layers.indices.reversed() {
            dx = layers[k].backward(g, inputGradient: k > 0 || inputGradient)
            guard k > 0, let d = dx else { break }
            if trainingPass {
                // d is the gradient of layer k-1's dropped-out output: multiply by its mask.
                let mask = masks[k - 1].pointer
                for i in 0..<(rows * layers[k - 1].outputSize) { d[i] *= mask[i] }
            }
            g = UnsafePointer(d)
        }
        return dx
    }

    /// Inverted dropout: keeps each value with probability 1-p and scales it by 1/(1-p).
    private func applyDropout(_ y: UnsafeMutablePointer<Float>, count: Int, layer k: Int) -> UnsafeMutablePointer<Float> {
        let mask = masks[k].reserve(count), out = maskedOutput[k].reserve(count)
        let keep = 1 / (1 - dropout)
        if let seeds = sequenceSeeds {
            precondition(seeds.count == layout.B, "sequenceSeeds: \(seeds.count) seeds for a batch of \(layout.B)")
            // Packed row (t, b) draws from a stream of its own, seeded by (sequence seed, layer, t).
            let width = count / max(rows, 1)
            for t in 0..<layout.T {
                for b in 0..<layout.batchSizes[t] {
                    var mixer = SeededRandom(seed: seeds[b] ^ (UInt64(k) << 48) ^ UInt64(t))
                    var random = SeededRandom(seed: mixer.next())
                    let row = (layout.offsets[t] + b) * width
                    for j in row..<(row + width) { mask[j] = random.uniform() < dropout ? 0 : keep }
                }
            }
        } else {
            for i in 0..<count { mask[i] = dropoutRandom.uniform() < dropout ? 0 : keep }
        }
        for i in 0..<count { out[i] = y[i] * mask[i] }
        return out
    }
}
