import Foundation

/// An utterance the trainer turns into features: one audio file, or several joined by
/// silence (connected digits).
public struct TrainingItem: Sendable {
    public var id: String
    public var parts: [String]
    public var gapsMs: [Int]
    public var text: String
    public var labels: [Int]

    public init(id: String, parts: [String], gapsMs: [Int] = [], text: String, labels: [Int]) {
        self.id = id
        self.parts = parts
        self.gapsMs = gapsMs
        self.text = text
        self.labels = labels
    }
}

/// Features of training items, with the augmentation of the recipe. Decoded audio is cached per
/// file (at the feature rate) and features of unperturbed single-file items per item, so
/// every file is read once. One instance per thread.
final class FeatureSource {
    let config: FeatureConfig
    private let pipeline: FeaturePipeline
    private var samples: [String: [Float]] = [:]
    private var features: [String: FeatureMatrix] = [:]
    let cacheFeatures: Bool

    init(config: FeatureConfig, cacheFeatures: Bool) throws {
        self.config = config
        pipeline = try FeaturePipeline(config: config)
        self.cacheFeatures = cacheFeatures
    }

    /// Decoded samples of `path` at the feature rate.
    func audio(_ path: String) throws -> [Float] {
        if let cached = samples[path] { return cached }
        let x = try AudioReader.read(path, sampleRate: config.sampleRate).samples
        samples[path] = x
        return x
    }

    /// Samples of an item: its parts joined by silent gaps.
    func audio(of item: TrainingItem) throws -> [Float] {
        var out: [Float] = []
        for (k, part) in item.parts.enumerated() {
            if k > 0 { out += [Float](repeating: 0, count: item.gapsMs[k - 1] * config.sampleRate / 1000) }
            out += try audio(part)
        }
        return out
    }

    /// Features of `item` under a test condition (not cached unless clean).
    func features(of item: TrainingItem, condition: TestCondition) throws -> FeatureMatrix {
        guard condition != .clean else { return try features(of: item) }
        return try features(of: item, augment: { try condition.apply($0, sampleRate: self.config.sampleRate, id: item.id) })
    }

    /// Features of `item`, played at `speed`, changed by `augment` (when given), scaled by
    /// `gain` and computed with the mel filterbank warped by `vtlnWarp`.
    func features(of item: TrainingItem, speed: Double = 1, gain: Float = 1, vtlnWarp: Double = 1,
                  augment: (([Float]) throws -> [Float])? = nil) throws -> FeatureMatrix {
        let plain = speed == 1 && gain == 1 && vtlnWarp == 1 && augment == nil
        if plain, let cached = features[item.id] { return cached }
        var x = try audio(of: item)
        // Kaldi's speed perturbation: the samples are taken to be at rate × speed and
        // resampled back to the rate, so the audio is faster (or slower) and higher (lower).
        if speed != 1 { x = try Perturbation.speed(x, factor: speed, sampleRate: config.sampleRate, quality: .mediumSinc) }
        if let augment { x = try augment(x) }
        if gain != 1 { for i in x.indices { x[i] *= gain } }
        let f = try pipeline.features(ofSamples: x, sampleRate: config.sampleRate, name: item.parts.joined(separator: "+"),
                                      vtlnWarp: vtlnWarp)
        if plain && cacheFeatures && item.parts.count == 1 { features[item.id] = f }
        return f
    }
}

/// A bounded queue between the thread that prepares batches and the trainer.
final class BatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [Result<Batch, Error>] = []
    private var finished = false
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Blocks while full. Returns false if the consumer has cancelled.
    func put(_ item: Result<Batch, Error>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        queue.append(item)
        condition.broadcast()
        return true
    }

    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, or nil when the producer has finished. Blocks while empty.
    func take() -> Result<Batch, Error>? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        guard !queue.isEmpty else { return nil }
        let item = queue.removeFirst()
        condition.broadcast()
        return item
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Prepares one epoch's batches on a background thread: features (cached or with augmentation)
/// and SpecAugment, in the order `plan` gives. Everything random about an item (speed, gain,
/// SpecAugment, and the dropout seed that goes into its batch) comes from its own seed in
/// `seeds`, so an epoch is the same whenever it is run with the same seed (what makes --resume
/// exact), and an item is treated the same whichever batch or process it lands in (what makes
/// N processes train as one).
final class EpochProducer: @unchecked Sendable {
    private let source: FeatureSource
    private let training: TrainingConfig
    private let augmenter: Augmenter?
    private let outputFrames: @Sendable (Int) -> Int
    let queue = BatchQueue(capacity: 4)

    /// `augmenter`: used by this producer's thread only (it caches noise recordings).
    /// `outputFrames`: the model's output frames for a number of feature frames.
    init(source: FeatureSource, training: TrainingConfig, augmenter: Augmenter? = nil, outputFrames: @escaping @Sendable (Int) -> Int) {
        self.outputFrames = outputFrames
        self.source = source
        self.training = training
        self.augmenter = augmenter
    }

    /// `plan`: lists of indices into `items`, one per batch; `seeds`: one per item.
    func start(items: [TrainingItem], plan: [[Int]], seeds: [UInt64]) {
        precondition(seeds.count == items.count)
        let thread = Thread { [self] in
            for indices in plan {
                let result = Result { () throws -> Batch in
                    var prepared: [(id: String, features: FeatureMatrix, labels: [Int], seed: UInt64)] = []
                    for i in indices {
                        let item = items[i]
                        var rng = SeededRandom(seed: seeds[i])
                        let speed = training.speedPerturb.isEmpty ? 1 : training.speedPerturb[Int(rng.next() % UInt64(training.speedPerturb.count))]
                        var gain: Float = 1
                        if training.volumePerturb.count == 2 {
                            gain = Float(training.volumePerturb[0] + Double(rng.uniform()) * (training.volumePerturb[1] - training.volumePerturb[0]))
                        }
                        let warp = augmenter?.vtlnWarp(rng: &rng) ?? 1
                        var f = try source.features(of: item, speed: speed, gain: gain, vtlnWarp: warp,
                                                    augment: augmenter.map { a in { try a.apply($0, rng: &rng) } })
                        // Sped up, an utterance may no longer hold its transcript: leave it out, so
                        // that every loss the trainer sees is finite unless training diverges.
                        guard outputFrames(f.rows) >= ctcMinimumFrames(item.labels) else { continue }
                        if training.specAugment.enabled { training.specAugment.apply(to: &f, rng: &rng) }
                        prepared.append((item.id, f, item.labels, rng.next()))
                    }
                    return Batch(seeded: prepared)
                }
                guard queue.put(result) else { return }
            }
            queue.finish()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
