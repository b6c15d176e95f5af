import Foundation

/// Triangular mel filterbank, as Kaldi's `MelBanks` builds it.
///
/// mel(f) = 1127 ln(1 + f / 700). The band [low, high] is cut into `count + 1` equal mel
/// steps; filter b rises from mel_low + b·step to its peak at one step more and falls to zero
/// at two steps more. Weights are taken at the FFT bin centres k·rate/N for k < N/2 (the
/// Nyquist bin gets none, as in Kaldi). Each filter keeps only its non-zero span.
///
/// VTLN: with a warp factor α ≠ 1 the three corners of every filter are moved by Kaldi's
/// piecewise-linear `VtlnWarpFreq` (f/α between the cut-offs, straight lines to the band's
/// edges outside them), as a vocal tract α times as long would move the formants. Training
/// draws α per utterance (VTLP, `training.augment.vtlp`).
struct MelBanks {
    let count: Int
    /// First FFT bin of each filter.
    private let firstBin: [Int]
    /// Where each filter's weights start in `weights`, plus one end marker.
    private let weightStart: [Int]
    private let weights: [Double]

    static func mel(_ hz: Double) -> Double { 1127 * log(1 + hz / 700) }

    static func inverseMel(_ mel: Double) -> Double { 700 * (exp(mel / 1127) - 1) }

    /// Kaldi's `VtlnWarpFreq`: `hz` warped by `warp` inside [low, high]; `vtlnLow`/`vtlnHigh`
    /// are the cut-offs (Hz) where the slope 1/warp gives way to lines through the band's edges.
    static func vtlnWarp(_ hz: Double, warp: Double, low: Double, high: Double, vtlnLow: Double, vtlnHigh: Double) -> Double {
        guard hz >= low && hz <= high else { return hz }
        let l = vtlnLow * max(1, warp), h = vtlnHigh * min(1, warp)
        let scale = 1 / warp
        if hz < l { return low + (scale * l - low) / (l - low) * (hz - low) }
        if hz < h { return scale * hz }
        return high + (high - scale * h) / (high - h) * (hz - high)
    }

    /// `vtlnHigh` below 0 counts from the Nyquist frequency, as Kaldi's --vtln-high does.
    init(count: Int, fftLength: Int, sampleRate: Int, lowFreq: Double, highFreq: Double,
         vtlnWarp warp: Double = 1, vtlnLow: Double = 100, vtlnHigh: Double = -500) {
        self.count = count
        let fftBins = fftLength / 2
        let nyquist = Double(sampleRate) / 2
        let high = highFreq > 0 ? highFreq : nyquist + highFreq
        let binWidth = Double(sampleRate) / Double(fftLength)
        let melLow = MelBanks.mel(lowFreq), melHigh = MelBanks.mel(high)
        let step = (melHigh - melLow) / Double(count + 1)
        // Kaldi requires low < vtlnLow < vtlnHigh < high (and stops otherwise); a narrow band
        // (a low high_freq, say) gets its cut-offs moved just inside it instead.
        let cutLow = max(vtlnLow, lowFreq + 1)
        let cutHigh = min(vtlnHigh < 0 ? nyquist + vtlnHigh : vtlnHigh, high - 1)
        func warped(_ mel: Double) -> Double {
            guard warp != 1 else { return mel }
            let hz = MelBanks.vtlnWarp(MelBanks.inverseMel(mel), warp: warp, low: lowFreq, high: high,
                                       vtlnLow: cutLow, vtlnHigh: cutHigh)
            return MelBanks.mel(hz)
        }

        var firstBin: [Int] = [], weightStart: [Int] = [], weights: [Double] = []
        for b in 0..<count {
            let left = warped(melLow + Double(b) * step)
            let center = warped(melLow + Double(b + 1) * step)
            let right = warped(melLow + Double(b + 2) * step)
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
