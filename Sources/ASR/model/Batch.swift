/// One batch of utterances ready for the model (training, evaluation or recognition): features padded to (T, B, F)
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
    /// For each utterance of the batch, its index in the items the batch was made from.
    public var order: [Int]

    /// Pads and sorts `items` (features (T_i, F) and labels) into a batch.
    public init(_ items: [(id: String, features: FeatureMatrix, labels: [Int])]) {
        self.init(seeded: items.map { ($0.id, $0.features, $0.labels, 0) })
    }

    /// The same, with a random seed per utterance that travels with it.
    public init(seeded items: [(id: String, features: FeatureMatrix, labels: [Int], seed: UInt64)]) {
        // Ties keep their order, so the batch depends on its items only.
        let ranked = items.enumerated().sorted {
            $0.element.features.rows != $1.element.features.rows ? $0.element.features.rows > $1.element.features.rows : $0.offset < $1.offset
        }
        order = ranked.map(\.offset)
        let sorted = ranked.map(\.element)
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
