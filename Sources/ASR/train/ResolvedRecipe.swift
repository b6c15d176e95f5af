import Foundation

/// A recipe with everything it refers to found, built once from the recipe file and the `--set`
/// overrides: `ResolvedRecipe(file:overrides:)`. The trainer reads its paths from here and
/// resolves nothing itself.
///
/// The rules (`resolvePath`): the data sets, `data.synthetic.folder`,
/// `training.augment.noise.folder`, `decoding.lexicon_file` and `decoding.lm` start from the
/// recipe file's folder; `output` and `features.cmvn_stats` start from the working directory.
/// `${NAME}` in a data set's path is taken from the environment first (`${FSDD_DIR}`, when
/// unset, is looked for beside the checkout). Every path here is absolute.
///
/// With `features.cmvn` global, the statistics are part of the resolved recipe too: read from
/// `features.cmvn_stats` or gathered over the training set by `withGlobalCMVN(over:log:)`, once
/// the trainer has loaded that set.
public struct ResolvedRecipe: Sendable {
    /// The recipe as written, after the overrides: what the run's recipe.json holds. Its
    /// `features.cmvn_statistics` is filled in for global CMVN.
    public private(set) var recipe: Recipe
    /// The recipe file, absolute.
    public let file: String
    /// The recipe file's folder, absolute: where the recipe's relative paths start.
    public let folder: String
    /// The run folder (`output`, default runs/<name>), absolute.
    public let outputFolder: String
    /// `data.train`, `data.validation` and `data.test`, with `${NAME}` expanded and resolved.
    public let train: ResolvedDataSet
    public let validation: ResolvedDataSet?
    public let test: ResolvedDataSet?
    /// `data.synthetic.folder`, absolute; nil without `data.synthetic`.
    public let syntheticFolder: String?
    /// `training.augment.noise.folder`, absolute and checked (it holds audio files); nil without one.
    public let noiseFolder: String?
    /// The `decoding` section with `lexicon_file` and `lm` absolute: what the evaluator loads
    /// and what checkpoints carry.
    public let decoding: DecodingConfig
    /// `features.cmvn_stats`, absolute; nil without one.
    public let cmvnStatsFile: String?

    /// The features, with the CMVN statistics once known.
    public var features: FeatureConfig { recipe.features }

    /// Reads the recipe file, applies `overrides` (`Recipe.load`'s `key.path=value`), validates
    /// it and resolves it. Errors name the file and the key path.
    public init(file: String, overrides: [String] = []) throws {
        let recipe = try Recipe.parse(file, overrides: overrides)
        do {
            try self.init(recipe, file: file)
        } catch let error as ConfigError {
            throw ConfigError(path: file, message: error.description)
        } catch {
            throw ConfigError(path: file, message: "\(error)")
        }
    }

    /// Resolves `recipe` (validated, as `Recipe.load` returns it), read from `file`. Errors name
    /// the key path.
    public init(_ recipe: Recipe, file: String) throws {
        let workingDirectory = FileManager.default.currentDirectoryPath
        self.recipe = recipe
        self.file = resolvePath(file, against: workingDirectory)
        let folder = (self.file as NSString).deletingLastPathComponent
        self.folder = folder
        outputFolder = resolvePath(recipe.outputFolder, against: workingDirectory)

        func dataSet(_ config: DataSetConfig, key: String) throws -> ResolvedDataSet {
            var config = config
            config.path = try expandPathVariables(config.path, recipeFolder: folder, key: key + ".path")
            return ResolvedDataSet(config, relativeTo: folder)
        }
        train = try dataSet(recipe.data.train, key: "data.train")
        validation = try recipe.data.validation.map { try dataSet($0, key: "data.validation") }
        test = try recipe.data.test.map { try dataSet($0, key: "data.test") }
        syntheticFolder = recipe.data.synthetic.map { resolvePath($0.folder, against: folder) }
        noiseFolder = try recipe.training.augment.noise.folder.map { written in
            let path = resolvePath(written, against: folder)
            try AugmentConfig.checkNoiseFolder(path)
            return path
        }
        var decoding = recipe.decoding
        decoding.lexiconFile = decoding.lexiconFile.map { resolvePath($0, against: folder) }
        decoding.lm = decoding.lm.map { resolvePath($0, against: folder) }
        self.decoding = decoding

        cmvnStatsFile = recipe.features.cmvnStats.map { resolvePath($0, against: workingDirectory) }
    }

    /// This recipe with `features.cmvn_statistics` filled in when `features.cmvn` is global and
    /// the recipe does not hold them: read from `cmvnStatsFile`, or, without one, gathered over
    /// `train` (the training utterances as they are, without augmentation). Otherwise the recipe
    /// as it is. The last step of resolving, once the trainer has loaded the training set; the
    /// trainer writes the features into every checkpoint, so the model carries its statistics.
    func withGlobalCMVN(over train: [TrainingItem], log: (String) -> Void) throws -> ResolvedRecipe {
        guard features.cmvn == .global, features.cmvnStatistics == nil else { return self }
        var resolved = self
        if let cmvnStatsFile {
            var features = self.features
            features.cmvnStats = cmvnStatsFile
            resolved.recipe.features.cmvnStatistics = try CMVNStats.load(for: features)
            return resolved
        }
        var plain = features
        plain.cmvn = .none
        let source = try FeatureSource(config: plain, cacheFeatures: false)
        var stats = CMVNStats(dimension: features.dimension)
        for item in train { stats.accumulate(try source.features(of: item)) }
        log("global CMVN: statistics of \(Int(stats.count)) frames from the \(train.count) training utterances")
        resolved.recipe.features.cmvnStatistics = stats
        return resolved
    }
}

/// The corpora a recipe may name by variable, and their folder names in ../shared/data beside
/// the checkout or in data/.
let knownCorpora = ["SPEECH_COMMANDS_DIR": "speech-commands", "AN4_DIR": "an4"]

/// Expands `${NAME}` in a data path from the environment. `${FSDD_DIR}`, when unset, is the
/// Free Spoken Digit Dataset found as scripts/fsdd.sh finds it (../shared/data/fsdd beside the
/// checkout, data/fsdd), or cloned by that script when absent; `${SPEECH_COMMANDS_DIR}` and
/// `${AN4_DIR}` are looked for in the same two places.
func expandPathVariables(_ path: String, recipeFolder: String, key: String) throws -> String {
    var result = path
    while let start = result.range(of: "${"), let end = result[start.upperBound...].firstIndex(of: "}") {
        let name = String(result[start.upperBound..<end])
        var value = ProcessInfo.processInfo.environment[name]
        if value == nil && name == "FSDD_DIR" { value = try locateFSDD(recipeFolder: recipeFolder) }
        if value == nil, let folder = knownCorpora[name] {
            let root = URL(fileURLWithPath: recipeFolder.isEmpty ? "." : recipeFolder).deletingLastPathComponent().standardized.path
            value = ["\(root)/../shared/data/\(folder)", "\(root)/data/\(folder)"]
                .first { FileManager.default.fileExists(atPath: $0) }
                .map { URL(fileURLWithPath: $0).standardized.path }
        }
        guard let value else {
            throw ConfigError(path: key, message: "the environment variable \(name) is not set (used in '\(path)')")
        }
        result.replaceSubrange(start.lowerBound...end, with: value)
    }
    return result
}

private func locateFSDD(recipeFolder: String) throws -> String {
    let root = URL(fileURLWithPath: recipeFolder.isEmpty ? "." : recipeFolder).deletingLastPathComponent().standardized.path
    for candidate in ["\(root)/../shared/data/fsdd", "\(root)/data/fsdd"] where FileManager.default.fileExists(atPath: candidate + "/recordings") {
        return URL(fileURLWithPath: candidate).standardized.path
    }
    let script = "\(root)/scripts/fsdd.sh"
    guard FileManager.default.fileExists(atPath: script) else {
        throw ConfigError(path: "FSDD_DIR", message: "the Free Spoken Digit Dataset was not found; set FSDD_DIR to its folder")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [script]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    process.waitUntilExit()
    let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard process.terminationStatus == 0, !out.isEmpty else {
        throw ConfigError(path: "FSDD_DIR", message: "the Free Spoken Digit Dataset was not found and could not be cloned; set FSDD_DIR to its folder")
    }
    return out
}
