import Foundation

/// `training.augment` in a recipe: how each training utterance's audio is changed, on the fly
/// and seeded (each utterance draws from its own seed, so --resume and MPI stay exact). Every
/// part is off unless its probability is above 0. Applied in this order: leading and trailing
/// silence, reverberation, equalisation, noise, telephone band, and VTLP when the features are
/// computed (speed and volume perturbation and SpecAugment are the `training` keys of those
/// names).
public struct AugmentConfig: Codable, Equatable, Sendable {
    /// Noise added at a random SNR (relative to the speech).
    public struct Noise: Codable, Equatable, Sendable {
        /// Share of utterances that get noise. Default 0 (off).
        public var probability: Double = 0
        /// [low, high] SNR in dB, drawn uniformly. Default [5, 30].
        public var snrDB: [Double] = [5, 30]
        /// Generated noise colours to draw from. Default white, pink and brown.
        public var colors: [Perturbation.NoiseColor] = Perturbation.NoiseColor.allCases
        /// A folder of noise recordings (any format libsndfile reads): half the noisy
        /// utterances then get a random stretch of one of them. Default none.
        public var folder: String? = nil

        enum CodingKeys: String, CodingKey, CaseIterable { case probability, snrDB = "snr_db", colors, folder }
        public init() {}
        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self), d = Noise()
            probability = try c.value(.probability, or: d.probability)
            snrDB = try c.value(.snrDB, or: d.snrDB)
            colors = try c.value(.colors, or: d.colors)
            folder = try c.decodeIfPresent(String.self, forKey: .folder)
        }
    }

    /// Reverberation with a synthetic room impulse response.
    public struct Reverb: Codable, Equatable, Sendable {
        /// Default 0 (off).
        public var probability: Double = 0
        /// [low, high] reverberation time RT60 in seconds. Default [0.15, 0.7].
        public var rt60: [Double] = [0.15, 0.7]

        enum CodingKeys: String, CodingKey, CaseIterable { case probability, rt60 }
        public init() {}
        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self), d = Reverb()
            probability = try c.value(.probability, or: d.probability)
            rt60 = try c.value(.rt60, or: d.rt60)
        }
    }

    /// Silence, or low-level noise, before and after the utterance (an untrimmed recording).
    public struct Silence: Codable, Equatable, Sendable {
        /// Default 0 (off).
        public var probability: Double = 0
        /// [low, high] seconds on each side, drawn separately. Default [0.05, 1.5].
        public var seconds: [Double] = [0.05, 1.5]
        /// [low, high] level in dBFS of the noise that fills it. Default [-75, -45].
        public var levelDB: [Double] = [-75, -45]

        enum CodingKeys: String, CodingKey, CaseIterable { case probability, seconds, levelDB = "level_db" }
        public init() {}
        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self), d = Silence()
            probability = try c.value(.probability, or: d.probability)
            seconds = try c.value(.seconds, or: d.seconds)
            levelDB = try c.value(.levelDB, or: d.levelDB)
        }
    }

    /// Vocal tract length perturbation (Jaitly and Hinton, 2013): the mel filterbank is warped
    /// by a factor drawn per utterance (Kaldi's VTLN warp, see `MelBanks`), so one speaker
    /// sounds like speakers with shorter or longer vocal tracts. Unlike speed perturbation it
    /// leaves the timing and the pitch alone.
    public struct VTLP: Codable, Equatable, Sendable {
        /// Default 0 (off).
        public var probability: Double = 0
        /// [low, high] warp factor, drawn uniformly. Default [0.9, 1.1].
        public var warp: [Double] = [0.9, 1.1]

        enum CodingKeys: String, CodingKey, CaseIterable { case probability, warp }
        public init() {}
        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self), d = VTLP()
            probability = try c.value(.probability, or: d.probability)
            warp = try c.value(.warp, or: d.warp)
        }
    }

    /// Random equalisation: the colouring of another microphone, sound card or room. Three
    /// filters in series, each with its own gain drawn from `gain_db`: a low shelf (corner
    /// 150-600 Hz), a peak (300-3000 Hz, one octave wide) and a high shelf (corner 1-3 kHz),
    /// centre frequencies drawn log-uniformly. FSDD's speakers differ this way: george's share
    /// of energy at 3-4 kHz is 8-15 dB above the other five's (median over his recordings).
    public struct EQ: Codable, Equatable, Sendable {
        /// Default 0 (off).
        public var probability: Double = 0
        /// [low, high] gain in dB of each filter, drawn uniformly. Default [-15, 15].
        public var gainDB: [Double] = [-15, 15]

        enum CodingKeys: String, CodingKey, CaseIterable { case probability, gainDB = "gain_db" }
        public init() {}
        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self), d = EQ()
            probability = try c.value(.probability, or: d.probability)
            gainDB = try c.value(.gainDB, or: d.gainDB)
        }
    }

    public var noise = Noise()
    public var reverb = Reverb()
    public var eq = EQ()
    /// Share of utterances passed through a telephone line (`Perturbation.telephone`). Default 0.
    public var telephone: Double = 0
    public var silence = Silence()
    public var vtlp = VTLP()

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case noise, reverb, eq, telephone, silence, vtlp }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self), d = AugmentConfig()
        noise = try c.value(.noise, or: d.noise)
        reverb = try c.value(.reverb, or: d.reverb)
        eq = try c.value(.eq, or: d.eq)
        telephone = try c.value(.telephone, or: d.telephone)
        silence = try c.value(.silence, or: d.silence)
        vtlp = try c.value(.vtlp, or: d.vtlp)
    }

    /// Whether any part is on.
    public var enabled: Bool {
        noise.probability > 0 || reverb.probability > 0 || eq.probability > 0 || telephone > 0
            || silence.probability > 0 || vtlp.probability > 0
    }

    /// Checks every value; errors name the key under `training.augment`. The noise folder is
    /// checked where it is resolved (`ResolvedRecipe`, with `checkNoiseFolder`).
    public func validate() throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(path: "training.augment.\(key)", message: message) }
        func probability(_ p: Double, _ key: String) throws {
            if !(0...1).contains(p) { throw fail(key, "expected a probability from 0 to 1, got \(p)") }
        }
        func range(_ r: [Double], _ key: String, _ limits: ClosedRange<Double>, _ unit: String) throws {
            guard r.count == 2, limits.contains(r[0]), limits.contains(r[1]), r[0] <= r[1] else {
                throw fail(key, "expected [low, high] with \(limits.lowerBound) <= low <= high <= \(limits.upperBound)\(unit), got \(r)")
            }
        }
        try probability(noise.probability, "noise.probability")
        try range(noise.snrDB, "noise.snr_db", -5...60, " dB")
        if noise.colors.isEmpty { throw fail("noise.colors", "expected at least one of white, pink, brown") }
        try probability(reverb.probability, "reverb.probability")
        try range(reverb.rt60, "reverb.rt60", 0.05...3, " seconds")
        try probability(eq.probability, "eq.probability")
        try range(eq.gainDB, "eq.gain_db", -30...30, " dB")
        try probability(telephone, "telephone")
        try probability(silence.probability, "silence.probability")
        try range(silence.seconds, "silence.seconds", 0...10, " seconds")
        try range(silence.levelDB, "silence.level_db", -120...(-20), " dBFS")
        try probability(vtlp.probability, "vtlp.probability")
        try range(vtlp.warp, "vtlp.warp", 0.7...1.3, "")
    }

    /// Checks that `path`, the resolved `noise.folder`, is a folder that holds audio files.
    static func checkNoiseFolder(_ path: String) throws {
        func fail(_ message: String) -> ConfigError { ConfigError(path: "training.augment.noise.folder", message: message) }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            throw fail("no such folder '\(path)'")
        }
        if (try? TranscriptionInputs.expand([path])) == nil {
            throw fail("'\(path)' holds no audio files (\(TranscriptionInputs.audioExtensions.sorted().joined(separator: ", ")))")
        }
    }
}
