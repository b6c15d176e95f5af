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
        if !(0...4096).contains(projection) { throw fail("projection", "expected 0 (none) to 4096, got \(projection)") }
        if !(1...8).contains(subsample) { throw fail("subsample", "expected 1 (none) to 8 feature frames per model frame, got \(subsample)") }
    }

    /// Parameters of the model this configuration builds on `inputSize` features and
    /// `vocabSize` outputs, counted without building it; nil if the count overflows. A
    /// checkpoint's metadata is checked with it before any weight is allocated.
    public func parameterCount(inputSize: Int, vocabSize: Int) -> Int? {
        var total = 0, ok = true
        func add(_ factors: Int...) {
            var product = 1
            for f in factors {
                let (p, overflow) = product.multipliedReportingOverflow(by: f)
                ok = ok && !overflow && f >= 0
                product = p
            }
            let (t, overflow) = total.addingReportingOverflow(product)
            ok = ok && !overflow
            total = t
        }
        let (stacked, overflow) = inputSize.multipliedReportingOverflow(by: subsample)
        guard !overflow else { return nil }
        var width = stacked
        if projection > 0 { add(projection, width); add(projection); width = projection }
        let directions = bidirectional ? 2 : 1, gates = cell.gates * hiddenSize
        for layer in 0..<layers {
            let input = layer == 0 ? width : hiddenSize * directions
            // weight_ih, weight_hh, bias_ih, bias_hh of each direction.
            add(directions, gates, input); add(directions, gates, hiddenSize); add(directions, 2, gates)
        }
        add(vocabSize, hiddenSize * directions); add(vocabSize)
        return ok ? total : nil
    }
}
