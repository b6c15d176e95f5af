/// A small seeded generator (SplitMix64) for weight initialisation, dropout and shuffling, so
/// that a run is reproduced exactly by its seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// `count` values uniform in [-bound, bound).
    public mutating func uniformArray(_ count: Int, bound: Float) -> [Float] {
        (0..<count).map { _ in (uniform() * 2 - 1) * bound }
    }
}
