import Foundation

/// A recipe: everything `asr train` needs, as one JSON file whose schema is these structs.
/// Every key has a documented default except `data.train`; unknown keys and wrong types are
/// errors that name the key path (`training.batch_size: expected an integer, got "32"`).
public struct Recipe: Codable, Equatable, Sendable {
    /// Name of the experiment. Default "experiment".
    public var name: String = "experiment"
    /// Folder of the run (checkpoints, logs, report), relative to the working directory.
    /// nil (default): runs/<name>.
    public var output: String? = nil
    public var data: DataConfig
    public var features = FeatureConfig()
    public var model = ModelConfig()
    public var tokens = TokensConfig()
    public var training = TrainingConfig()
    public var decoding = DecodingConfig()

    public init(data: DataConfig) { self.data = data }

    /// The run folder as written (`ResolvedRecipe.outputFolder` is it made absolute).
    public var outputFolder: String { output ?? "runs/\(name)" }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, output, data, features, model, tokens, training, decoding
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.value(.name, or: "experiment")
        output = try c.decodeIfPresent(String.self, forKey: .output)
        data = try c.decode(DataConfig.self, forKey: .data)
        features = try c.value(.features, or: FeatureConfig())
        model = try c.value(.model, or: ModelConfig())
        tokens = try c.value(.tokens, or: TokensConfig())
        training = try c.value(.training, or: TrainingConfig())
        decoding = try c.value(.decoding, or: DecodingConfig())
    }

    /// Checks every section; errors name the key path.
    public func validate() throws {
        // The name becomes a folder under runs/: one plain name, never a path out of it.
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard !name.isEmpty, name.count <= 100, !name.hasPrefix("."), name.allSatisfy(allowed.contains) else {
            throw ConfigError(path: "name", message: "'\(name)': expected 1 to 100 letters, digits, '-', '_' or '.', not starting "
                              + "with '.' (the run goes to runs/<name>; set `output` for another folder)")
        }
        try data.synthetic?.validate()
        for (i, condition) in data.robustness.enumerated() {
            do { _ = try TestCondition(condition) } catch let error as ConfigError {
                throw ConfigError(path: "data.robustness[\(i)]", message: error.message)
            }
        }
        try features.validate()
        try model.validate()
        try training.validate()
        try decoding.validate()
    }

    /// Reads a recipe, applies `overrides` ("training.epochs=5": the value is JSON if it parses
    /// as JSON, else a string) and validates it, paths included (`ResolvedRecipe`, which the
    /// trainer uses, resolves them). Errors name the file and the key path.
    public static func load(_ path: String, overrides: [String] = []) throws -> Recipe {
        try ResolvedRecipe(file: path, overrides: overrides).recipe
    }

    /// `load` without the paths: reads, applies `overrides`, decodes and validates the values;
    /// no data set, lexicon or LM file is looked at.
    public static func parse(_ path: String, overrides: [String]) throws -> Recipe {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(path: path, message: "cannot read the recipe file")
        }
        var json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ConfigError(path: path, message: "not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error)")
        }
        for override in overrides {
            guard let eq = override.firstIndex(of: "="), eq != override.startIndex else {
                throw ConfigError(path: "--set \(override)", message: "expected key.path=value, e.g. training.epochs=5")
            }
            let keyPath = override[..<eq].split(separator: ".").map(String.init)
            let text = String(override[override.index(after: eq)...])
            let value = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) ?? text
            json = setting(value, at: keyPath[...], in: json)
        }
        let merged = try JSONSerialization.data(withJSONObject: json)
        let recipe: Recipe
        do {
            recipe = try JSONDecoder().decode(Recipe.self, from: merged)
        } catch {
            throw ConfigError(path: path, message: describeDecodingError(error, json: merged))
        }
        do {
            try recipe.validate()
        } catch let error as ConfigError {
            throw ConfigError(path: path, message: error.description)
        } catch {
            throw ConfigError(path: path, message: "\(error)")
        }
        return recipe
    }

    private static func setting(_ value: Any, at path: ArraySlice<String>, in node: Any) -> Any {
        guard let key = path.first else { return value }
        var object = node as? [String: Any] ?? [:]
        object[key] = setting(value, at: path.dropFirst(), in: object[key] ?? [String: Any]())
        return object
    }
}

/// The `data` section: where the utterances come from.
public struct DataConfig: Codable, Equatable, Sendable {
    /// Required: the training set.
    public var train: DataSetConfig
    /// Checked every epoch (loss, greedy CER and WER); chooses the best checkpoint. Optional.
    public var validation: DataSetConfig?
    /// Scored once at the end, with the recipe's decoding. Optional.
    public var test: DataSetConfig?
    /// Connected digit strings made from the training/test recordings (FSDD-style data). Optional.
    public var connectedDigits: ConnectedDigitsConfig?
    /// Digit strings spoken by text-to-speech voices, added to the training set. Optional.
    public var synthetic: SyntheticSpeechConfig?
    /// Conditions under which the test set is also scored at the end (`TestCondition`:
    /// "noise:20", "telephone", "untrimmed", "speed:1.1", ...). Default [] (none).
    public var robustness: [String] = []

    public init(train: DataSetConfig) { self.train = train }

    enum CodingKeys: String, CodingKey, CaseIterable { case train, validation, test, connectedDigits = "connected_digits", synthetic, robustness }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        train = try c.decode(DataSetConfig.self, forKey: .train)
        validation = try c.decodeIfPresent(DataSetConfig.self, forKey: .validation)
        test = try c.decodeIfPresent(DataSetConfig.self, forKey: .test)
        connectedDigits = try c.decodeIfPresent(ConnectedDigitsConfig.self, forKey: .connectedDigits)
        synthetic = try c.decodeIfPresent(SyntheticSpeechConfig.self, forKey: .synthetic)
        robustness = try c.decodeIfPresent([String].self, forKey: .robustness) ?? []
    }
}

/// Connected digits: utterances of 1 to 7 recordings of one speaker joined by 50-300 ms of
/// silence, so the model learns to read digit strings. Training ones are drawn anew each
/// epoch; the test set is fixed by `seed`.
public struct ConnectedDigitsConfig: Codable, Equatable, Sendable {
    /// New connected utterances added to each training epoch. Default 1000.
    public var trainPerEpoch: Int = 1000
    /// Size of the fixed connected test set, made from the test recordings. Default 300.
    public var testCount: Int = 300
    public var minDigits: Int = 1
    public var maxDigits: Int = 7
    /// Silence between digits, [low, high] in ms. Default [50, 300].
    public var gapMs: [Int] = [50, 300]
    /// Seed of the test set. Default 1.
    public var seed: UInt64 = 1

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case trainPerEpoch = "train_per_epoch", testCount = "test_count", minDigits = "min_digits", maxDigits = "max_digits"
        case gapMs = "gap_ms", seed
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ConnectedDigitsConfig()
        trainPerEpoch = try c.value(.trainPerEpoch, or: d.trainPerEpoch)
        testCount = try c.value(.testCount, or: d.testCount)
        minDigits = try c.value(.minDigits, or: d.minDigits)
        maxDigits = try c.value(.maxDigits, or: d.maxDigits)
        gapMs = try c.value(.gapMs, or: d.gapMs)
        seed = try c.value(.seed, or: d.seed)
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(path: "data.connected_digits.\(key)", message: message) }
        if !(1...20).contains(maxDigits) { throw fail("max_digits", "expected 1 to 20, got \(maxDigits)") }
        if !(1...maxDigits).contains(minDigits) { throw fail("min_digits", "expected 1 to max_digits (\(maxDigits)), got \(minDigits)") }
        if !(0...1_000_000).contains(trainPerEpoch) { throw fail("train_per_epoch", "expected 0 to 1000000, got \(trainPerEpoch)") }
        if !(0...1_000_000).contains(testCount) { throw fail("test_count", "expected 0 to 1000000, got \(testCount)") }
        if gapMs.count != 2 || !(0...10_000).contains(gapMs[0]) || !(gapMs[0]...10_000).contains(gapMs[1]) {
            throw fail("gap_ms", "expected [low, high] milliseconds with 0 <= low <= high <= 10000, got \(gapMs)")
        }
    }
}
