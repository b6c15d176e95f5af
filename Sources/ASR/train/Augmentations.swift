import Foundation

/// One augmentation of `training.augment`: it changes an utterance's samples, with every random
/// draw from the utterance's own generator. Adding one: its recipe settings in `AugmentConfig`
/// (with their ranges), a type conforming here, and its place in `Augmenter.chain`.
protocol Augmentation {
    /// The chance that an utterance gets it; 0 turns it off (and then nothing is drawn).
    var probability: Double { get }
    func apply(_ x: [Float], sampleRate: Int, rng: inout SeededRandom) throws -> [Float]
}

extension SeededRandom {
    /// Uniform in [r[0], r[1]).
    mutating func draw(_ r: [Double]) -> Double { r[0] + Double(uniform()) * (r[1] - r[0]) }
}

/// Silence (quiet noise at a drawn level) before and after the utterance.
struct SilenceAugmentation: Augmentation {
    let config: AugmentConfig.Silence
    var probability: Double { config.probability }
    func apply(_ x: [Float], sampleRate: Int, rng: inout SeededRandom) throws -> [Float] {
        Perturbation.pad(x, leading: rng.draw(config.seconds), trailing: rng.draw(config.seconds),
                         levelDB: rng.draw(config.levelDB), sampleRate: sampleRate, rng: &rng)
    }
}

/// A synthetic room: the utterance convolved with an impulse response of drawn RT60.
struct ReverbAugmentation: Augmentation {
    let config: AugmentConfig.Reverb
    var probability: Double { config.probability }
    func apply(_ x: [Float], sampleRate: Int, rng: inout SeededRandom) throws -> [Float] {
        let h = Perturbation.roomImpulseResponse(rt60: rng.draw(config.rt60), sampleRate: sampleRate, rng: &rng)
        return Perturbation.reverberate(x, impulseResponse: h)
    }
}

/// Random equalisation: a low shelf, a peak and a high shelf with drawn corners and gains.
struct EqualisationAugmentation: Augmentation {
    let config: AugmentConfig.EQ
    var probability: Double { config.probability }
    func apply(_ x: [Float], sampleRate: Int, rng: inout SeededRandom) throws -> [Float] {
        func logUniform(_ low: Double, _ high: Double) -> Double { low * pow(high / low, Double(rng.uniform())) }
        let top = 0.45 * Double(sampleRate)
        let filters = [Biquad.lowShelf(corner: logUniform(150, 600), gainDB: rng.draw(config.gainDB), sampleRate: sampleRate),
                       Biquad.peak(center: logUniform(300, min(3000, top)), gainDB: rng.draw(config.gainDB), q: 1.41,
                                   sampleRate: sampleRate),
                       Biquad.highShelf(corner: logUniform(min(1000, top), min(3000, top)), gainDB: rng.draw(config.gainDB),
                                        sampleRate: sampleRate)]
        var y = x
        for filter in filters { y = filter.run(y) }
        return y
    }
}

/// Noise at a drawn SNR: a stretch of a noise recording (half the time, when the recipe
/// names a folder) or coloured noise.
final class NoiseAugmentation: Augmentation {
    let config: AugmentConfig.Noise
    private let files: [String]
    private var cache: [String: [Float]] = [:]
    var probability: Double { config.probability }

    init(config: AugmentConfig.Noise, files: [String]) {
        self.config = config
        self.files = files
    }

    func apply(_ x: [Float], sampleRate: Int, rng: inout SeededRandom) throws -> [Float] {
        let snr = rng.draw(config.snrDB)
        let noise: [Float]
        if !files.isEmpty && rng.uniform() < 0.5 {
            noise = try stretch(of: files[Int(rng.next() % UInt64(files.count))], count: x.count, sampleRate: sampleRate, rng: &rng)
        } else {
            let color = config.colors[Int(rng.next() % UInt64(config.colors.count))]
            noise = Perturbation.noise(count: x.count, color: color, rng: &rng)
        }
        return Perturbation.addNoise(x, snrDB: snr, noise: noise, sampleRate: sampleRate)
    }

    /// `count` samples of a noise recording from a random start (wrapping around).
    private func stretch(of path: String, count: Int, sampleRate: Int, rng: inout SeededRandom) throws -> [Float] {
        if cache[path] == nil { cache[path] = try AudioReader.read(path, sampleRate: sampleRate).samples }
        let noise = cache[path]!
        guard !noise.isEmpty else { return [] }
        let start = Int(rng.next() % UInt64(noise.count))
        return (0..<count).map { noise[(start + $0) % noise.count] }
    }
}

/// The telephone band: 300-3400 Hz through 8 kHz and back.
struct TelephoneAugmentation: Augmentation {
    let probability: Double
    func apply(_ x: [Float], sampleRate: Int, rng: inout SeededRandom) throws -> [Float] {
        try Perturbation.telephone(x, sampleRate: sampleRate)
    }
}

/// Applies an `AugmentConfig` to utterances: its augmentations in a fixed order, each with its
/// own chance. One per thread (the noise recordings are read once and kept).
final class Augmenter {
    let config: AugmentConfig
    let sampleRate: Int
    /// The order is part of what makes a run reproducible: changing it changes every draw.
    private let chain: [any Augmentation]

    /// `noiseFolder`: `noise.folder` resolved (`ResolvedRecipe.noiseFolder`), nil without one.
    init(config: AugmentConfig, sampleRate: Int, noiseFolder: String?) throws {
        self.config = config
        self.sampleRate = sampleRate
        let noiseFiles = try noiseFolder.map { try TranscriptionInputs.expand([$0]) } ?? []
        chain = [SilenceAugmentation(config: config.silence), ReverbAugmentation(config: config.reverb),
                 EqualisationAugmentation(config: config.eq), NoiseAugmentation(config: config.noise, files: noiseFiles),
                 TelephoneAugmentation(probability: config.telephone)]
    }

    /// The VTLN warp factor for one utterance's features (1 when VTLP is off or not drawn).
    func vtlnWarp(rng: inout SeededRandom) -> Double {
        let v = config.vtlp
        guard v.probability > 0, Double(rng.uniform()) < v.probability else { return 1 }
        return rng.draw(v.warp)
    }

    /// `x` changed as the configuration says, with every draw from `rng`.
    func apply(_ x: [Float], rng: inout SeededRandom) throws -> [Float] {
        var y = x
        for augmentation in chain where augmentation.probability > 0 && Double(rng.uniform()) < augmentation.probability {
            y = try augmentation.apply(y, sampleRate: sampleRate, rng: &rng)
        }
        return y
    }
}
