import ASR
import Foundation

/// Where `asr transcribe` puts each file's result, in the chosen format: lines on stdout or in
/// --output (appended as they come, resumable), or one subtitle file per audio file in
/// --output-dir (each written atomically). Under MPI only rank 0 writes lines (`writesLines`);
/// every rank renders its own files' lines and writes its own subtitle files.
final class ResultSink {
    let format: TranscriptFormat
    /// Text lines carry the file name when there are several files.
    let several: Bool
    private let lines: TranscriptionOutput?
    private let output: String?
    private let outputDir: String?
    private let resume: Bool

    init(format: TranscriptFormat, output: String?, outputDir: String?, resume: Bool, several: Bool, writesLines: Bool = true) throws {
        self.format = format
        self.several = several
        self.resume = resume
        self.output = output
        self.outputDir = outputDir
        if let outputDir {
            try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
            lines = nil
        } else {
            lines = writesLines ? try TranscriptionOutput(path: output, resume: resume) : nil
        }
    }

    /// Whether a previous run already wrote `file`'s result (with --resume).
    func isDone(_ file: String) -> Bool {
        guard resume else { return false }
        if let outputDir { return FileManager.default.fileExists(atPath: subtitlePath(file, in: outputDir)) }
        return lines?.done.contains(file) ?? false
    }

    /// The output line of a transcribed file, or nil when the result went to its own subtitle
    /// file in --output-dir.
    func render(file: String, _ r: RecognitionResult) throws -> String? {
        switch format {
        case .text: return several || output != nil ? "\(file)\t\(r.text)" : r.text
        case .json: return TranscriptRenderer.json(file: file, r, pretty: true)
        case .jsonl: return TranscriptRenderer.json(file: file, r, pretty: false)
        case .srt, .vtt:
            let document = format == .srt ? TranscriptRenderer.srt(r) : TranscriptRenderer.vtt(r)
            guard let outputDir else { return document }
            try writeFileAtomically(Data(document.utf8), to: subtitlePath(file, in: outputDir))
            return nil
        }
    }

    /// The line of a file that failed: its own line in jsonl; none otherwise (the message goes
    /// to stderr).
    func renderError(file: String, message: String) -> String? {
        format == .jsonl ? TranscriptRenderer.errorLine(file: file, message: message) : nil
    }

    /// Appends a line to the output (rank 0 only under MPI).
    func write(_ line: String) throws { try lines?.write(line) }

    /// DIR/<audio name without extension>.srt (or .vtt).
    func subtitlePath(_ file: String, in dir: String) -> String {
        let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        return (dir as NSString).appendingPathComponent("\(name).\(format.rawValue)")
    }
}
