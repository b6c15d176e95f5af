import ASR
import Foundation

/// Where `asr transcribe` puts each file's result, in the chosen format: lines on stdout or in
/// --output (appended as they come, resumable), or one subtitle file per audio file in
/// --output-dir (each written atomically). Under MPI only rank 0 writes lines (`writesLines`);
/// every rank renders its own files' lines and writes its own subtitle files.
final class ResultSink {
    let format: any TranscriptFormat
    /// Text lines carry the file name when there are several files.
    let several: Bool
    private let lines: TranscriptionOutput?
    private let output: String?
    private let outputDir: String?
    private let resume: Bool

    init(format: any TranscriptFormat, output: String?, outputDir: String?, resume: Bool, several: Bool, writesLines: Bool = true) throws {
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
        let text = format.render(file: file, r, named: several || output != nil)
        guard let outputDir, format.isDocument else { return text }
        try writeFileAtomically(Data(text.utf8), to: subtitlePath(file, in: outputDir))
        return nil
    }

    /// The line of a file that failed, in formats that have one; the message goes to stderr.
    func renderError(file: String, message: String) -> String? { format.errorLine(file: file, message: message) }

    /// Appends a line to the output (rank 0 only under MPI).
    func write(_ line: String) throws { try lines?.write(line) }

    /// DIR/<audio name without extension>.srt (or .vtt).
    func subtitlePath(_ file: String, in dir: String) -> String {
        let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        return (dir as NSString).appendingPathComponent("\(name).\(format.name)")
    }
}
