import Foundation

/// Energy-based voice activity detection: where in a recording someone speaks.
///
/// Each 10 ms block (one frame shift) gets its energy in dB, and a running median over
/// `medianBlocks` blocks removes blips of noise shorter than half of it (a step, as the start
/// of a word, stays where it is). The recording's noise floor is
/// the 10th percentile of those energies and its speech level the 95th; a block is speech
/// when it is `thresholdDB` above the floor and within `dynamicRangeDB` of the speech level,
/// or within `speechMarginDB` of the speech level in any case.
/// Pauses shorter than `minPauseSeconds` are bridged, bursts shorter than
/// `minSpeechSeconds` dropped, and every segment gets `paddingSeconds` of margin each side.
/// A recording with no clear floor (speech throughout, as a trimmed word is) is one segment.
public struct VADOptions: Sendable, Equatable {
    /// How far above the noise floor speech must be. Default 12 dB.
    public var thresholdDB: Double = 12
    /// Blocks more than this below the speech level are silence. Default 40 dB.
    public var dynamicRangeDB: Double = 40
    /// Blocks less than this below the speech level are speech. Default 10 dB.
    public var speechMarginDB: Double = 10
    /// Shorter pauses do not split a segment. Default 0.3 s.
    public var minPauseSeconds: Double = 0.3
    /// Shorter bursts are noise. Default 0.05 s.
    public var minSpeechSeconds: Double = 0.05
    /// Margin kept on each side of a segment: the quiet edges of words (an s, a k) fall
    /// below the threshold. Default 0.3 s.
    public var paddingSeconds: Double = 0.3
    /// Width of the running median over block energies (odd; 1 turns it off). Default 5 (50 ms):
    /// stationary noise 10-15 dB under quiet speech crosses the threshold in single 10 ms blocks,
    /// and bridged together those blips became segments the model read words into.
    public var medianBlocks: Int = 5

    public init() {}
}

/// Energies in dB of consecutive blocks of `blockSamples` samples, fed chunk by chunk.
struct EnergyMeter {
    let blockSamples: Int
    private(set) var energies: [Float] = []
    private var sum = 0.0, count = 0

    init(blockSamples: Int) { self.blockSamples = max(1, blockSamples) }

    mutating func accept(_ chunk: [Float]) {
        for x in chunk {
            sum += Double(x) * Double(x)
            count += 1
            if count == blockSamples {
                energies.append(Float(10 * log10(sum / Double(count) + 1e-10)))
                sum = 0
                count = 0
            }
        }
    }

    /// The energy of the last, partial block (if any) too.
    mutating func finish() {
        if count > 0 { energies.append(Float(10 * log10(sum / Double(count) + 1e-10))) }
        sum = 0
        count = 0
    }
}

/// The speech segments (ranges of block indices) of `energies` (dB per block of
/// `blockSeconds`), clamped to `0..<frames`.
func speechSegments(_ energies: [Float], blockSeconds: Double, frames: Int, options: VADOptions) -> [Range<Int>] {
    let n = min(energies.count, frames)
    guard n > 0 else { return [] }
    let smoothed = runningMedian(Array(energies[..<n]), width: options.medianBlocks)
    let sorted = energies[..<n].sorted()
    let floor = Double(sorted[n / 10]), level = Double(sorted[min(n - 1, n * 95 / 100)])
    // No contrast (speech throughout, or silence throughout): all one segment.
    if level - floor < options.thresholdDB { return [0..<n] }
    // Never above `speechMarginDB` below the speech level: in a trimmed word the 10th
    // percentile is speech too, and the floor + threshold would cut into it.
    let threshold = min(max(floor + options.thresholdDB, level - options.dynamicRangeDB), level - options.speechMarginDB)
    func blocks(_ seconds: Double) -> Int { Int((seconds / blockSeconds).rounded()) }

    // Runs of speech blocks.
    var runs: [Range<Int>] = []
    var start: Int?
    for i in 0..<n {
        let speech = Double(smoothed[i]) >= threshold
        if speech && start == nil { start = i }
        if !speech, let s = start { runs.append(s..<i); start = nil }
    }
    if let s = start { runs.append(s..<n) }
    // Bridge short pauses, then drop short bursts, then pad.
    var merged: [Range<Int>] = []
    for run in runs {
        if let last = merged.last, run.lowerBound - last.upperBound < blocks(options.minPauseSeconds) {
            merged[merged.count - 1] = last.lowerBound..<run.upperBound
        } else {
            merged.append(run)
        }
    }
    let pad = blocks(options.paddingSeconds)
    var segments: [Range<Int>] = []
    for run in merged where run.count >= blocks(options.minSpeechSeconds) {
        let padded = max(0, run.lowerBound - pad)..<min(n, run.upperBound + pad)
        if let last = segments.last, padded.lowerBound <= last.upperBound {
            segments[segments.count - 1] = last.lowerBound..<padded.upperBound
        } else {
            segments.append(padded)
        }
    }
    return segments
}

/// The median of each value's window of `width` values centred on it (shrunk at the ends).
func runningMedian(_ x: [Float], width: Int) -> [Float] {
    let half = max(0, width / 2)
    guard half > 0 else { return x }
    return x.indices.map { i in
        let window = x[max(0, i - half)...min(x.count - 1, i + half)].sorted()
        return window[(window.count - 1) / 2]   // the lower middle of an even window at the ends
    }
}
