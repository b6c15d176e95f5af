import Foundation

/// Triangular mel filterbank, as Kaldi's `MelBanks` builds it (without VTLN).
///
/// mel(f) = 1127 ln(1 + f / 700). The band [low, high] is cut into `count + 1` equal mel
/// steps; filter b rises from mel_low + b·step to its peak at one step more and falls to zero
/// at two steps more. Weights are taken at the FFT bin centres k·rate/N for k < N/2 (the
/// Nyquist bin gets none, as in Kaldi). Each filter keeps only its non-zero span.
struct MelBanks {
    let count: Int
    /// First FFT bin of each filter.
    private let firstBin: [Int]
    /// Where each filter's weights start in `weights`, plus one end marker.
    private let weightStart: [Int]
    private let weights: [Double]

    static func mel(_ hz: Double) -> Double { 1127 * log(1 + hz / 700) }

    init(count: Int, fftLength: Int, sampleRate: Int, lowFreq: Double, highFreq: Double) {
        self.count = count
        let fftBins = fftLength / 2
        let nyquist = Double(sampleRate) / 2
        let high = highFreq > 0 ? highFreq : nyquist + highFreq
        let binWidth = Double(sampleRate) / Double(fftLength)
        let melLow = MelBanks.mel(lowFreq), melHigh = MelBanks.mel(high)
        let step = (melHigh - melLow) / Double(count + 1)

        var firstBin: [Int] = [], weightStart: [Int] = [], weights: [Double] = []
        for b in 0..<count {
            let left = melLow + Double(b) * step
            let center = left + step
            let right = center + step
            weightStart.append(weights.count)
            var first = -1
            for k in 0..<fftBins {
                let m = MelBanks.mel(binWidth * Double(k))
                guard m > left && m < right else {
                    if first >= 0 { break }
                    continue
                }
                if first < 0 { first = k }
                let w = m <= center ? (m - left) / (center - left) : (right - m) / (right - center)
                weights.append(w)
            }
            firstBin.append(max(first, 0))
        }
        weightStart.append(weights.count)
        self.firstBin = firstBin
        self.weightStart = weightStart
        self.weights = weights
    }

    /// out[b] = sum_k weight[b][k] * spectrum[k], for the `count` filters.
    func apply(_ spectrum: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        weights.withUnsafeBufferPointer { w in
            for b in 0..<count {
                let start = weightStart[b], end = weightStart[b + 1]
                let s = spectrum + firstBin[b] - start
                var sum: Double = 0
                for i in start..<end { sum += w[i] * s[i] }
                out[b] = sum
            }
        }
    }
}
