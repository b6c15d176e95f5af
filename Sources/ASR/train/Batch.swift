/// One training or evaluation batch, ready for the model: features padded to (T, B, F)
/// time-major, utterances sorted longest first.
public struct Batch: Sendable {
    /// (T, B, F), zero on padding frames.
    public var features: [Float]
    public var T: Int, B: Int, F: Int
    /// Frames per utterance, longest first.
    public var lengths: [Int]
    /// Label sequences (no blanks), in the same order.
    public var targets: [[Int]]
    /// Utterance ids, in the same order.
    public var ids: [String]
    /// Per-utterance random seeds (dropout), in the same order; 0 when not given.
    public var seeds: [UInt64]

    /// Pads and sorts `items` (features (T_i, F) and labels) into a batch.
    public init(_ items: [(id: String, features: FeatureMatrix, labels: [Int])]) {
        self.init(seeded: items.map { ($0.id, $0.features, $0.labels, 0) })
    }

    /// The same, with a random seed per utterance that travels with it.
    public init(seeded items: [(id: String, features: FeatureMatrix, labels: [Int], seed: UInt64)]) {
        // Ties keep their order, so the batch depends on its items only.
        let sorted = items.enumerated().sorted {
            $0.element.features.rows != $1.element.features.rows ? $0.element.features.rows > $1.element.features.rows : $0.offset < $1.offset
        }.map(\.element)
        F = sorted.first?.features.cols ?? 0
        T = sorted.first?.features.rows ?? 0
        B = sorted.count
        lengths = sorted.map(\.features.rows)
        targets = sorted.map(\.labels)
        ids = sorted.map(\.id)
        seeds = sorted.map(\.seed)
        var x = [Float](repeating: 0, count: T * B * F)
        let (T, B, F) = (self.T, self.B, self.F)
        x.withUnsafeMutableBufferPointer { out in
            for (b, item) in sorted.enumerated() {
                item.features.data.withUnsafeBufferPointer { src in
                    for t in 0..<item.features.rows {
                        (out.baseAddress! + (t * B + b) * F).update(from: src.baseAddress! + t * F, count: F)
                    }
                }
            }
        }
        features = x
    }

    /// Frames in the batch (without padding).
    public var frames: Int { lengths.reduce(0, +) }
}

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
