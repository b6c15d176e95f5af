import Foundation

/// The window function of `config.windowType`, `length` samples, as Kaldi's
/// `FeatureWindowFunction` computes it (symmetric: a = 2π / (length - 1)).
func windowFunction(_ type: FeatureConfig.Window, length: Int, blackmanCoeff: Double = 0.42) -> [Double] {
    let a = 2 * Double.pi / Double(length - 1)
    return (0..<length).map { i in
        let x = Double(i)
        switch type {
        case .hanning: return 0.5 - 0.5 * cos(a * x)
        case .hamming: return 0.54 - 0.46 * cos(a * x)
        case .povey: return pow(0.5 - 0.5 * cos(a * x), 0.85)
        case .rectangular: return 1
        case .blackman: return blackmanCoeff - 0.5 * cos(a * x) + (0.5 - blackmanCoeff) * cos(2 * a * x)
        }
    }
}

/// Kaldi's `ProcessWindow` on one frame of `window.count` samples: dither, DC removal, raw log
/// energy, pre-emphasis, window. Reads `frame` (modified in place by dither and DC removal) and
/// writes the windowed result to `out`. Returns the frame's log energy (taken before
/// pre-emphasis when `rawEnergy`, after the window otherwise), floored at log(FLT_EPSILON)
/// (Kaldi's floor) and at log(energyFloor).
struct FrameProcessor {
    let window: [Double]
    let dither: Double
    let removeDC: Bool
    let preemphasis: Double
    let rawEnergy: Bool
    let logEnergyFloor: Double
    private let ditherSeed: UInt64
    private var random: GaussianNoise

    init(config: FeatureConfig) {
        window = windowFunction(config.windowType, length: config.frameLength, blackmanCoeff: config.blackmanCoeff)
        dither = config.dither
        removeDC = config.removeDcOffset
        preemphasis = config.preemphasisCoefficient
        rawEnergy = config.rawEnergy
        logEnergyFloor = config.energyFloor > 0 ? log(config.energyFloor) : -Double.infinity
        ditherSeed = config.ditherSeed
        random = GaussianNoise(seed: config.ditherSeed)
    }

    /// Restarts the dither noise, so every utterance is processed the same way.
    mutating func reset() { random = GaussianNoise(seed: ditherSeed) }

    mutating func process(_ frame: UnsafeMutablePointer<Double>, into out: UnsafeMutablePointer<Double>) -> Double {
        let n = window.count
        if dither != 0 {
            for i in 0..<n { frame[i] += dither * random.next() }
        }
        if removeDC {
            let mean = sum(frame, n) / Double(n)
            for i in 0..<n { frame[i] -= mean }
        }
        var energy: Double = 0
        if rawEnergy { energy = sumOfSquares(frame, n) }
        // Pre-emphasis (x[i] - c x[i-1], and x[0] - c x[0]) and window in one pass.
        let c = preemphasis
        window.withUnsafeBufferPointer { w in
            out[0] = (frame[0] - c * frame[0]) * w[0]
            for i in 1..<n { out[i] = (frame[i] - c * frame[i &- 1]) * w[i] }
        }
        if !rawEnergy { energy = sumOfSquares(out, n) }
        return max(log(max(energy, Double(Float.ulpOfOne))), logEnergyFloor)
    }
}

/// Sum of x[0..<n] with four accumulators (a single one serialises on the add latency).
@inline(__always)
func sum(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
    var a = SIMD4<Double>.zero
    var i = 0
    while i &+ 4 <= n {
        a += SIMD4(x[i], x[i &+ 1], x[i &+ 2], x[i &+ 3])
        i &+= 4
    }
    var total = a.sum()
    while i < n { total += x[i]; i &+= 1 }
    return total
}

/// Sum of squares of x[0..<n], four accumulators.
@inline(__always)
func sumOfSquares(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
    var a = SIMD4<Double>.zero
    var i = 0
    while i &+ 4 <= n {
        let v = SIMD4(x[i], x[i &+ 1], x[i &+ 2], x[i &+ 3])
        a += v * v
        i &+= 4
    }
    var total = a.sum()
    while i < n { total += x[i] * x[i]; i &+= 1 }
    return total
}

/// Seeded standard normal noise (SplitMix64 + Box-Muller), for dithering.
struct GaussianNoise {
    private var state: UInt64
    private var spare: Double?

    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    private mutating func uniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Double(z >> 11) + 0.5) / Double(1 << 53)   // (0, 1)
    }

    mutating func next() -> Double {
        if let s = spare { spare = nil; return s }
        let r = (-2 * log(uniform())).squareRoot(), theta = 2 * Double.pi * uniform()
        spare = r * sin(theta)
        return r * cos(theta)
    }
}
