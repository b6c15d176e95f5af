import Foundation

/// A way a test set is changed to measure robustness: the same recordings, perturbed
/// deterministically (each utterance's randomness is seeded by its id), so that every run and
/// every model sees the same perturbed audio.
public enum TestCondition: Equatable, Sendable, CustomStringConvertible {
    /// The recordings as they are.
    case clean
    /// Pink noise at this SNR in dB, relative to the speech.
    case noise(snrDB: Double)
    /// Band-passed to 300-3400 Hz, 8 kHz, mu-law (`Perturbation.telephone`).
    case telephone
    /// 1-2 s of low-level noise (-55 to -45 dBFS) before and after the recording.
    case untrimmed
    /// Played this many times as fast (`Perturbation.speed`).
    case speed(factor: Double)

    /// The conditions of the robustness report: noise at 20, 10 and 5 dB, telephone band,
    /// untrimmed, and speed 0.9 and 1.1.
    public static let standard: [TestCondition] = [.noise(snrDB: 20), .noise(snrDB: 10), .noise(snrDB: 5), .telephone,
                                                   .untrimmed, .speed(factor: 0.9), .speed(factor: 1.1)]

    /// Parses "clean", "noise:20", "telephone", "untrimmed", "speed:1.1".
    public init(_ text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let value = parts.count == 2 ? Double(parts[1]) : nil
        switch (parts[0], value) {
        case ("clean", nil): self = .clean
        case ("telephone", nil): self = .telephone
        case ("untrimmed", nil): self = .untrimmed
        case ("noise", let snr?) where (-10...60).contains(snr): self = .noise(snrDB: snr)
        case ("speed", let f?) where (0.5...2).contains(f): self = .speed(factor: f)
        default:
            throw ConfigError(path: "--condition \(text)",
                              message: "expected clean, noise:SNR (dB, -10 to 60), telephone, untrimmed or speed:FACTOR (0.5 to 2)")
        }
    }

    public var description: String {
        switch self {
        case .clean: return "clean"
        case .noise(let snr): return "noise \(formatted(snr)) dB"
        case .telephone: return "telephone"
        case .untrimmed: return "untrimmed"
        case .speed(let f): return "speed \(formatted(f))"
        }
    }

    /// `x` (at `sampleRate`) under this condition; `id` seeds whatever is random.
    public func apply(_ x: [Float], sampleRate: Int, id: String) throws -> [Float] {
        var rng = SeededRandom(seed: fnv1a(id))
        switch self {
        case .clean: return x
        case .noise(let snr):
            let n = Perturbation.noise(count: x.count, color: .pink, rng: &rng)
            return Perturbation.addNoise(x, snrDB: snr, noise: n, sampleRate: sampleRate)
        case .telephone: return try Perturbation.telephone(x, sampleRate: sampleRate)
        case .untrimmed:
            let before = 1 + Double(rng.uniform()), after = 1 + Double(rng.uniform())
            return Perturbation.pad(x, leading: before, trailing: after, levelDB: -55 + 10 * Double(rng.uniform()),
                                    sampleRate: sampleRate, rng: &rng)
        case .speed(let f): return try Perturbation.speed(x, factor: f, sampleRate: sampleRate)
        }
    }
}

private func formatted(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }

/// FNV-1a of the UTF-8 bytes (no terminator): a seed that is the same on every run and
/// machine (Swift's `hashValue` is randomised per process).
func fnv1a(_ s: String) -> UInt64 {
    var h = FNVHash()
    for byte in s.utf8 { h.add(byte) }
    return h.value
}
