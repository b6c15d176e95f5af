import Foundation

// The one reader of data sets: manifest files and data folders. Training and `asr evaluate`
// read utterances through `loadDataSet` (which then checks transcripts and audio), `asr
// transcribe --manifest` reads audio paths through `ManifestReader.audioPaths(of:)`; both
// accept the same formats:
//
// - A manifest file, one entry per line: `audio-path<TAB>transcript`, optionally followed by
//   `<TAB>speaker` (TSV, with an optional
//   header line whose first field is path, audio, file or audio_filepath), or a JSON object with
//   NeMo's keys (the audio path under `audio_filepath`, or `audio`, `path` or `file`; `text`;
//   optionally `speaker`), or, when only audio paths are read, a bare path. Blank lines and lines
//   starting with # are skipped. A file of format `jsonl` holds JSON objects only; in any other
//   file a line that starts with `{` is one.
// - A Kaldi data folder: `wav.scp`, `text` (not needed for audio paths) and optionally `utt2spk`.
// - A folder of FSDD recordings, `{digit}_{speaker}_{take}.wav`.
//
// Relative audio paths start from the manifest's folder (for Kaldi: the data folder).

/// One utterance as a data set lists it, before its transcript and audio are checked.
struct ManifestEntry {
    var id: String
    /// The audio path as the manifest writes it, for messages.
    var writtenPath: String
    var resolvedPath: String
    /// The transcript as written ("" when only audio paths are read and the line has none).
    var text: String
    var speaker: String?
    /// Where transcript problems are reported.
    var source: String
    var line: Int?
    /// Where audio problems are reported (differs for Kaldi: `wav.scp`).
    var audioSource: String
    var audioLine: Int?

    init(id: String, writtenPath: String, resolvedPath: String, text: String, speaker: String? = nil,
         source: String, line: Int?, audioSource: String? = nil, audioLine: Int? = nil) {
        self.id = id
        self.writtenPath = writtenPath
        self.resolvedPath = resolvedPath
        self.text = text
        self.speaker = speaker
        self.source = source
        self.line = line
        self.audioSource = audioSource ?? source
        self.audioLine = audioSource == nil ? line : audioLine
    }
}

struct ManifestListing {
    var entries: [ManifestEntry] = []
    var problems: [DataProblem] = []
}

/// The lines of a text file, numbered from 1, without their line ends; nil for a line that is
/// not UTF-8. A file that cannot be read is a `ConfigError` at `key`.
func readLines(_ path: String, key: String) throws -> [(number: Int, text: String?)] {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
        throw ConfigError(path: key, message: "cannot read '\(path)': \(reason)")
    }
    var bytes = [UInt8](data)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // UTF-8 byte order mark
    return bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated().map { i, slice in
        var line = slice
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        return (i + 1, String(validating: line, as: UTF8.self))
    }
}

/// The folder relative audio paths of a manifest start from.
func folder(of path: String) -> String {
    let parent = (path as NSString).deletingLastPathComponent
    return parent.isEmpty ? "." : parent
}

/// What a reader takes from a data set.
enum ManifestUse {
    /// Utterances: audio and transcript (training, `asr evaluate`). An entry whose transcript is
    /// missing or malformed is a problem.
    case utterances
    /// Audio paths only (`asr transcribe --manifest`): transcripts are not needed.
    case audioPaths
}

/// The one reader of data sets (see the top of this file for the formats).
public enum ManifestReader {
    /// The audio paths of a manifest, for `asr transcribe --manifest`: a manifest file, a Kaldi
    /// data folder or a folder of FSDD recordings. A line with no usable audio path, or a file
    /// listed twice, is an error that names the file and line. `note` hears of lines read as
    /// something else than a path (comments, a header).
    public static func audioPaths(of manifest: String, note: (DataProblem) -> Void = { _ in }) throws -> [String] {
        var isFolder: ObjCBool = false
        let listing: ManifestListing
        if FileManager.default.fileExists(atPath: manifest, isDirectory: &isFolder), isFolder.boolValue {
            let format = try guessFormat(manifest, isFolder: true, written: manifest, key: manifest, use: .audioPaths)
            listing = try read(manifest, format: format, config: DataSetConfig(path: manifest), key: manifest, use: .audioPaths)
        } else {
            listing = try readFile(manifest, jsonOnly: false, key: manifest, use: .audioPaths)
        }
        listing.problems.filter(\.isNote).forEach(note)
        if let problem = listing.problems.first(where: { !$0.isNote }) {
            throw ConfigError(path: problem.source + (problem.line.map { ":\($0)" } ?? ""), message: problem.message)
        }
        // A file listed twice would be transcribed twice, into two records of one name.
        var firstLine: [String: Int?] = [:]
        for entry in listing.entries {
            if let first = firstLine[entry.resolvedPath] {
                throw ConfigError(path: entry.source + (entry.line.map { ":\($0)" } ?? ""), message: "'\(entry.writtenPath)' "
                                  + "is listed twice (first at line \(first.map(String.init) ?? "?")); list each file once")
            }
            firstLine[entry.resolvedPath] = entry.line
        }
        return listing.entries.map(\.resolvedPath)
    }

    /// The entries of the data set at `location` (resolved) in `format`. `key` is its place in
    /// the recipe (`data.train`), for errors; `config` gives the FSDD filters.
    static func read(_ location: String, format: DataSetConfig.Format, config: DataSetConfig, key: String,
                     use: ManifestUse) throws -> ManifestListing {
        switch format {
        case .tsv, .jsonl: return try readFile(location, jsonOnly: format == .jsonl, key: key + ".path", use: use)
        case .kaldi: return try readKaldiFolder(location, key: key + ".path", use: use)
        case .fsdd: return try readFSDDFolder(location, config: config, key: key)
        }
    }

    /// The format of a data set that does not name one: a folder with `wav.scp` (and `text`,
    /// when transcripts are read) is `kaldi`, a folder of FSDD recordings `fsdd`, a `.tsv` or
    /// `.txt` file `tsv`, a `.jsonl` or `.json` file `jsonl`. `written`: the path as given.
    static func guessFormat(_ location: String, isFolder: Bool, written: String, key: String,
                            use: ManifestUse) throws -> DataSetConfig.Format {
        let fm = FileManager.default
        if isFolder {
            if fm.fileExists(atPath: location + "/wav.scp") && (use == .audioPaths || fm.fileExists(atPath: location + "/text")) {
                return .kaldi
            }
            let names = (try? fm.contentsOfDirectory(atPath: location)) ?? []
            if names.contains(where: { parseFSDDName($0) != nil }) { return .fsdd }
            var hint = ""
            if let sub = ["recordings"].first(where: { name in
                ((try? fm.contentsOfDirectory(atPath: location + "/" + name)) ?? []).contains { parseFSDDName($0) != nil }
            }) {
                hint = "; did you mean '\(written)/\(sub)'?"
            }
            throw ConfigError(path: key, message: "the folder '\(written)' is neither a Kaldi data folder (wav.scp and text) "
                + "nor a folder of FSDD recordings ({digit}_{speaker}_{take}.wav)\(hint)")
        }
        switch (location as NSString).pathExtension.lowercased() {
        case "tsv", "txt": return .tsv
        case "jsonl", "json": return .jsonl
        default:
            throw ConfigError(path: key, message: "cannot tell the format of '\(written)' from its extension "
                + "(.tsv/.txt for tsv, .jsonl/.json for JSON lines); set \"format\" to tsv, jsonl, kaldi or fsdd")
        }
    }
}

/// What one manifest line holds.
private enum ManifestLine {
    /// A header line.
    case header
    /// An audio path, its transcript (or why there is no usable one) and the speaker, if given.
    case entry(audio: String, transcript: Result<String, LineProblem>, speaker: String?)
    /// A line with no usable audio path.
    case problem(String)
}

private struct LineProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// The longest transcript of one utterance a manifest may give (100 kB: over an hour of speech).
public let maxTranscriptBytes = 100_000

/// A manifest file, one entry per line (TSV or JSON; only JSON when `jsonOnly`).
private func readFile(_ path: String, jsonOnly: Bool, key: String, use: ManifestUse) throws -> ManifestListing {
    var listing = ManifestListing()
    let base = folder(of: path)
    var sawContent = false
    var comments: [Int] = []
    for (number, text) in try readLines(path, key: key) {
        func problem(_ message: String) { listing.problems.append(DataProblem(source: path, line: number, message: message)) }
        guard let text else { problem("not UTF-8 text"); continue }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { continue }
        if trimmed.hasPrefix("#") { comments.append(number); continue }
        let first = !sawContent
        sawContent = true
        let line = jsonOnly || trimmed.hasPrefix("{") ? parseJSONLine(trimmed) : parseTSVLine(text, first: first)
        switch line {
        case .header:
            listing.problems.append(DataProblem(source: path, line: number, message: "read as a header line ('\(trimmed.prefix(40))'), "
                                                + "not an utterance", isNote: true))
            continue
        case .problem(let message): problem(message)
        case .entry(let audio, let transcript, let speaker):
            var written = ""
            switch transcript {
            case .success(let t): written = t
            case .failure(let p): if use == .utterances { problem(p.message); continue }
            }
            // Scoring aligns words in quadratic time: a transcript far beyond any utterance's
            // (a whole book on one line) is refused, not scored for hours.
            if written.utf8.count > maxTranscriptBytes {
                problem("a transcript of \(written.utf8.count) bytes; at most \(maxTranscriptBytes) per utterance")
                continue
            }
            listing.entries.append(ManifestEntry(id: audio, writtenPath: audio, resolvedPath: resolvePath(audio, against: base),
                                                 text: written, speaker: speaker, source: path, line: number))
        }
    }
    if let first = comments.first {
        let lines = comments.prefix(5).map(String.init).joined(separator: ", ") + (comments.count > 5 ? ", ..." : "")
        listing.problems.append(DataProblem(source: path, line: first, message: "skipped \(comments.count) comment "
                                            + "line\(comments.count == 1 ? "" : "s") (starting with #): \(lines)", isNote: true))
    }
    return listing
}

/// `audio-path<TAB>transcript`, `audio-path<TAB>transcript<TAB>speaker`, or a bare audio
/// path; `first`: the first line with content, which may be a header.
private func parseTSVLine(_ text: String, first: Bool) -> ManifestLine {
    let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
    let audio = fields[0].trimmingCharacters(in: .whitespaces)
    if first && ["path", "audio", "file", "audio_filepath"].contains(audio.lowercased()) { return .header }
    guard !audio.isEmpty else { return .problem("malformed line: the audio path is empty") }
    guard fields.count == 2 || fields.count == 3 else {
        return .entry(audio: audio, transcript: .failure(LineProblem("malformed line: expected 'audio-path<TAB>transcript"
            + "[<TAB>speaker]', found " + (fields.count == 1 ? "no tab" : "\(fields.count) tab-separated fields"))), speaker: nil)
    }
    var speaker: String?
    if fields.count == 3 {
        speaker = fields[2].trimmingCharacters(in: .whitespaces)
        guard !speaker!.isEmpty else { return .problem("malformed line: the speaker (third field) is empty") }
    }
    return .entry(audio: audio, transcript: .success(String(fields[1])), speaker: speaker)
}

/// A JSON object with NeMo's keys: `audio_filepath` (or `audio`, `path`, `file`), `text` and
/// optionally `speaker`; other keys are ignored (the duration is taken from the audio file).
private func parseJSONLine(_ text: String) -> ManifestLine {
    let object: Any
    do {
        object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    } catch {
        return .problem("not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)")")
    }
    guard let fields = object as? [String: Any] else { return .problem("expected a JSON object on each line") }
    let audioKeys = ["audio_filepath", "audio", "path", "file"]
    guard let audio = audioKeys.lazy.compactMap({ fields[$0] as? String }).first(where: { !$0.isEmpty }) else {
        guard let key = audioKeys.first(where: { fields[$0] != nil }) else { return .problem(#"missing key "audio_filepath""#) }
        return .problem("\"\(key)\" must be a non-empty string")
    }
    let transcript: Result<String, LineProblem>
    if fields["text"] == nil {
        transcript = .failure(LineProblem(#"missing key "text""#))
    } else if let text = fields["text"] as? String {
        if let offset = fields["offset"] as? Double, offset != 0 {
            transcript = .failure(LineProblem(#""offset" (a segment of a longer file) is not supported; cut the segment into its own file"#))
        } else {
            transcript = .success(text)
        }
    } else {
        transcript = .failure(LineProblem(#""text" must be a string"#))
    }
    return .entry(audio: audio, transcript: transcript, speaker: fields["speaker"] as? String)
}

/// `first-word rest` of a Kaldi table line, or nil for a blank line.
private func splitKaldiLine(_ line: String) -> (key: String, rest: String)? {
    let trimmed = line.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { return nil }
    guard let space = trimmed.firstIndex(where: \.isWhitespace) else { return (trimmed, "") }
    return (String(trimmed[..<space]), trimmed[space...].trimmingCharacters(in: .whitespaces))
}

/// A Kaldi data folder: `wav.scp`, `text` and, if present, `utt2spk`. Utterances come in the
/// order of `text`; audio paths alone (`use` .audioPaths) in the order of `wav.scp`.
private func readKaldiFolder(_ folderPath: String, key: String, use: ManifestUse) throws -> ManifestListing {
    var listing = ManifestListing()
    let fm = FileManager.default
    let scp = folderPath + "/wav.scp", textPath = folderPath + "/text", spkPath = folderPath + "/utt2spk"
    for file in use == .utterances ? [scp, textPath] : [scp] where !fm.fileExists(atPath: file) {
        throw ConfigError(path: key, message: "the Kaldi data folder '\(folderPath)' has no '\((file as NSString).lastPathComponent)'")
    }
    func problem(_ source: String, _ line: Int, _ message: String) {
        listing.problems.append(DataProblem(source: source, line: line, message: message))
    }

    var audio: [String: (path: String, line: Int)] = [:]
    var audioOrder: [String] = []
    var reported = Set<String>()   // ids whose wav.scp line was a problem: not reported again
    for (number, text) in try readLines(scp, key: key) {
        guard let text else { problem(scp, number, "not UTF-8 text"); continue }
        guard let (id, path) = splitKaldiLine(text) else { continue }
        if let first = audio[id] { problem(scp, number, "utterance '\(id)' is listed twice (first at line \(first.line))"); continue }
        guard !path.isEmpty else { problem(scp, number, "malformed line: expected 'utterance-id audio-path'"); reported.insert(id); continue }
        if path.hasSuffix("|") {
            problem(scp, number, "utterance '\(id)': piped commands are not run ('\(path)'); convert the audio to files and list their paths")
            reported.insert(id)
            continue
        }
        audio[id] = (path, number)
        audioOrder.append(id)
    }
    if use == .audioPaths {
        listing.entries = audioOrder.map { id in
            ManifestEntry(id: id, writtenPath: audio[id]!.path, resolvedPath: resolvePath(audio[id]!.path, against: folderPath),
                          text: "", source: scp, line: audio[id]!.line)
        }
        return listing
    }

    var speakers: [String: String] = [:]
    if fm.fileExists(atPath: spkPath) {
        for (number, text) in try readLines(spkPath, key: key) {
            guard let text else { problem(spkPath, number, "not UTF-8 text"); continue }
            guard let (id, speaker) = splitKaldiLine(text) else { continue }
            if speaker.isEmpty || speaker.contains(where: \.isWhitespace) {
                problem(spkPath, number, "malformed line: expected 'utterance-id speaker-id'")
                continue
            }
            speakers[id] = speaker
        }
    }

    var transcribed: [String: Int] = [:]
    for (number, text) in try readLines(textPath, key: key) {
        guard let text else { problem(textPath, number, "not UTF-8 text"); continue }
        guard let (id, transcript) = splitKaldiLine(text) else { continue }
        if let first = transcribed[id] { problem(textPath, number, "utterance '\(id)' is listed twice (first at line \(first))"); continue }
        transcribed[id] = number
        guard let (path, audioLine) = audio[id] else {
            if !reported.contains(id) { problem(textPath, number, "utterance '\(id)' has no audio in wav.scp") }
            continue
        }
        listing.entries.append(ManifestEntry(id: id, writtenPath: path, resolvedPath: resolvePath(path, against: folderPath),
                                             text: transcript, speaker: speakers[id], source: textPath, line: number,
                                             audioSource: scp, audioLine: audioLine))
    }
    for id in audioOrder where transcribed[id] == nil {
        problem(scp, audio[id]!.line, "utterance '\(id)' has no transcript in text")
    }
    return listing
}

/// The English words of the digits: FSDD's transcripts.
let fsddDigitWords = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

/// `{digit}_{speaker}_{take}.wav` -> its parts, or nil when the name does not match.
func parseFSDDName(_ name: String) -> (digit: Int, speaker: String, take: Int)? {
    guard name.lowercased().hasSuffix(".wav") else { return nil }
    let parts = name.dropLast(4).split(separator: "_", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 1, let digit = Int(parts[0]), !parts[1].isEmpty,
          parts[2].allSatisfy(\.isASCII), let take = Int(parts[2]), take >= 0 else { return nil }
    return (digit, String(parts[1]), take)
}

/// A folder of FSDD recordings, filtered by takes; sorted by speaker, digit, take.
private func readFSDDFolder(_ folderPath: String, config: DataSetConfig, key: String) throws -> ManifestListing {
    var listing = ManifestListing()
    let names: [String]
    do {
        names = try FileManager.default.contentsOfDirectory(atPath: folderPath)
    } catch {
        throw ConfigError(path: key + ".path", message: "cannot list the folder '\(config.path)': \(error.localizedDescription)")
    }
    let takes = try config.takeRange(key: key)
    var files: [(name: String, digit: Int, speaker: String, take: Int)] = []
    for name in names.sorted() where name.lowercased().hasSuffix(".wav") {
        if let (digit, speaker, take) = parseFSDDName(name) {
            files.append((name, digit, speaker, take))
        } else {
            listing.problems.append(DataProblem(source: folderPath + "/" + name, line: nil,
                                                message: "file name does not match {digit}_{speaker}_{take}.wav"))
        }
    }
    files = files.filter { takes?.contains($0.take) ?? true }
    files.sort { ($0.speaker, $0.digit, $0.take) < ($1.speaker, $1.digit, $1.take) }
    for f in files {
        let path = folderPath + "/" + f.name
        listing.entries.append(ManifestEntry(id: String(f.name.dropLast(4)), writtenPath: path, resolvedPath: path,
                                             text: fsddDigitWords[f.digit], speaker: f.speaker, source: path, line: nil))
    }
    return listing
}
