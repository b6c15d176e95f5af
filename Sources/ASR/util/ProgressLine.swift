import Foundation

/// A progress line on stderr: a bar redrawn in place on a terminal (at most five times a
/// second), a plain line every ten seconds otherwise (logs, CI). Used by training epochs and
/// batch transcription.
public final class ProgressLine {
    private let isTerminal = isatty(2) != 0
    private let enabled: Bool
    private var lastPrint = Date.distantPast

    public init(enabled: Bool = true) { self.enabled = enabled }

    /// Shows `done` of `total` with `info`; prints only if enough time has passed since the
    /// last line, or at the end (`done == total`). `info` is only built for a line that prints
    /// (a batch calls this after every file).
    public func show(done: Int, total: Int, info: @autoclosure () -> String) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastPrint) >= (isTerminal ? 0.2 : 10) || done == total else { return }
        lastPrint = now
        if isTerminal {
            let width = 24, filled = total > 0 ? width * min(done, total) / total : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            printError("\r[\(bar)] \(info())\u{1B}[K")
        } else {
            printError(info() + "\n")
        }
    }

    /// Clears the bar (on a terminal) so the next output starts on a clean line.
    public func finish() {
        if enabled && isTerminal { printError("\r\u{1B}[K") }
    }
}
