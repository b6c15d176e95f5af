import Foundation

/// One recording and its transcript.
public struct Utterance: Codable, Equatable, Sendable {
    /// A name for the utterance: the Kaldi utterance id, the FSDD file stem (`7_george_12`), or
    /// the audio path as written in a TSV or JSON lines manifest.
    public var id: String
    /// Path of the audio file, resolved (relative paths in a manifest are taken from the
    /// manifest's folder).
    public var audioPath: String
    /// The transcript, normalised (`Vocabulary.normalize`).
    public var text: String
    /// Seconds, from the audio file's header.
    public var duration: Double?
    /// The speaker, when the data set says (FSDD file names, Kaldi `utt2spk`).
    public var speaker: String?

    public init(id: String, audioPath: String, text: String, duration: Double? = nil, speaker: String? = nil) {
        self.id = id
        self.audioPath = audioPath
        self.text = text
        self.duration = duration
        self.speaker = speaker
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, audioPath = "audio_path", text, duration, speaker
    }
}

/// Something wrong with one utterance of a data set (which is then skipped), or with a
/// connected utterance that cannot be rendered: `train.tsv:12: audio file 'x.wav' not found`.
/// A note (`isNote`) is not a problem but what a reader should know of how a file was read
/// (comment lines skipped, a header line): it skips no utterance and counts toward no limit.
public struct DataProblem: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file the problem is in (a manifest, `wav.scp`, `text`, or an audio file).
    public let source: String
    /// 1-based line in `source`, when the problem is on one line.
    public let line: Int?
    public let message: String
    public let isNote: Bool

    public init(source: String, line: Int?, message: String, isNote: Bool = false) {
        self.source = source
        self.line = line
        self.message = message
        self.isNote = isNote
    }

    /// "warning" or "note", for the line a program prints.
    public var severity: String { isNote ? "note" : "warning" }

    public var description: String { "\(source)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// One data set of a recipe (`data.train`, `data.test`, ...).
///
/// ```json
/// {"path": "../shared/data/fsdd/recordings", "format": "fsdd", "takes": "5-49"}
/// {"path": "train.tsv", "max_duration": 20}
/// ```
public struct DataSetConfig: Codable, Equatable, Sendable {
    public enum Format: String, Codable, Sendable, CaseIterable {
        /// `audio-path<TAB>transcript[<TAB>speaker]` per line; an optional header
        /// `path<TAB>text`; blank lines and lines starting with `#` are skipped (with a note).
        case tsv
        /// JSON lines with NeMo's keys: `{"audio_filepath": ..., "text": ..., "duration": ...}`.
        case jsonl
        /// A Kaldi data folder: `wav.scp` (`utt-id path`) and `text` (`utt-id transcript`), and
        /// optionally `utt2spk`.
        case kaldi
        /// A folder of Free Spoken Digit Dataset recordings, `{digit}_{speaker}_{take}.wav`; the
        /// transcript is the digit's English word.
        case fsdd
    }

    /// A manifest file or a data folder, relative to the recipe's folder. Required.
    public var path: String
    /// The format; nil (default) guesses it: a folder with `wav.scp` and `text` is `kaldi`, a
    /// folder of `{digit}_{speaker}_{take}.wav` files is `fsdd`, a `.tsv` or `.txt` file is
    /// `tsv`, a `.jsonl` or `.json` file is `jsonl`.
    public var format: Format? = nil
    /// `fsdd` only: the inclusive range of take indices to keep, `"5-49"` or `"3"`. Default all.
    /// FSDD's usual split is takes 0-4 for testing and 5-49 for training.
    public var takes: String? = nil
    /// Keep only these speakers. Default all. (Every entry must name its speaker: FSDD file
    /// names, a third TSV field, a JSON line's "speaker", or Kaldi's utt2spk.)
    public var speakers: [String]? = nil
    /// Leave out these speakers. Default none.
    public var excludeSpeakers: [String]? = nil
    /// A seeded split of the set's speakers into train, validation and test parts
    /// (`SpeakerSplitConfig`), for a corpus with no official split. Default none.
    public var speakerSplit: SpeakerSplitConfig? = nil
    /// Keep only the utterances whose every word is one of these (the digit strings of a
    /// corpus that also holds other speech). Default all.
    public var words: [String]? = nil
    /// Skip utterances longer than this many seconds (they are counted in one problem).
    /// Default none.
    public var maxDuration: Double? = nil

    public init(path: String, format: Format? = nil, takes: String? = nil, speakers: [String]? = nil,
                excludeSpeakers: [String]? = nil, maxDuration: Double? = nil) {
        self.path = path
        self.format = format
        self.takes = takes
        self.speakers = speakers
        self.excludeSpeakers = excludeSpeakers
        self.maxDuration = maxDuration
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, format, takes, speakers, excludeSpeakers = "exclude_speakers", speakerSplit = "speaker_split", words
        case maxDuration = "max_duration"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        format = try c.decodeIfPresent(Format.self, forKey: .format)
        takes = try c.decodeIfPresent(String.self, forKey: .takes)
        speakers = try c.decodeIfPresent([String].self, forKey: .speakers)
        excludeSpeakers = try c.decodeIfPresent([String].self, forKey: .excludeSpeakers)
        speakerSplit = try c.decodeIfPresent(SpeakerSplitConfig.self, forKey: .speakerSplit)
        words = try c.decodeIfPresent([String].self, forKey: .words)
        maxDuration = try c.decodeIfPresent(Double.self, forKey: .maxDuration)
    }

    /// The `takes` range, if any; errors name `<key>.takes`.
    public func takeRange(key: String) throws -> ClosedRange<Int>? {
        guard let takes else { return nil }
        let fail = ConfigError(path: "\(key).takes", message: "expected an inclusive range of take indices like \"5-49\" or one index like \"3\", got \"\(takes)\"")
        let parts = takes.split(separator: "-", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard (1...2).contains(parts.count), let low = Int(parts[0]), let high = Int(parts[parts.count - 1]),
              low >= 0, low <= high else { throw fail }
        return low...high
    }
}

/// A data set with its path resolved: where it is, and how it was written (for messages).
public struct ResolvedDataSet: Equatable, Sendable {
    /// The data set as written: `path` as the recipe (with `${NAME}` expanded) or the command
    /// line gives it.
    public var config: DataSetConfig
    /// `config.path` resolved against `base` (`resolvePath`).
    public var location: String
    /// The folder a relative `config.path` starts from; "" is the working directory.
    public var base: String

    public init(_ config: DataSetConfig, relativeTo base: String) {
        self.config = config
        self.base = base
        location = resolvePath(config.path, against: base)
    }
}

/// Loads one data set of a recipe. `key` is its place in the recipe (`data.train`), used in
/// error messages; `base` is the folder relative paths in the recipe start from.
public func loadDataSet(_ config: DataSetConfig, key: String, relativeTo base: String,
                        tokenizer: Vocabulary) throws -> (utterances: [Utterance], problems: [DataProblem]) {
    try loadDataSet(ResolvedDataSet(config, relativeTo: base), key: key, tokenizer: tokenizer)
}

/// Loads one data set whose path is resolved. `key` is its place in the recipe (`data.train`),
/// used in error messages.
///
/// Each utterance is checked: its transcript must be non-empty and fit `tokenizer` after
/// normalisation, and its audio file must exist and be readable (its header gives the
/// duration). An utterance that fails is skipped and reported as a `DataProblem` naming the
/// file and line. Fatal errors throw a `ConfigError` at `<key>.path` (no such file, unreadable
/// manifest, a folder of no known format, no usable utterance at all), or at the option at
/// fault (`<key>.takes`, `<key>.speakers`, `<key>.max_duration`, ...).
public func loadDataSet(_ set: ResolvedDataSet, key: String,
                        tokenizer: Vocabulary) throws -> (utterances: [Utterance], problems: [DataProblem]) {
    let config = set.config, base = set.base, location = set.location
    let pathKey = key + ".path"
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: location, isDirectory: &isFolder) else {
        let relative = config.path.hasPrefix("/") || base.isEmpty || base == "." ? "" : " (relative to '\(base)')"
        throw ConfigError(path: pathKey, message: "no such file or folder '\(config.path)'\(relative)")
    }
    if let maxDuration = config.maxDuration, !(maxDuration > 0) {
        throw ConfigError(path: key + ".max_duration", message: "expected a positive number of seconds, got \(maxDuration)")
    }
    let format = try config.format ?? ManifestReader.guessFormat(location, isFolder: isFolder.boolValue, written: config.path,
                                                                 key: pathKey, use: .utterances)
    if format != .fsdd && config.takes != nil {
        throw ConfigError(path: "\(key).takes", message: "only used with format \"fsdd\" (this data set is \(format.rawValue))")
    }
    let expectsFolder = format == .kaldi || format == .fsdd
    if expectsFolder != isFolder.boolValue {
        throw ConfigError(path: pathKey, message: expectsFolder
            ? "format \(format.rawValue) expects a folder, but '\(config.path)' is a file"
            : "format \(format.rawValue) expects a manifest file, but '\(config.path)' is a folder")
    }
    var listing = try ManifestReader.read(location, format: format, config: config, key: key, use: .utterances)
    try selectEntries(&listing, config: config, key: key, tokenizer: tokenizer)

    // Check each entry: transcript, then audio; then the duration limit, then repeats.
    var utterances: [Utterance] = []
    var problems = listing.problems
    var tooLong: [(id: String, duration: Double)] = []
    var firstLine: [String: Int?] = [:]   // audio file -> the line it was taken from
    for entry in listing.entries {
        func problem(_ message: String) { problems.append(DataProblem(source: entry.source, line: entry.line, message: message)) }
        let text = tokenizer.normalize(entry.text)
        if text.isEmpty { problem("empty transcript"); continue }
        do {
            _ = try tokenizer.encode(text)
        } catch {
            problem("\(error.description) in \(quoteForMessage(String(text.prefix(80))))")
            continue
        }
        let duration: Double
        switch probeAudio(entry.resolvedPath, written: entry.writtenPath) {
        case .seconds(let seconds): duration = seconds
        case .problem(let message):
            problems.append(DataProblem(source: entry.audioSource, line: entry.audioLine, message: message))
            continue
        }
        if let maxDuration = config.maxDuration, duration > maxDuration {
            tooLong.append((entry.id, duration))
            continue
        }
        // One recording listed twice (two manifests pasted together, say) would be trained on
        // twice as often, or scored twice; the repeat is skipped, with both lines named.
        if let first = firstLine[entry.resolvedPath] {
            problem("'\(entry.writtenPath)' is listed twice (first at line \(first.map(String.init) ?? "?")); the repeat is skipped")
            continue
        }
        firstLine[entry.resolvedPath] = entry.line
        utterances.append(Utterance(id: entry.id, audioPath: entry.resolvedPath, text: text,
                                    duration: duration, speaker: entry.speaker))
    }
    if let longest = tooLong.max(by: { $0.duration < $1.duration }), let maxDuration = config.maxDuration {
        problems.append(DataProblem(source: location, line: nil, message:
            "skipped \(tooLong.count) utterance\(tooLong.count == 1 ? "" : "s") longer than max_duration (\(maxDuration) s); "
            + "the longest is '\(longest.id)' (\(String(format: "%.2f", longest.duration)) s)"))
    }
    guard !utterances.isEmpty else {
        let real = problems.filter { !$0.isNote }
        let detail = real.isEmpty ? "it lists none"
            : "\(real.count) problem\(real.count == 1 ? "" : "s"), the first: \(real[0])"
        throw ConfigError(path: pathKey, message: "no usable utterances in '\(config.path)' (\(detail))")
    }
    return (utterances, problems)
}

/// The fewest frames a CTC alignment of `labels` needs: one per label, plus one blank between
/// each pair of equal neighbours ("l l" cannot be emitted without a blank between).
public func ctcMinimumFrames(_ labels: [Int]) -> Int {
    var frames = labels.count
    for i in labels.indices.dropFirst() where labels[i] == labels[i - 1] { frames += 1 }
    return frames
}

/// Opens the audio file's header: its duration, or a message naming the file as written.
private func probeAudio(_ path: String, written: String) -> Probe {
    let shown = written == path ? "'\(written)'" : "'\(written)' (\(path))"
    do {
        let reader = try AudioReader(path: path, sampleRate: nil, chunkFrames: 1)
        return .seconds(reader.duration)
    } catch let error as AudioError {
        switch error {
        case .fileNotFound: return .problem("audio file \(shown) not found")
        case .isDirectory: return .problem("audio path \(shown) is a folder, not a file")
        case .emptyFile: return .problem("audio file \(shown) is empty (0 bytes)")
        case .unreadable(_, let reason): return .problem("audio file \(shown) is not readable audio (libsndfile: \(reason))")
        case .noSamples: return .problem("audio file \(shown) holds no samples")
        default: return .problem("audio file \(shown): \(error)")
        }
    } catch {
        return .problem("audio file \(shown): \(error)")
    }
}

private enum Probe {
    case seconds(Double)
    case problem(String)
}
