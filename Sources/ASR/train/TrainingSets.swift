import Foundation

/// A named set of items to score.
public struct EvaluationSet: Sendable {
    public var name: String
    public var items: [TrainingItem]

    public init(name: String, items: [TrainingItem]) {
        self.name = name
        self.items = items
    }

    /// A test set from a manifest or data folder (any data set `asr train` reads), named by its
    /// path, with the utterances that could not be used (unreadable lines, transcripts outside
    /// the vocabulary) and why. What `asr evaluate` scores.
    public static func load(_ config: DataSetConfig, tokenizer: Vocabulary) throws -> (set: EvaluationSet, problems: [DataProblem]) {
        let (utterances, problems) = try loadDataSet(ResolvedDataSet(config, relativeTo: ""), key: "--manifest", tokenizer: tokenizer)
        let items = utterances.compactMap { try? TrainingSets.item($0, tokenizer: tokenizer) }
        return (EvaluationSet(name: config.path, items: items), problems)
    }
}

/// The recipe's data, loaded and checked: training items (plus fresh connected digits each
/// epoch), validation and test sets. Problems in single utterances are reported and skipped;
/// more than `training.max_bad_share` of a set is an error.
final class TrainingSets {
    private(set) var train: [TrainingItem]
    let validation: EvaluationSet?
    let tests: [EvaluationSet]
    private let trainUtterances: [Utterance]
    private let connected: ConnectedDigitsConfig?
    private let tokenizer: Vocabulary
    private let features: FeatureConfig
    private var frameCounts: [String: Int] = [:]
    /// Utterances skipped per set and reason, for the report.
    private(set) var skipped: [String: Int] = [:]
    /// The speakers of each set (`data.train`, `data.test`, ...), sorted; sets whose
    /// utterances name none are left out. Written to the run folder as speakers.json.
    private(set) var speakers: [String: [String]] = [:]

    /// The data sets `recipe` names (its paths already resolved).
    init(recipe: ResolvedRecipe, tokenizer: Vocabulary, log: (String) -> Void) throws {
        self.tokenizer = tokenizer
        self.features = recipe.features
        connected = recipe.recipe.data.connectedDigits
        let maxBad = recipe.recipe.training.maxBadShare
        var skipped: [String: Int] = [:]
        var speakers: [String: [String]] = [:]

        func load(_ set: ResolvedDataSet, key: String) throws -> [Utterance] {
            let (utterances, reported) = try loadDataSet(set, key: key, tokenizer: tokenizer)
            for note in reported where note.isNote { log("note: \(note)") }
            let problems = reported.filter { !$0.isNote }
            for p in problems.prefix(10) { log("warning: \(p)") }
            if problems.count > 10 { log("warning: ... and \(problems.count - 10) more problems in \(key)") }
            skipped[key] = problems.count
            let named = Set(utterances.compactMap(\.speaker))
            if !named.isEmpty { speakers[key] = named.sorted() }
            let total = utterances.count + problems.count
            if total > 0 && Double(problems.count) / Double(total) > maxBad {
                throw ConfigError(path: key, message: "\(problems.count) of \(total) utterances are unusable, more than "
                                  + "training.max_bad_share (\(pct(maxBad))); fix the data or raise the share")
            }
            return utterances
        }

        var training = try load(recipe.train, key: "data.train")
        if let synthetic = recipe.recipe.data.synthetic, let folder = recipe.syntheticFolder {
            let manifest = try SpeechSynthesis.ensure(synthetic, in: folder, sampleRate: recipe.features.sampleRate, log: log)
            training += try load(ResolvedDataSet(DataSetConfig(path: manifest), relativeTo: ""), key: "data.synthetic")
        }
        trainUtterances = training
        train = trainUtterances.compactMap { try? TrainingSets.item($0, tokenizer: tokenizer) }
        let validationUtterances = try recipe.validation.map { try load($0, key: "data.validation") }
        validation = validationUtterances.map { EvaluationSet(name: "validation", items: $0.compactMap { try? TrainingSets.item($0, tokenizer: tokenizer) }) }
        var tests: [EvaluationSet] = []
        if let testSet = recipe.test {
            let utterances = try load(testSet, key: "data.test")
            tests.append(EvaluationSet(name: "test", items: utterances.compactMap { try? TrainingSets.item($0, tokenizer: tokenizer) }))
            if let c = connected, c.testCount > 0 {
                let made = makeConnectedDigits(from: utterances, count: c.testCount, minDigits: c.minDigits, maxDigits: c.maxDigits,
                                               gapMs: c.gapMs[0]...c.gapMs[1], seed: c.seed)
                tests.append(EvaluationSet(name: "connected test", items: made.compactMap { try? TrainingSets.item($0, tokenizer: tokenizer) }))
            }
        }
        self.tests = tests
        self.skipped = skipped
        self.speakers = speakers
        if train.isEmpty { throw ConfigError(path: "data.train", message: "no usable training utterances") }
    }

    static func item(_ u: Utterance, tokenizer: Vocabulary) throws -> TrainingItem {
        TrainingItem(id: u.id, parts: [u.audioPath], gapsMs: [], text: tokenizer.normalize(u.text), labels: try tokenizer.encode(u.text))
    }

    static func item(_ u: ConnectedUtterance, tokenizer: Vocabulary) throws -> TrainingItem {
        TrainingItem(id: u.id, parts: u.parts, gapsMs: u.gapsMs, text: tokenizer.normalize(u.text), labels: try tokenizer.encode(u.text))
    }

    /// Drops training items with fewer model frames than their transcript needs under CTC (one
    /// per label, plus one between repeated labels), with a warning each. `outputFrames`: the
    /// model's output frames for a number of feature frames.
    func dropUnfitItems(outputFrames: (Int) -> Int, log: (String) -> Void) throws {
        var kept: [TrainingItem] = []
        var dropped = 0
        for item in train {
            let frames = outputFrames(try frames(of: item))
            if frames >= ctcMinimumFrames(item.labels) {
                kept.append(item)
            } else {
                dropped += 1
                if dropped <= 10 {
                    log("warning: \(item.parts.joined(separator: "+")): \(frames) frames cannot hold the transcript '\(item.text)' "
                        + "(\(ctcMinimumFrames(item.labels)) needed); skipped")
                }
            }
        }
        if dropped > 0 { skipped["data.train (too short)"] = dropped }
        train = kept
        if train.isEmpty { throw ConfigError(path: "data.train", message: "no training utterance is long enough for its transcript") }
    }

    /// This epoch's items: the training set plus new connected digit strings drawn from `rng`.
    func epochItems(rng: inout SeededRandom) -> [TrainingItem] {
        guard let c = connected, c.trainPerEpoch > 0 else { return train }
        let made = makeConnectedDigits(from: trainUtterances, count: c.trainPerEpoch, minDigits: c.minDigits, maxDigits: c.maxDigits,
                                       gapMs: c.gapMs[0]...c.gapMs[1], seed: rng.next())
        return train + made.compactMap { try? TrainingSets.item($0, tokenizer: tokenizer) }
    }

    /// Feature frames of an item (from the audio files' headers, cached).
    func frames(of item: TrainingItem) throws -> Int {
        var samples = 0
        for (k, part) in item.parts.enumerated() {
            if let cached = frameCounts[part] {
                samples += cached
            } else {
                let reader = try AudioReader(path: part)
                let n = Int((Double(reader.fileFrameCount) * Double(features.sampleRate) / Double(reader.fileSampleRate)).rounded())
                frameCounts[part] = n
                samples += n
            }
            if k > 0 { samples += item.gapsMs[k - 1] * features.sampleRate / 1000 }
        }
        return features.frameCount(samples: samples)
    }
}
