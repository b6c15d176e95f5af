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

/// Kaldi's `ProcessWindow` on one frame of `window.count` samples, in place, in this order:
/// dither, DC removal, raw log energy, pre-emphasis, window. Returns the frame's log energy
/// (taken before pre-emphasis when `rawEnergy`, after the window otherwise), floored at
/// log(FLT_EPSILON) (Kaldi's floor, kept in double precision) and at log(energyFloor).
struct FrameProcessor {
    let window: [Double]
    let dither: Double
    let removeDC: Bool
    let preemphasis: Double
    let rawEnergy: Bool
    let logEnergyFloor: Double
    private var random: GaussianNoise

    init(config: FeatureConfig) {
        window = windowFunction(config.windowType, length: config.frameLength, blackmanCoeff: config.blackmanCoeff)
        dither = config.dither
        removeDC = config.removeDcOffset
        preemphasis = config.preemphasisCoefficient
        rawEnergy = config.rawEnergy
        logEnergyFloor = config.energyFloor > 0 ? log(config.energyFloor) : -Double.infinity
        random = GaussianNoise(seed: config.ditherSeed)
    }

    mutating func process(_ frame: UnsafeMutablePointer<Double>) -> Double {
        let n = window.count
        if dither != 0 {
            for i in 0..<n { frame[i] += dither * random.next() }
        }
        if removeDC {
            var sum: Double = 0
            for i in 0..<n { sum += frame[i] }
            let mean = sum / Double(n)
            for i in 0..<n { frame[i] -= mean }
        }
        var energy: Double = 0
        if rawEnergy { energy = sumOfSquares(frame, n) }
        if preemphasis != 0 {
            var i = n - 1
            while i > 0 {
                frame[i] -= preemphasis * frame[i - 1]
                i -= 1
            }
            frame[0] -= preemphasis * frame[0]
        }
        window.withUnsafeBufferPointer { w in
            for i in 0..<n { frame[i] *= w[i] }
        }
        if !rawEnergy { energy = sumOfSquares(frame, n) }
        return max(log(max(energy, Double(Float.ulpOfOne))), logEnergyFloor)
    }

    private func sumOfSquares(_ x: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
        var sum: Double = 0
        for i in 0..<n { sum += x[i] * x[i] }
        return sum
    }
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
