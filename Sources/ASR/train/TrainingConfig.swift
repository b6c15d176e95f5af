/// The `training` section of a recipe: how the model is fitted.
public struct TrainingConfig: Codable, Equatable, Sendable {
    /// Passes over the training set. Default 30.
    public var epochs: Int = 30
    /// Utterances per batch. Default 32.
    public var batchSize: Int = 32
    /// Cap on padded frames per batch (T_max × B); long batches are split. nil (default): none.
    public var maxFramesPerBatch: Int? = nil
    /// Default: AdamW, lr 1e-3.
    public var optimizer = OptimizerConfig()
    /// Default: constant.
    public var schedule = ScheduleConfig()
    /// Clip the global gradient norm to this; 0 turns clipping off. Default 1.0.
    public var clipNorm: Double = 1.0
    /// Seed of shuffling, augmentation and dropout. Default 0.
    public var seed: UInt64 = 0
    /// Threads: 2 runs the two directions of each layer in parallel and extracts features
    /// on a second thread. Default 2.
    public var threads: Int = 2
    /// SpecAugment on the features. Default: none.
    public var specAugment = SpecAugmentConfig()
    /// Speed perturbation factors, one drawn per utterance and epoch (resampling, as Kaldi's
    /// 3-way speed perturbation). Default [] (none); e.g. [0.9, 1.0, 1.1].
    public var speedPerturb: [Double] = []
    /// Volume perturbation: a gain drawn uniformly in [low, high] per utterance. Default [] (none).
    public var volumePerturb: [Double] = []
    /// Noise, reverberation, telephone band and silence added to the audio. Default: none.
    public var augment = AugmentConfig()
    /// Stop when the validation WER has not improved for this many epochs; 0 turns it off. Default 10.
    public var earlyStoppingPatience: Int = 10
    /// Average the weights of the last N epochs into `averaged.safetensors` (checkpoint
    /// averaging) and score that model in the report instead of `best.safetensors`; the last
    /// max(2, N) epochs' files are kept for it. 0 turns it off. Default 0.
    public var averageLast: Int = 0
    /// Largest share of a data set that may be unusable (missing files, bad transcripts)
    /// before training refuses to start. Default 0.05.
    public var maxBadShare: Double = 0.05

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case epochs, batchSize = "batch_size", maxFramesPerBatch = "max_frames_per_batch", optimizer, schedule
        case clipNorm = "clip_norm", seed, threads, specAugment = "spec_augment", speedPerturb = "speed_perturb"
        case volumePerturb = "volume_perturb", earlyStoppingPatience = "early_stopping_patience", maxBadShare = "max_bad_share"
        case augment, averageLast = "average_last"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainingConfig()
        epochs = try c.value(.epochs, or: d.epochs)
        batchSize = try c.value(.batchSize, or: d.batchSize)
        maxFramesPerBatch = try c.decodeIfPresent(Int.self, forKey: .maxFramesPerBatch)
        optimizer = try c.value(.optimizer, or: d.optimizer)
        schedule = try c.value(.schedule, or: d.schedule)
        clipNorm = try c.value(.clipNorm, or: d.clipNorm)
        seed = try c.value(.seed, or: d.seed)
        threads = try c.value(.threads, or: d.threads)
        specAugment = try c.value(.specAugment, or: d.specAugment)
        speedPerturb = try c.value(.speedPerturb, or: d.speedPerturb)
        volumePerturb = try c.value(.volumePerturb, or: d.volumePerturb)
        augment = try c.value(.augment, or: d.augment)
        earlyStoppingPatience = try c.value(.earlyStoppingPatience, or: d.earlyStoppingPatience)
        maxBadShare = try c.value(.maxBadShare, or: d.maxBadShare)
        averageLast = try c.value(.averageLast, or: d.averageLast)
    }

    public func validate() throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(path: "training.\(key)", message: message) }
        if epochs < 1 { throw fail("epochs", "expected a positive integer, got \(epochs)") }
        if batchSize < 1 { throw fail("batch_size", "expected a positive integer, got \(batchSize)") }
        if let m = maxFramesPerBatch, m < 1 { throw fail("max_frames_per_batch", "expected a positive integer, got \(m)") }
        if !(clipNorm >= 0) { throw fail("clip_norm", "expected 0 (off) or a positive number, got \(clipNorm)") }
        if !(1...2).contains(threads) { throw fail("threads", "expected 1 or 2, got \(threads)") }
        for (i, s) in speedPerturb.enumerated() where !(0.5...2).contains(s) {
            throw fail("speed_perturb[\(i)]", "expected a factor between 0.5 and 2, got \(s)")
        }
        if !volumePerturb.isEmpty && (volumePerturb.count != 2 || volumePerturb[0] <= 0 || volumePerturb[0] > volumePerturb[1] || volumePerturb[1] > 10) {
            throw fail("volume_perturb", "expected [low, high] with 0 < low <= high <= 10, got \(volumePerturb)")
        }
        if earlyStoppingPatience < 0 { throw fail("early_stopping_patience", "expected 0 (off) or more, got \(earlyStoppingPatience)") }
        if !(0...epochs).contains(averageLast) {
            throw fail("average_last", "expected 0 (off) to the number of epochs (\(epochs)), got \(averageLast)")
        }
        if !(0...1).contains(maxBadShare) { throw fail("max_bad_share", "expected 0 to 1, got \(maxBadShare)") }
        try specAugment.validate()
        try augment.validate()
        do { try optimizer.validate(); try schedule.validate() } catch let e as ConfigError {
            throw ConfigError(path: "training." + e.path, message: e.message)
        }
    }
}

/// SpecAugment (Park et al. 2019) on the feature matrix of each training utterance: up to
/// `freq_masks` bands of at most `freq_width` feature dimensions and up to `time_masks` spans
/// of at most `time_width` frames (never more than `max_time_share` of the utterance) are set
/// to zero (the mean after CMVN). Defaults: all 0, off.
public struct SpecAugmentConfig: Codable, Equatable, Sendable {
    public var freqMasks: Int = 0
    public var freqWidth: Int = 0
    public var timeMasks: Int = 0
    public var timeWidth: Int = 0
    public var maxTimeShare: Double = 0.2

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case freqMasks = "freq_masks", freqWidth = "freq_width", timeMasks = "time_masks", timeWidth = "time_width"
        case maxTimeShare = "max_time_share"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SpecAugmentConfig()
        freqMasks = try c.value(.freqMasks, or: d.freqMasks)
        freqWidth = try c.value(.freqWidth, or: d.freqWidth)
        timeMasks = try c.value(.timeMasks, or: d.timeMasks)
        timeWidth = try c.value(.timeWidth, or: d.timeWidth)
        maxTimeShare = try c.value(.maxTimeShare, or: d.maxTimeShare)
    }

    public var enabled: Bool { (freqMasks > 0 && freqWidth > 0) || (timeMasks > 0 && timeWidth > 0) }

    public func validate() throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(path: "training.spec_augment.\(key)", message: message) }
        // Upper bounds too: a width is drawn as rng % (width + 1), and each mask is a loop.
        for (key, v, most) in [("freq_masks", freqMasks, 100), ("freq_width", freqWidth, 10_000),
                               ("time_masks", timeMasks, 100), ("time_width", timeWidth, 10_000)] where !(0...most).contains(v) {
            throw fail(key, "expected 0 to \(most), got \(v)")
        }
        if !(0...1).contains(maxTimeShare) { throw fail("max_time_share", "expected 0 to 1, got \(maxTimeShare)") }
    }

    /// Masks `features` (T, D) in place.
    public func apply(to features: inout FeatureMatrix, rng: inout SeededRandom) {
        let t = features.rows, d = features.cols
        guard t > 0 else { return }
        for _ in 0..<freqMasks where freqWidth > 0 {
            let width = Int(rng.next() % UInt64(freqWidth + 1))
            let start = Int(rng.next() % UInt64(max(d - width, 0) + 1))
            for row in 0..<t { for j in start..<min(start + width, d) { features[row, j] = 0 } }
        }
        let maxWidth = min(timeWidth, Int(Double(t) * maxTimeShare))
        for _ in 0..<timeMasks where maxWidth > 0 {
            let width = Int(rng.next() % UInt64(maxWidth + 1))
            let start = Int(rng.next() % UInt64(max(t - width, 0) + 1))
            for row in start..<min(start + width, t) { for j in 0..<d { features[row, j] = 0 } }
        }
    }
}
