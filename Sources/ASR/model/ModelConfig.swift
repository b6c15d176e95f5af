/// The acoustic model: the `model` section of a recipe.
/// features -> [projection] -> N × (Bi)GRU/LSTM -> Linear -> per-frame scores over the tokens.
public struct ModelConfig: Codable, Equatable, Sendable {
    /// `gru` or `lstm`. Default `gru`.
    public var cell: CellType = .gru
    /// Units per direction. Default 128.
    public var hiddenSize: Int = 128
    /// Stacked recurrent layers. Default 2.
    public var layers: Int = 2
    /// Both directions (outputs concatenated). Default true.
    public var bidirectional: Bool = true
    /// Dropout between recurrent layers, in training. Default 0.
    public var dropout: Double = 0
    /// Size of a linear projection of the features before the encoder; 0 (default) for none.
    public var projection: Int = 0
    /// Seed of the weight initialisation. Default 0.
    public var seed: UInt64 = 0

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case cell, hiddenSize = "hidden_size", layers, bidirectional, dropout, projection, seed
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ModelConfig()
        cell = try c.value(.cell, or: d.cell)
        hiddenSize = try c.value(.hiddenSize, or: d.hiddenSize)
        layers = try c.value(.layers, or: d.layers)
        bidirectional = try c.value(.bidirectional, or: d.bidirectional)
        dropout = try c.value(.dropout, or: d.dropout)
        projection = try c.value(.projection, or: d.projection)
        seed = try c.value(.seed, or: d.seed)
    }

    public func validate() throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(path: "model.\(key)", message: message) }
        if !(1...4096).contains(hiddenSize) { throw fail("hidden_size", "expected 1 to 4096, got \(hiddenSize)") }
        if !(1...16).contains(layers) { throw fail("layers", "expected 1 to 16, got \(layers)") }
        if !(0..<1).contains(dropout) { throw fail("dropout", "expected 0 to less than 1, got \(dropout)") }
        if projection < 0 { throw fail("projection", "expected 0 (none) or a size, got \(projection)") }
    }

    /// Parameters of a model with this configuration over `inputSize` features and `vocabSize` tokens.
    public func parameterCount(inputSize: Int, vocabSize: Int) -> (recurrent: Int, total: Int) {
        let g = cell.gates, h = hiddenSize, d = bidirectional ? 2 : 1
        var input = projection > 0 ? projection : inputSize
        var recurrent = 0
        for _ in 0..<layers {
            recurrent += d * (g * h * input + g * h * h + 2 * g * h)
            input = d * h
        }
        let proj = projection > 0 ? projection * inputSize + projection : 0
        return (recurrent, recurrent + proj + vocabSize * d * h + vocabSize)
    }
}
