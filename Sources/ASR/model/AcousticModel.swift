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

    private var shape = (T: 0, B: 0)

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

    /// features (T, B, F) time-major, sequences sorted longest first -> logits (T, B, V).
    /// The returned buffer is reused by the next call.
    public func forward(_ features: UnsafePointer<Float>, T: Int, B: Int, lengths: [Int], training: Bool) -> UnsafeMutablePointer<Float> {
        shape = (T, B)
        var x = features
        if let projection { x = UnsafePointer(projection.forward(x, rows: T * B)) }
        let h = encoder.forward(x, T: T, B: B, lengths: lengths, training: training)
        return classifier.forward(h, rows: T * B)
    }

    /// dLogits (T, B, V) -> adds to every parameter's gradient.
    public func backward(_ dLogits: UnsafePointer<Float>) {
        let dh = classifier.backward(dLogits)
        let dx = encoder.backward(dh)
        if let projection { _ = projection.backward(dx) }
    }
}
