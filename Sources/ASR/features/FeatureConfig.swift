/// How audio becomes feature vectors: the `features` section of a recipe.
///
/// Every field has Kaldi's default (`compute-mfcc-feats` / `compute-fbank-feats`), except
/// `dither`, which is 0 here so that features are reproducible. Samples are scaled to the
/// 16-bit integer range before framing, as Kaldi reads WAV files, so log energies and C0 match
/// Kaldi's. JSON keys are the snake_case names below; a missing key takes its default.
public struct FeatureConfig: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Mel-frequency cepstral coefficients (`num_ceps` per frame).
        case mfcc
        /// Log mel filterbank energies (`num_mel_bins` per frame).
        case fbank
    }

    public enum Window: String, Codable, Sendable, CaseIterable {
        case povey, hamming, hanning, rectangular, blackman
    }

    public enum CMVNMode: String, Codable, Sendable, CaseIterable {
        /// No normalisation.
        case none
        /// Mean (and, with `cmvn_norm_vars`, variance) of each utterance.
        case utterance
        /// Statistics of a whole data set, the same for every utterance: read from
        /// `cmvn_stats` (written by `asr cmvn-stats`), or, when that is not given, gathered
        /// by `asr train` over the training set. Either way the model's checkpoints carry them.
        case global
    }

    /// `mfcc` or `fbank`. Default `mfcc`.
    public var type: Kind = .mfcc
    /// Rate the audio is resampled to before framing, in Hz. Default 16000 (Kaldi's).
    public var sampleRate: Int = 16_000
    /// Window length in milliseconds. Default 25.
    public var frameLengthMs: Double = 25
    /// Hop between frames in milliseconds. Default 10.
    public var frameShiftMs: Double = 10
    /// Standard deviation of Gaussian noise added to each sample (16-bit scale). Default 0.
    public var dither: Double = 0
    /// Seed of the dither noise. Default 0.
    public var ditherSeed: UInt64 = 0
    /// Subtract each frame's mean before pre-emphasis. Default true.
    public var removeDcOffset: Bool = true
    /// Pre-emphasis coefficient: x[i] -= c * x[i-1]. Default 0.97; 0 turns it off.
    public var preemphasisCoefficient: Double = 0.97
    /// Window function. Default `povey` (Hann to the power 0.85).
    public var windowType: Window = .povey
    /// Coefficient of the `blackman` window. Default 0.42.
    public var blackmanCoeff: Double = 0.42
    /// Zero-pad each frame to the next power of two for the FFT. Default true.
    public var roundToPowerOfTwo: Bool = true
    /// true: only frames that fit wholly in the signal; false: frames centred on multiples of
    /// the shift, with the signal reflected at its ends. Default true.
    public var snipEdges: Bool = true
    /// Mel bins. nil (default) means 23 for `mfcc` and 80 for `fbank`.
    public var numMelBins: Int? = nil
    /// Lowest frequency of the mel filterbank in Hz. Default 20.
    public var lowFreq: Double = 20
    /// Highest frequency in Hz; 0 or negative counts down from the Nyquist frequency. Default 0.
    public var highFreq: Double = 0
    /// Cepstra kept by `mfcc`, C0 included. Default 13.
    public var numCeps: Int = 13
    /// Cepstral liftering coefficient Q (0 turns it off). Default 22.
    public var cepstralLifter: Double = 22
    /// `mfcc`: log energy in place of C0; `fbank`: log energy as an extra first column. Default false.
    public var useEnergy: Bool = false
    /// Energy taken before pre-emphasis and windowing (true) or after (false). Default true.
    public var rawEnergy: Bool = true
    /// Floor of the energy (not its log); 0 means none. Default 0.
    public var energyFloor: Double = 0
    /// `fbank`: log of the mel energies (true) or the energies themselves. Default true.
    public var useLogFbank: Bool = true
    /// Power spectrum (true) or magnitude spectrum (false). Default true.
    public var usePower: Bool = true
    /// Append deltas up to this order (0: none, 2: deltas and delta-deltas). Default 0.
    public var deltaOrder: Int = 0
    /// Half-width of the delta regression window. Default 2.
    public var deltaWindow: Int = 2
    /// Cepstral mean (and variance) normalisation. Default `none`.
    public var cmvn: CMVNMode = .none
    /// Normalise variance as well as mean. Default false (Kaldi's `apply-cmvn`).
    public var cmvnNormVars: Bool = false
    /// Path of global statistics (JSON written by `asr cmvn-stats`), for `cmvn: global`.
    /// Default none: `asr train` gathers them over the training set.
    public var cmvnStats: String? = nil
    /// The global statistics themselves. `asr train` fills this in (from `cmvn_stats` or the
    /// training set) and so stores them in every checkpoint: a model needs no other file.
    public var cmvnStatistics: CMVNStats? = nil

    public init() {}

    /// Mel bins in effect (`num_mel_bins` or the default of the type).
    public var melBins: Int { numMelBins ?? (type == .mfcc ? 23 : 80) }
    /// Samples per frame.
    public var frameLength: Int { Int(Double(sampleRate) * frameLengthMs / 1000) }
    /// Samples between frame starts.
    public var frameShift: Int { Int(Double(sampleRate) * frameShiftMs / 1000) }
    /// FFT length.
    public var paddedLength: Int {
        roundToPowerOfTwo ? FeatureConfig.nextPowerOfTwo(frameLength) : frameLength
    }
    /// Frames of a signal of `samples` samples (Kaldi's NumFrames): with `snip_edges`, the frames
    /// that fit wholly; without, one per shift, rounded to the nearest.
    public func frameCount(samples: Int) -> Int {
        if snipEdges { return samples < frameLength ? 0 : 1 + (samples - frameLength) / frameShift }
        return (samples + frameShift / 2) / frameShift
    }

    /// Dimensions of the base feature (before deltas).
    public var baseDimension: Int {
        switch type {
        case .mfcc: return numCeps
        case .fbank: return melBins + (useEnergy ? 1 : 0)
        }
    }
    /// Dimensions of the output, deltas included.
    public var dimension: Int { baseDimension * (deltaOrder + 1) }

    static func nextPowerOfTwo(_ n: Int) -> Int {
        var p = 1
        while p < n { p <<= 1 }
        return p
    }

    /// Checks the values against each other; errors name the key.
    public func validate() throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(path: "features.\(key)", message: message) }
        if !SampleRateLimits.range.contains(sampleRate) {
            throw fail("sample_rate", "\(sampleRate) Hz is out of range (expected \(SampleRateLimits.range.lowerBound) to \(SampleRateLimits.range.upperBound) Hz)")
        }
        // Ranges first, each a closed range (NaN is in none): the sizes below are derived from
        // these, and a stranger's file (a checkpoint's metadata) may hold anything.
        if !(0.1...1000).contains(frameLengthMs) { throw fail("frame_length_ms", "expected 0.1 to 1000 ms, got \(frameLengthMs)") }
        if !(0.1...1000).contains(frameShiftMs) { throw fail("frame_shift_ms", "expected 0.1 to 1000 ms, got \(frameShiftMs)") }
        if !(3...1024).contains(melBins) { throw fail("num_mel_bins", "expected 3 to 1024, got \(melBins)") }
        if !(0...1000).contains(dither) { throw fail("dither", "expected 0 to 1000, got \(dither)") }
        if !(0...10_000).contains(cepstralLifter) { throw fail("cepstral_lifter", "expected 0 to 10000, got \(cepstralLifter)") }
        if !(0...1e30).contains(energyFloor) { throw fail("energy_floor", "expected 0 to 1e30, got \(energyFloor)") }
        if !(0...1).contains(blackmanCoeff) { throw fail("blackman_coeff", "expected 0 to 1, got \(blackmanCoeff)") }
        if !lowFreq.isFinite { throw fail("low_freq", "expected a number of Hz, got \(lowFreq)") }
        if !highFreq.isFinite { throw fail("high_freq", "expected a number of Hz, got \(highFreq)") }
        if frameLength < 2 { throw fail("frame_length_ms", "gives \(frameLength) samples per frame; expected at least 2") }
        if frameShift < 1 { throw fail("frame_shift_ms", "gives \(frameShift) samples; expected at least 1") }
        if !(0...1).contains(preemphasisCoefficient) { throw fail("preemphasis_coefficient", "expected 0 to 1, got \(preemphasisCoefficient)") }
        let nyquist = Double(sampleRate) / 2
        let high = highFreq > 0 ? highFreq : nyquist + highFreq
        if lowFreq < 0 || lowFreq >= nyquist { throw fail("low_freq", "expected 0 to \(nyquist) Hz (Nyquist), got \(lowFreq)") }
        if high <= lowFreq || high > nyquist {
            throw fail("high_freq", "gives \(high) Hz; expected above low_freq (\(lowFreq) Hz) and at most Nyquist (\(nyquist) Hz)")
        }
        if type == .mfcc && (numCeps < 1 || numCeps > melBins) {
            throw fail("num_ceps", "expected 1 to num_mel_bins (\(melBins)), got \(numCeps)")
        }
        if !(0...4).contains(deltaOrder) { throw fail("delta_order", "expected 0 to 4, got \(deltaOrder)") }
        if !(1...10).contains(deltaWindow) { throw fail("delta_window", "expected 1 to 10, got \(deltaWindow)") }
        if let stats = cmvnStatistics, stats.dimension != dimension {
            throw fail("cmvn_statistics", "statistics of \(stats.dimension) dims; these features have \(dimension)")
        }
    }
}

extension FeatureConfig {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, sampleRate = "sample_rate", frameLengthMs = "frame_length_ms", frameShiftMs = "frame_shift_ms"
        case dither, ditherSeed = "dither_seed", removeDcOffset = "remove_dc_offset"
        case preemphasisCoefficient = "preemphasis_coefficient", windowType = "window_type"
        case blackmanCoeff = "blackman_coeff", roundToPowerOfTwo = "round_to_power_of_two", snipEdges = "snip_edges"
        case numMelBins = "num_mel_bins", lowFreq = "low_freq", highFreq = "high_freq", numCeps = "num_ceps"
        case cepstralLifter = "cepstral_lifter", useEnergy = "use_energy", rawEnergy = "raw_energy"
        case energyFloor = "energy_floor", useLogFbank = "use_log_fbank", usePower = "use_power"
        case deltaOrder = "delta_order", deltaWindow = "delta_window"
        case cmvn, cmvnNormVars = "cmvn_norm_vars", cmvnStats = "cmvn_stats", cmvnStatistics = "cmvn_statistics"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = FeatureConfig()
        type = try c.value(.type, or: d.type)
        sampleRate = try c.value(.sampleRate, or: d.sampleRate)
        frameLengthMs = try c.value(.frameLengthMs, or: d.frameLengthMs)
        frameShiftMs = try c.value(.frameShiftMs, or: d.frameShiftMs)
        dither = try c.value(.dither, or: d.dither)
        ditherSeed = try c.value(.ditherSeed, or: d.ditherSeed)
        removeDcOffset = try c.value(.removeDcOffset, or: d.removeDcOffset)
        preemphasisCoefficient = try c.value(.preemphasisCoefficient, or: d.preemphasisCoefficient)
        windowType = try c.value(.windowType, or: d.windowType)
        blackmanCoeff = try c.value(.blackmanCoeff, or: d.blackmanCoeff)
        roundToPowerOfTwo = try c.value(.roundToPowerOfTwo, or: d.roundToPowerOfTwo)
        snipEdges = try c.value(.snipEdges, or: d.snipEdges)
        numMelBins = try c.decodeIfPresent(Int.self, forKey: .numMelBins)
        lowFreq = try c.value(.lowFreq, or: d.lowFreq)
        highFreq = try c.value(.highFreq, or: d.highFreq)
        numCeps = try c.value(.numCeps, or: d.numCeps)
        cepstralLifter = try c.value(.cepstralLifter, or: d.cepstralLifter)
        useEnergy = try c.value(.useEnergy, or: d.useEnergy)
        rawEnergy = try c.value(.rawEnergy, or: d.rawEnergy)
        energyFloor = try c.value(.energyFloor, or: d.energyFloor)
        useLogFbank = try c.value(.useLogFbank, or: d.useLogFbank)
        usePower = try c.value(.usePower, or: d.usePower)
        deltaOrder = try c.value(.deltaOrder, or: d.deltaOrder)
        deltaWindow = try c.value(.deltaWindow, or: d.deltaWindow)
        cmvn = try c.value(.cmvn, or: d.cmvn)
        cmvnNormVars = try c.value(.cmvnNormVars, or: d.cmvnNormVars)
        cmvnStats = try c.decodeIfPresent(String.self, forKey: .cmvnStats)
        cmvnStatistics = try c.decodeIfPresent(CMVNStats.self, forKey: .cmvnStatistics)
    }
}
