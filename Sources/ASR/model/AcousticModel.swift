/// features (T, B, F) -> [projection] -> encoder -> classifier -> logits (T, B, V).
/// Parameter names are those of a PyTorch module with attributes `projection` (nn.Linear),
/// `encoder` (nn.GRU/nn.LSTM, batch_first=False) and `classifier` (nn.Linear), so its
/// state_dict and this model's checkpoint have the same keys.
public final class AcousticModel: ParameterOwner {
    public let config: ModelConfig
    public let inputSize: Int, vocabSize: Int
    public let projection: Linear?
    public let encoder: RecurrentEncoder
    public let classifier: Linear
    public var parameters: [Parameter] {
        (projection?.parameters ?? []) + encoder.parameters + classifier.parameters
    }

    private var layout = PackedLayout(lengths: [], T: 0)
    private let packedInput = Buffer()    // (N, F)
    private let logits = Buffer()         // (T, B, V)
    private let packedGrad = Buffer()     // (N, V)

    public init(config: ModelConfig, inputSize: Int, vocabSize: Int) {
        self.config = config
        self.inputSize = inputSize
        self.vocabSize = vocabSize
        var rng = SeededRandom(seed: config.seed)
        projection = config.projection > 0
            ? Linear(inputSize: inputSize, outputSize: config.projection, name: "projection", rng: &rng) : nil
        encoder = RecurrentEncoder(cell: config.cell, inputSize: config.projection > 0 ? config.projection : inputSize,
                                   hidden: config.hiddenSize, layers: config.layers, bidirectional: config.bidirectional,
                                   dropout: Float(config.dropout), prefix: "encoder", rng: &rng)
        classifier = Linear(inputSize: encoder.outputSize, outputSize: vocabSize, name: "classifier", rng: &rng)
    }

    /// features (T, B, F) time-major, sequences sorted longest first -> logits (T, B, V), zero
    /// on padding frames. Inside, only real frames are computed (the batch is packed).
    /// The returned buffer is reused by the next call.
    public func forward(_ features: UnsafePointer<Float>, T: Int, B: Int, lengths: [Int], training: Bool) -> UnsafeMutablePointer<Float> {
        layout = PackedLayout(lengths: lengths, T: T)
        let x = packedInput.reserve(layout.rows * inputSize)
        layout.pack(features, width: inputSize, into: x)
        var h = UnsafePointer(x)
        if let projection { h = UnsafePointer(projection.forward(h, rows: layout.rows)) }
        let encoded = encoder.forward(h, layout: layout, training: training)
        let packedLogits = classifier.forward(encoded, rows: layout.rows)
        let out = logits.reserve(T * B * vocabSize)
        layout.unpack(packedLogits, width: vocabSize, into: out)
        return out
    }

    /// dLogits (T, B, V) -> adds to every parameter's gradient (padding frames are ignored).
    public func backward(_ dLogits: UnsafePointer<Float>) {
        let g = packedGrad.reserve(layout.rows * vocabSize)
        layout.pack(dLogits, width: vocabSize, into: g)
        let dh = classifier.backward(g)!
        // The features need no gradient; the projection's input gradient is skipped too.
        let dx = encoder.backward(dh, inputGradient: projection != nil)
        if let projection, let dx { projection.backward(dx, inputGradient: false) }
    }
}
