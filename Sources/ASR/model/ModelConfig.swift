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
    /// Feature frames stacked into one before the other layers (`FrameStacking`): the model
    /// runs at 1/subsample of the feature frame rate. 1 (default) to 8.
    public var subsample: Int = 1

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case cell, hiddenSize = "hidden_size", layers, bidirectional, dropout, projection, seed, subsample
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
        subsample = try c.value(.subsample, or: d.subsample)
    }

    public func validate() throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(path: "model.\(key)", message: message) }
        if !(1...4096).contains(hiddenSize) { throw fail("hidden_size", "expected 1 to 4096, got \(hiddenSize)") }
        if !(1...16).contains(layers) { throw fail("layers", "expected 1 to 16, got \(layers)") }
        if !(0..<1).contains(dropout) { throw fail("dropout", "expected 0 to less than 1, got \(dropout)") }
        if projection < 0 { throw fail("projection", "expected 0 (none) or a size, got \(projection)") }
        if !(1...8).contains(subsample) { throw fail("subsample", "expected 1 (none) to 8 feature frames per model frame, got \(subsample)") }
    }
}
