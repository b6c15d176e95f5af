import Foundation

/// Progress of an epoch on stderr: a bar redrawn in place on a terminal, a plain line every
/// ten seconds otherwise (logs, CI).
final class ProgressReporter {
    private let isTerminal = isatty(2) != 0
    private var epoch = 0, epochs = 0, batches = 0
    private(set) var batchesDone = 0
    private var started = Date(), lastPrint = Date.distantPast

    func start(epoch: Int, of epochs: Int, batches: Int) {
        self.epoch = epoch
        self.epochs = epochs
        self.batches = batches
        batchesDone = 0
        started = Date()
        lastPrint = Date.distantPast
    }

    func update(batchesDone: Int, loss: Double, utterances: Int) {
        self.batchesDone = batchesDone
        let now = Date()
        let interval = isTerminal ? 0.2 : 10
        guard now.timeIntervalSince(lastPrint) >= interval || batchesDone == batches else { return }
        lastPrint = now
        let elapsed = now.timeIntervalSince(started)
        let rate = Double(utterances) / max(elapsed, 1e-9)
        let eta = batchesDone > 0 ? elapsed / Double(batchesDone) * Double(batches - batchesDone) : 0
        let info = "epoch \(epoch)/\(epochs) \(batchesDone)/\(batches) loss \(String(format: "%.4f", loss)) "
            + "\(Int(rate)) utt/s ETA \(Int(eta))s"
        if isTerminal {
            let width = 24, filled = batches > 0 ? width * batchesDone / batches : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            printError("\r[\(bar)] \(info)\u{1B}[K")
        } else {
            printError(info + "\n")
        }
    }

    func finish() {
        if isTerminal { printError("\r\u{1B}[K") }
    }
}
