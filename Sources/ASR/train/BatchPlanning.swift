/// Groups utterances of similar length: sorts by length, cuts into batches of at most
/// `batchSize` utterances (and `maxFrames` padded frames), and shuffles the order of the
/// batches with `rng`. Returns lists of indices into `lengths`.
public func bucketBatches(lengths: [Int], batchSize: Int, maxFrames: Int?, rng: inout SeededRandom) -> [[Int]] {
    // Ties broken by index so the order depends on the seed only.
    let order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] < lengths[$1] : $0 < $1 }
    var batches: [[Int]] = []
    var current: [Int] = []
    for i in order {
        let longest = max(current.map { lengths[$0] }.max() ?? 0, lengths[i])
        if !current.isEmpty && (current.count == batchSize || (maxFrames.map { longest * (current.count + 1) > $0 } ?? false)) {
            batches.append(current)
            current = []
        }
        current.append(i)
    }
    if !current.isEmpty { batches.append(current) }
    batches.shuffle(using: &rng)
    return batches
}

/// One epoch as the trainer runs it: the items (the training set plus the epoch's connected
/// strings), their lengths in feature frames, the global batches (`bucketBatches`) and one seed
/// per item (for its augmentation and dropout, so that an item is treated the same whichever
/// rank trains it).
struct EpochPlan {
    var items: [TrainingItem]
    var lengths: [Int]
    /// Lists of indices into `items`. Each is one optimizer step: under MPI the ranks share a
    /// batch (`shard`) and sum their gradients, so the number of steps does not change.
    var batches: [[Int]]
    var seeds: [UInt64]
}

extension TrainingSets {
    /// The plan of epoch `epoch` (from 1). It is drawn from `training.seed` and the epoch
    /// alone, so it is the same on every rank and after --resume, and known before the epoch
    /// runs.
    func plan(epoch: Int, training: TrainingConfig) throws -> EpochPlan {
        var rng = SeededRandom(seed: training.seed &* 0x9E37_79B9 &+ UInt64(epoch))
        let items = epochItems(rng: &rng)
        let lengths = try items.map { try frames(of: $0) }
        let batches = bucketBatches(lengths: lengths, batchSize: training.batchSize, maxFrames: training.maxFramesPerBatch, rng: &rng)
        let seeds = (0..<items.count).map { _ in rng.next() }
        return EpochPlan(items: items, lengths: lengths, batches: batches, seeds: seeds)
    }

    /// The optimizer steps of epochs 1 to `training.epochs`, one count per epoch: the batches of
    /// each epoch's plan, `max_frames_per_batch` splits and connected strings included. (A
    /// batch all of whose utterances speed perturbation makes too short for their transcripts
    /// takes no step; that is rare and cannot be known before its features are computed.)
    func optimizerSteps(training: TrainingConfig) throws -> [Int] {
        try (1...training.epochs).map { try plan(epoch: $0, training: training).batches.count }
    }
}
