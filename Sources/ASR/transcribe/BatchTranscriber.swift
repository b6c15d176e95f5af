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
