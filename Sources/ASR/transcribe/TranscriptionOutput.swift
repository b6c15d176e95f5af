import Foundation

/// Where a batch writes its lines: standard output, or a file that grows one whole line at a
/// time, each written with a single `write` call, so that a killed run leaves at most a
/// partial last line. Opened with `resume`, an existing file is kept: a partial last line is
/// cut off and the files its lines name are in `done`, to be skipped.
public final class TranscriptionOutput {
    public let path: String?
    /// Files that already have a line (from a previous run, with `resume`).
    public private(set) var done: Set<String> = []
    private let descriptor: Int32

    /// `path` nil writes to standard output. Without `resume` an existing file is replaced.
    public init(path: String?, resume: Bool) throws {
        self.path = path
        guard let path else {
            descriptor = STDOUT_FILENO
            return
        }
        if resume, FileManager.default.fileExists(atPath: path) {
            done = try TranscriptionOutput.recover(path)
            descriptor = open(path, O_WRONLY | O_APPEND)
        } else {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        guard descriptor >= 0 else {
            throw ConfigError(path: path, message: "cannot open the output for writing: \(String(cString: strerror(errno)))")
        }
    }

    deinit { if path != nil { close(descriptor) } }

    /// Appends `line` and a line end. If the write fails (a full disk), the part of the line
    /// that was written is cut off again, so the file still ends with a whole line and a
    /// `--resume` run appends the rest.
    public func write(_ line: String) throws {
        let bytes = Array((line + "\n").utf8)
        let start = path == nil ? -1 : lseek(descriptor, 0, SEEK_END)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            guard n > 0 else {
                let reason = String(cString: strerror(errno))
                if start >= 0 && written > 0 { _ = ftruncate(descriptor, start) }
                throw ConfigError(path: path ?? "<stdout>", message: "write failed: \(reason)")
            }
            written += n
        }
    }

    /// The file named by each complete line of `path` (a JSON line's "file", or the text before
    /// the first TAB); cuts off a last line without its line end (a run killed mid-write).
    static func recover(_ path: String) throws -> Set<String> {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(path: path, message: "cannot read the output to resume")
        }
        let bytes = [UInt8](data)
        let complete = (bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
        if complete < bytes.count {
            guard truncate(path, off_t(complete)) == 0 else {
                throw ConfigError(path: path, message: "cannot cut off the partial last line: \(String(cString: strerror(errno)))")
            }
            printError("\(path): cut off a partial last line (\(bytes.count - complete) bytes) left by an interrupted run\n")
        }
        var files: Set<String> = []
        var kept = Data(), failed = 0
        for (i, slice) in bytes[..<complete].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() where !slice.isEmpty {
            let line = String(decoding: slice, as: UTF8.self)
            if line.hasPrefix("{") {
                guard let object = try? JSONSerialization.jsonObject(with: Data(slice)) as? [String: Any],
                      let file = object["file"] as? String else {
                    throw ConfigError(path: "\(path):\(i + 1)", message: "not a JSON line with a \"file\" key; is this the output of asr transcribe?")
                }
                // A file that failed is not done: its error line goes, and it is tried again.
                if object["error"] != nil { failed += 1; continue }
                files.insert(file)
            } else {
                files.insert(TranscriptRenderer.unescapedName(line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)[0]))
            }
            kept.append(contentsOf: slice)
            kept.append(UInt8(ascii: "\n"))
        }
        if failed > 0 {
            try writeFileAtomically(kept, to: path)
            printError("\(path): \(failed) file\(failed == 1 ? "" : "s") failed in the earlier run; trying \(failed == 1 ? "it" : "them") again\n")
        }
        return files
    }
}
