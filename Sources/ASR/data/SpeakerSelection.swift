import Foundation

// Which speakers and words of a data set are used: `speakers` / `exclude_speakers` (named
// speakers), `speaker_split` (a seeded split of the set's speakers into train, validation and
// test parts, for corpora without an official split) and `words` (only utterances made of
// these words). They apply to every format whose entries name speakers: FSDD file names, the
// third TSV field, a JSON line's "speaker", Kaldi's utt2spk.

/// A fixed, seeded split of a data set's speakers: shuffled by `seed`, the first `test` share
/// goes to the test part, the next `validation` share to the validation part, the rest to
/// training. The same speakers and seed always give the same split, so three data sets of a
/// recipe that name the same corpus and seed with `use` train, validation and test are
/// disjoint in speakers.
///
/// ```json
/// "train": {"path": "sc/manifest.tsv", "speaker_split": {"seed": 1, "validation": 0.1, "test": 0.25, "use": "train"}}
/// ```
public struct SpeakerSplitConfig: Codable, Equatable, Sendable {
    public enum Part: String, Codable, Sendable, CaseIterable { case train, validation, test }
    /// Which part this data set is. Required.
    public var use: Part
    /// Share of the speakers in the test part, 0 to 0.9. Default 0.25.
    public var test: Double = 0.25
    /// Share of the speakers in the validation part, 0 to 0.9. Default 0.1.
    public var validation: Double = 0.1
    /// The shuffle's seed. Default 0.
    public var seed: UInt64 = 0

    public init(use: Part, test: Double = 0.25, validation: Double = 0.1, seed: UInt64 = 0) {
        self.use = use
        self.test = test
        self.validation = validation
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case use, test, validation, seed }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        use = try c.decode(Part.self, forKey: .use)
        test = try c.value(.test, or: 0.25)
        validation = try c.value(.validation, or: 0.1)
        seed = try c.value(.seed, or: 0)
    }

    func validate(key: String) throws {
        for (name, share) in [("test", test), ("validation", validation)] where !(0...0.9).contains(share) {
            throw ConfigError(path: "\(key).speaker_split.\(name)", message: "expected a share of the speakers from 0 to 0.9, got \(share)")
        }
        if test + validation > 0.9 {
            throw ConfigError(path: "\(key).speaker_split", message: "test + validation is \(test + validation); leave at least 10% of the speakers to train on")
        }
    }

    /// The speakers of `part`, out of `speakers` (any order, repeats allowed).
    public func speakers(of part: Part, among speakers: [String]) -> [String] {
        var order = Array(Set(speakers)).sorted()
        var rng = SeededRandom(seed: seed)
        order.shuffle(using: &rng)
        let nTest = Int((Double(order.count) * test).rounded()), nValidation = Int((Double(order.count) * validation).rounded())
        switch part {
        case .test: return Array(order[..<nTest]).sorted()
        case .validation: return Array(order[nTest..<min(order.count, nTest + nValidation)]).sorted()
        case .train: return Array(order[min(order.count, nTest + nValidation)...]).sorted()
        }
    }
}

/// Keeps the entries of `listing` whose speakers and words the data set's options select.
/// Errors name the option (`<key>.speakers`, ...).
func selectEntries(_ listing: inout ManifestListing, config: DataSetConfig, key: String, tokenizer: Vocabulary) throws {
    let filtersSpeakers = config.speakers != nil || config.excludeSpeakers != nil || config.speakerSplit != nil
    if filtersSpeakers {
        let known = Set(listing.entries.compactMap(\.speaker))
        if let unnamed = listing.entries.first(where: { $0.speaker == nil }) {
            let option = config.speakerSplit != nil ? "speaker_split" : config.speakers != nil ? "speakers" : "exclude_speakers"
            throw ConfigError(path: "\(key).\(option)", message: "'\(unnamed.writtenPath)' (\(unnamed.source)"
                + "\(unnamed.line.map { ":\($0)" } ?? "")) has no speaker; selecting by speaker needs one for every utterance "
                + "(a third TSV field, \"speaker\" in JSON, or utt2spk)")
        }
        for (option, list) in [("speakers", config.speakers), ("exclude_speakers", config.excludeSpeakers)] {
            if let missing = list?.first(where: { !known.contains($0) }) {
                let some = known.sorted().prefix(20).joined(separator: ", ") + (known.count > 20 ? ", ..." : "")
                throw ConfigError(path: "\(key).\(option)", message: "no utterances of speaker '\(missing)' in '\(config.path)' (speakers: \(some))")
            }
        }
        var keep = config.speakers.map(Set.init) ?? known
        keep.subtract(config.excludeSpeakers ?? [])
        if let split = config.speakerSplit {
            try split.validate(key: key)
            keep.formIntersection(split.speakers(of: split.use, among: Array(known)))
        }
        listing.entries.removeAll { !keep.contains($0.speaker!) }
    }
    if let words = config.words {
        guard !words.isEmpty else { throw ConfigError(path: "\(key).words", message: "the word list is empty") }
        let allowed = Set(words.map { tokenizer.normalize($0) })
        listing.entries.removeAll { entry in
            !tokenizer.normalize(entry.text).split(separator: " ").allSatisfy { allowed.contains(String($0)) }
        }
    }
}
