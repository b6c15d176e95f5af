import Foundation

/// Progress of a training epoch on stderr (see `ProgressLine`).
final class ProgressReporter {
    private let line = ProgressLine()
    private var epoch = 0, epochs = 0, batches = 0
    private(set) var batchesDone = 0
    private var started = Date()

    func start(epoch: Int, of epochs: Int, batches: Int) {
        self.epoch = epoch
        self.epochs = epochs
        self.batches = batches
        batchesDone = 0
        started = Date()
    }

    func update(batchesDone: Int, loss: Double, utterances: Int) {
        self.batchesDone = batchesDone
        let elapsed = Date().timeIntervalSince(started)
        let rate = Double(utterances) / max(elapsed, 1e-9)
        let eta = batchesDone > 0 ? elapsed / Double(batchesDone) * Double(batches - batchesDone) : 0
        line.show(done: batchesDone, total: batches,
                  info: "epoch \(epoch)/\(epochs) \(batchesDone)/\(batches) loss \(String(format: "%.4f", loss)) "
                      + "\(Int(rate)) utt/s ETA \(Int(eta))s")
    }

    func finish() { line.finish() }
}
