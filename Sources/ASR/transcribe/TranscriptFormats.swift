import Foundation

/// One way of writing a recording's transcript (`asr transcribe --format NAME`). The formats
/// are side by side below; a new one is a type that conforms and an entry in `all`: one file.
public protocol TranscriptFormat: Sendable {
    /// Its name after `--format`, and the extension of its files in `--output-dir`.
    var name: String { get }
    /// One document per recording (subtitles): several recordings need a file each.
    var isDocument: Bool { get }
    /// Each result is one line, so a killed batch's output can be resumed line by line.
    var isOneLine: Bool { get }
    /// The transcript of `file`. `named`: the output holds several files' results, so a
    /// format that does not otherwise say which file a result is of says it.
    func render(file: String, _ result: RecognitionResult, named: Bool) -> String
    /// The line of a recording that failed, or nil: its message then goes to stderr only.
    func errorLine(file: String, message: String) -> String?
}

extension TranscriptFormat {
    public var isDocument: Bool { false }
    public var isOneLine: Bool { true }
    public func errorLine(file: String, message: String) -> String? { nil }
}

/// The formats `asr transcribe` writes.
public enum TranscriptFormats {
    public static let all: [any TranscriptFormat] = [PlainText(), JSONDocument(), JSONLines(), SubRip(), WebVTT()]

    public static func named(_ name: String) -> (any TranscriptFormat)? { all.first { $0.name == name } }

    /// The text; `file<TAB>text` when the output holds several files.
    public struct PlainText: TranscriptFormat {
        public let name = "text"
        public func render(file: String, _ r: RecognitionResult, named: Bool) -> String {
            named ? "\(TranscriptRenderer.escapedName(file))\t\(r.text)" : r.text
        }
    }

    /// One pretty-printed JSON object per file, with word times and confidences.
    public struct JSONDocument: TranscriptFormat {
        public let name = "json"
        public var isOneLine: Bool { false }
        public func render(file: String, _ r: RecognitionResult, named: Bool) -> String {
            TranscriptRenderer.json(file: file, r, pretty: true)
        }
    }

    /// One JSON object per line and file: {"file", "text", "confidence", "duration", "words"},
    /// or {"file", "error"} for a file that failed.
    public struct JSONLines: TranscriptFormat {
        public let name = "jsonl"
        public func render(file: String, _ r: RecognitionResult, named: Bool) -> String {
            TranscriptRenderer.json(file: file, r, pretty: false)
        }
        public func errorLine(file: String, message: String) -> String? { TranscriptRenderer.errorLine(file: file, message: message) }
    }

    /// SubRip subtitles.
    public struct SubRip: TranscriptFormat {
        public let name = "srt"
        public var isDocument: Bool { true }
        public var isOneLine: Bool { false }
        public func render(file: String, _ r: RecognitionResult, named: Bool) -> String { TranscriptRenderer.srt(r) }
    }

    /// WebVTT subtitles.
    public struct WebVTT: TranscriptFormat {
        public let name = "vtt"
        public var isDocument: Bool { true }
        public var isOneLine: Bool { false }
        public func render(file: String, _ r: RecognitionResult, named: Bool) -> String { TranscriptRenderer.vtt(r) }
    }
}

/// The renderings the formats share: JSON objects and lines, subtitle cues and timestamps.
public enum TranscriptRenderer {
    /// The JSON object of a transcript (times in seconds, rounded to milliseconds).
    public static func jsonObject(file: String, _ r: RecognitionResult) -> [String: Any] {
        let words: [[String: Any]] = r.words.map {
            ["word": $0.word, "start": round3($0.start), "end": round3($0.end), "confidence": round3($0.confidence)]
        }
        return ["file": file, "text": r.text, "confidence": round3(r.confidence), "duration": round3(r.duration), "words": words]
    }

    /// The transcript as JSON: one line, or pretty-printed. The line is written by hand (keys
    /// sorted, as JSONSerialization would): batches write one per file, and Foundation's
    /// serialiser took an eighth of the time of transcribing a short file.
    public static func json(file: String, _ r: RecognitionResult, pretty: Bool) -> String {
        if pretty { return encode(jsonObject(file: file, r), pretty: true) }
        return #"{"confidence":\#(round3(r.confidence)),"duration":\#(round3(r.duration)),"file":\#(jsonString(file)),"#
            + #""text":\#(jsonString(r.text)),"words":\#(wordsJSON(r.words))}"#
    }

    /// [{"confidence", "end", "start", "word"}, ...] on one line.
    static func wordsJSON(_ words: [TimedWord]) -> String {
        "[" + words.map {
            #"{"confidence":\#(round3($0.confidence)),"end":\#(round3($0.end)),"start":\#(round3($0.start)),"word":\#(jsonString($0.word))}"#
        }.joined(separator: ",") + "]"
    }

    /// {"error": ..., "file": ...}: the line of a file that could not be transcribed.
    public static func errorLine(file: String, message: String) -> String {
        #"{"error":\#(jsonString(message)),"file":\#(jsonString(file))}"#
    }

    /// SubRip: numbered cues, times as 00:00:01,230.
    public static func srt(_ r: RecognitionResult) -> String {
        cues(r.words).enumerated().map { i, cue in
            "\(i + 1)\n\(timestamp(cue.start, ",")) --> \(timestamp(cue.end, ","))\n\(cue.text)\n"
        }.joined(separator: "\n")
    }

    /// WebVTT: a header, then cues with times as 00:00:01.230.
    public static func vtt(_ r: RecognitionResult) -> String {
        "WEBVTT\n\n" + cues(r.words).map { "\(timestamp($0.start, ".")) --> \(timestamp($0.end, "."))\n\($0.text)\n" }.joined(separator: "\n")
    }

    /// Words grouped into subtitle cues: a new cue after a pause of `maxGap` seconds, or once
    /// a cue would pass `maxWords` words, `maxChars` characters or `maxSeconds`.
    static func cues(_ words: [TimedWord], maxGap: Double = 1, maxWords: Int = 10, maxChars: Int = 42,
                     maxSeconds: Double = 5) -> [(start: Double, end: Double, text: String)] {
        var cues: [(start: Double, end: Double, text: String)] = []
        var current: [TimedWord] = []
        func close() {
            guard let first = current.first, let last = current.last else { return }
            cues.append((first.start, last.end, current.map(\.word).joined(separator: " ")))
            current = []
        }
        for w in words {
            if let first = current.first, let last = current.last {
                let chars = current.map(\.word.count).reduce(current.count, +) + w.word.count
                if w.start - last.end > maxGap || current.count >= maxWords || chars > maxChars || w.end - first.start > maxSeconds {
                    close()
                }
            }
            current.append(w)
        }
        close()
        return cues
    }

    /// hh:mm:ss followed by `separator` and milliseconds.
    static func timestamp(_ seconds: Double, _ separator: String) -> String {
        let ms = Int((max(0, seconds) * 1000).rounded())
        return String(format: "%02d:%02d:%02d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60) + separator
            + String(format: "%03d", ms % 1000)
    }

    private static func encode(_ object: [String: Any], pretty: Bool) -> String {
        let options: JSONSerialization.WritingOptions = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        // The objects hold only strings, numbers and arrays of them: serialisation cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: object, options: options)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

extension TranscriptRenderer {
    /// A file name as the text format writes it before its TAB: backslash, TAB, CR and LF as
    /// `\\`, `\t`, `\r` and `\n`, so that every name fits on its line and `--resume` reads it back.
    public static func escapedName(_ name: String) -> String {
        // Scalars, not Characters: "\r\n" is one Character, and must become two escapes.
        guard name.unicodeScalars.contains(where: { "\\\t\n\r".unicodeScalars.contains($0) }) else { return name }
        var out = String.UnicodeScalarView()
        for c in name.unicodeScalars {
            switch c {
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            default: out.append(c)
            }
        }
        return String(out)
    }

    /// The name `escapedName` wrote.
    public static func unescapedName(_ written: Substring) -> String {
        guard written.contains("\\") else { return String(written) }
        var out = String.UnicodeScalarView(), escape = false
        for c in written.unicodeScalars {
            if escape {
                switch c {
                case "t": out.append("\t")
                case "n": out.append("\n")
                case "r": out.append("\r")
                default: out.append(c)
                }
                escape = false
            } else if c == "\\" {
                escape = true
            } else {
                out.append(c)
            }
        }
        return String(out)
    }
}

/// `x` to 3 decimals. JSON has no NaN or infinity: a non-finite value (which the checks on
/// weights and samples should never let through) is written as 0, never as `nan`.
func round3(_ x: Double) -> Double { x.isFinite ? (x * 1000).rounded() / 1000 : 0 }

extension TranscriptRenderer {
    /// One JSON line of a live stream: {"type": "partial"|"final", "text", "confidence",
    /// "audio_seconds" (audio received when it was sent), "words"}.
    public static func streamLine(_ event: StreamEvent) -> String {
        let (type, r): (String, RecognitionResult)
        switch event {
        case .partial(let result): (type, r) = ("partial", result)
        case .final(let result): (type, r) = ("final", result)
        }
        return #"{"type":"\#(type)","text":\#(jsonString(r.text)),"confidence":\#(round3(r.confidence)),"#
            + #""audio_seconds":\#(round3(r.duration)),"words":\#(wordsJSON(r.words))}"#
    }
}
