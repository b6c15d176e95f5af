import Foundation

// Readers of the data set formats. Each lists the entries it found, with where they came from,
// and the problems of lines it could not use; `loadDataSet` then checks transcripts and audio.

/// One utterance as a data set lists it, before its transcript and audio are checked.
struct ManifestEntry {
    var id: String
    /// The audio path as the manifest writes it, for messages.
    var writtenPath: String
    var resolvedPath: String
    /// The transcript as written.
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

/// `audio-path<TAB>transcript` per line.
func readTSV(_ path: String, key: String) throws -> ManifestListing {
    var listing = ManifestListing()
    let base = folder(of: path)
    var sawContent = false
    for (number, text) in try readLines(path, key: key) {
        func problem(_ message: String) { listing.problems.append(DataProblem(source: path, line: number, message: message)) }
        guard let text else { problem("not UTF-8 text"); continue }
        if text.allSatisfy(\.isWhitespace) || text.hasPrefix("#") { continue }
        let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
        if !sawContent {
            sawContent = true
            if fields.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) == ["path", "text"] { continue }
        }
        guard fields.count == 2 else {
            problem("malformed line: expected 'audio-path<TAB>transcript', found "
                + (fields.count == 1 ? "no tab" : "\(fields.count) tab-separated fields"))
            continue
        }
        let audio = fields[0].trimmingCharacters(in: .whitespaces)
        guard !audio.isEmpty else { problem("malformed line: the audio path is empty"); continue }
        listing.entries.append(ManifestEntry(id: audio, writtenPath: audio, resolvedPath: resolveDataPath(audio, against: base),
                                             text: String(fields[1]), source: path, line: number))
    }
    return listing
}

/// JSON lines with NeMo's keys `audio_filepath` and `text` (other keys are ignored; the
/// duration is taken from the audio file).
func readJSONLines(_ path: String, key: String) throws -> ManifestListing {
    var listing = ManifestListing()
    let base = folder(of: path)
    for (number, text) in try readLines(path, key: key) {
        func problem(_ message: String) { listing.problems.append(DataProblem(source: path, line: number, message: message)) }
        guard let text else { problem("not UTF-8 text"); continue }
        if text.allSatisfy(\.isWhitespace) { continue }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            problem("not valid JSON: \(detail)")
            continue
        }
        guard let fields = object as? [String: Any] else { problem("expected a JSON object on each line"); continue }
        guard let audioValue = fields["audio_filepath"] else { problem("missing key \"audio_filepath\""); continue }
        guard let audio = audioValue as? String, !audio.isEmpty else {
            problem("\"audio_filepath\" must be a non-empty string"); continue
        }
        guard let textValue = fields["text"] else { problem("missing key \"text\""); continue }
        guard let transcript = textValue as? String else { problem("\"text\" must be a string"); continue }
        if let offset = fields["offset"] as? Double, offset != 0 {
            problem("\"offset\" (a segment of a longer file) is not supported; cut the segment into its own file")
            continue
        }
        listing.entries.append(ManifestEntry(id: audio, writtenPath: audio, resolvedPath: resolveDataPath(audio, against: base),
                                             text: transcript, speaker: fields["speaker"] as? String,
                                             source: path, line: number))
    }
    return listing
}

/// `first-word rest` of a Kaldi table line, or nil for a blank line.
private func splitKaldiLine(_ line: String) -> (key: String, rest: String)? {
    let trimmed = line.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { return nil }
    guard let space = trimmed.firstIndex(where: \.isWhitespace) else { return (trimmed, "") }
    return (String(trimmed[..<space]), trimmed[space...].trimmingCharacters(in: .whitespaces))
}

/// A Kaldi data folder: `wav.scp`, `text` and, if present, `utt2spk`. Utterances come in the
/// order of `text`.
func readKaldiFolder(_ folderPath: String, key: String) throws -> ManifestListing {
    var listing = ManifestListing()
    let fm = FileManager.default
    let scp = folderPath + "/wav.scp", textPath = folderPath + "/text", spkPath = folderPath + "/utt2spk"
    for file in [scp, textPath] where !fm.fileExists(atPath: file) {
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
        listing.entries.append(ManifestEntry(id: id, writtenPath: path, resolvedPath: resolveDataPath(path, against: folderPath),
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

/// A folder of FSDD recordings, filtered by takes and speakers; sorted by speaker, digit, take.
func readFSDDFolder(_ folderPath: String, config: DataSetConfig, key: String) throws -> ManifestListing {
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
    let known = Set(files.map(\.speaker))
    for (option, list) in [("speakers", config.speakers), ("exclude_speakers", config.excludeSpeakers)] {
        if let missing = list?.first(where: { !known.contains($0) }) {
            throw ConfigError(path: "\(key).\(option)", message: "no recordings of speaker '\(missing)' in '\(config.path)' "
                + "(speakers: \(known.sorted().joined(separator: ", ")))")
        }
    }
    let include = config.speakers.map(Set.init), exclude = Set(config.excludeSpeakers ?? [])
    files = files.filter { f in
        (takes?.contains(f.take) ?? true) && (include?.contains(f.speaker) ?? true) && !exclude.contains(f.speaker)
    }
    files.sort { ($0.speaker, $0.digit, $0.take) < ($1.speaker, $1.digit, $1.take) }
    for f in files {
        let path = folderPath + "/" + f.name
        listing.entries.append(ManifestEntry(id: String(f.name.dropLast(4)), writtenPath: path, resolvedPath: path,
                                             text: fsddDigitWords[f.digit], speaker: f.speaker, source: path, line: nil))
    }
    return listing
}
