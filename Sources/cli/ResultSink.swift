import ASR
import Foundation

/// Where `asr transcribe` puts each file's result, in the chosen format: lines on stdout or in
/// --output (appended as they come, resumable), or one subtitle file per audio file in
/// --output-dir (each written atomically).
final class ResultSink {
    let format: TranscriptFormat
    /// Text lines carry the file name when there are several files.
    let several: Bool
    private let lines: TranscriptionOutput?
    private let outputDir: String?
    private let resume: Bool

    init(format: TranscriptFormat, output: String?, outputDir: String?, resume: Bool, several: Bool) throws {
        self.format = format
        self.several = several
        self.resume = resume
        self.outputDir = outputDir
        if let outputDir {
            try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
            lines = nil
        } else {
            lines = try TranscriptionOutput(path: output, resume: resume)
        }
    }

    /// Whether a previous run already wrote `file`'s result (with --resume).
    func isDone(_ file: String) -> Bool {
        guard resume else { return false }
        if let outputDir { return FileManager.default.fileExists(atPath: subtitlePath(file, in: outputDir)) }
        return lines?.done.contains(file) ?? false
    }

    func write(file: String, _ r: Transcriber.Result) throws {
        switch format {
        case .text: try lines!.write(several || lines!.path != nil ? "\(file)\t\(r.text)" : r.text)
        case .json: try lines!.write(TranscriptRenderer.json(file: file, r, pretty: true))
        case .jsonl: try lines!.write(TranscriptRenderer.json(file: file, r, pretty: false))
        case .srt, .vtt:
            let document = format == .srt ? TranscriptRenderer.srt(r) : TranscriptRenderer.vtt(r)
            if let outputDir {
                try writeFileAtomically(Data(document.utf8), to: subtitlePath(file, in: outputDir))
            } else {
                try lines!.write(document)
            }
        }
    }

    /// A file that failed: its own line in jsonl; the message on stderr (already printed) otherwise.
    func write(file: String, error message: String) throws {
        if format == .jsonl { try lines!.write(TranscriptRenderer.errorLine(file: file, message: message)) }
    }

    /// DIR/<audio name without extension>.srt (or .vtt).
    func subtitlePath(_ file: String, in dir: String) -> String {
        let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        return (dir as NSString).appendingPathComponent("\(name).\(format.rawValue)")
    }
}
