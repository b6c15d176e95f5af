import Foundation

/// Transcribes many files on several threads: `jobs` workers share one recognizer (one copy
/// of the model in memory), each with its own session (workspace) and one BLAS thread, and
/// take groups of up to `groupSize` files; a worker sorts its group by length and runs it
/// through the model `batchSize` files at a time. Results are handed out in the files'
/// order, each as soon as it and all earlier ones are done; memory holds a few groups of
/// results at most.
///
/// With fewer groups than `jobs`, the spare cores run the two directions of the encoder side
/// by side, so a single long file still uses two cores.
public final class BatchTranscriber {
    public let recognizer: Recognizer
    public let jobs: Int
    public let batchSize: Int
    /// Files a worker takes at a time.
    public let groupSize: Int
    private let workers: [RecognizerSession]

    /// `files` (how many will be transcribed) sizes the pool: no more workers than groups.
    public init(recognizer: Recognizer, jobs: Int, batchSize: Int, files: Int) throws {
        guard jobs >= 1 else { throw ConfigError(path: "--jobs", message: "\(jobs): expected at least 1") }
        guard batchSize >= 1 else { throw ConfigError(path: "--batch-size", message: "\(batchSize): expected at least 1") }
        self.recognizer = recognizer
        self.jobs = jobs
        self.batchSize = batchSize
        // Groups of up to 8 batches, but enough of them to keep every worker busy to the end.
        groupSize = min(8 * batchSize, max(1, files / (jobs * 4)))
        let groups = (files + groupSize - 1) / groupSize
        let count = max(1, min(jobs, groups))
        workers = try (0..<count).map { _ in try recognizer.makeSession() }
        for w in workers { w.parallelDirections = jobs >= 2 * count }
        BLASThreads.set(1)
    }

    /// Time the workers spent, by stage, summed over threads.
    public var seconds: StageSeconds { workers.map(\.seconds).reduce(StageSeconds(), +) }

    /// Transcribes `files` and calls `emit` on the calling thread for each, in order.
    public func run(_ files: [String], emit: (_ index: Int, _ result: Result<RecognitionResult, Error>) -> Void) {
        let pool = WorkerPool(workers)
        let size = groupSize, batchSize = self.batchSize
        let groups = (files.count + size - 1) / size
        parallelOrdered(count: groups, jobs: workers.count, work: { group, worker in
            let range = (group * size)..<min(files.count, (group + 1) * size)
            return pool.workers[worker].recognize(files: Array(files[range]), batchSize: batchSize)
        }, emit: { group, results in
            for (k, result) in results.enumerated() { emit(group * size + k, result) }
        })
    }
}

/// The workers, shared with the threads: worker i is only ever used by thread i.
private final class WorkerPool: @unchecked Sendable {
    let workers: [RecognizerSession]
    init(_ workers: [RecognizerSession]) { self.workers = workers }
}

extension BatchTranscriber {
    /// What a batch has done so far, over every process.
    public struct Totals: Sendable {
        public var files = 0
        public var audioSeconds = 0.0
        public var failed = 0
        /// Thread time by stage, summed over workers and processes (at the end of the run).
        public var threadSeconds = StageSeconds()
    }

    /// Transcribes `files` shared out between the processes of `communicator` (one process:
    /// all of them here; under `mpirun`, rounds of 8 batches a process, each process taking
    /// every N-th file of a round). `render` turns each result into its output line (nil:
    /// none) on the process that made it; rank 0 gets every line through `write`, in the
    /// files' order; `progress` sees the totals after each file (one process) or each round.
    /// The first `render` or `write` error is thrown at the end.
    @discardableResult
    public func run(_ files: [String], communicator: any Communicator,
                    render: (_ file: String, _ result: Result<RecognitionResult, Error>) throws -> String?,
                    write: (String) throws -> Void, progress: (Totals) -> Void) throws -> Totals {
        var mine = Totals(), totals = Totals()
        var firstError: Error?
        func line(_ file: String, _ result: Result<RecognitionResult, Error>) -> String? {
            mine.files += 1
            switch result {
            case .success(let r): mine.audioSeconds += r.duration
            case .failure: mine.failed += 1
            }
            do { return try render(file, result) } catch { firstError = firstError ?? error; return nil }
        }
        if communicator.size == 1 {
            run(files) { index, result in
                if let l = line(files[index], result), firstError == nil {
                    do { try write(l) } catch { firstError = error }
                }
                progress(mine)
            }
            totals = mine
        } else {
            let perRound = 8 * batchSize * communicator.size
            // Every process runs every round (the collectives must match), errors or not.
            for start in stride(from: 0, to: files.count, by: perRound) {
                let round = Array(files[start..<min(files.count, start + perRound)])
                let lines: [String?] = try communicator.shareWork(count: round.count) { indices in
                    var out: [String?] = []
                    run(indices.map { round[$0] }) { k, result in out.append(line(round[indices[k]], result)) }
                    return out
                }
                if communicator.isRoot { for l in lines { if let l { try write(l) } } }
                var counts = [mine.audioSeconds, Double(mine.failed)]
                communicator.allreduceSum(&counts)
                totals = Totals(files: start + round.count, audioSeconds: counts[0], failed: Int(counts[1]))
                progress(totals)
            }
        }
        let s = seconds
        var threadSeconds = [s.features, s.model, s.decoding]
        if communicator.size > 1 { communicator.allreduceSum(&threadSeconds) }
        totals.threadSeconds.features = threadSeconds[0]
        totals.threadSeconds.model = threadSeconds[1]
        totals.threadSeconds.decoding = threadSeconds[2]
        if let firstError { throw firstError }
        return totals
    }
}
