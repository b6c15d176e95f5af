import Foundation

/// Computes Kaldi-compatible MFCC or log-mel filterbank frames from samples, whole or streamed.
///
/// Per frame: samples × 32768 (Kaldi's 16-bit scale) -> `FrameProcessor` (dither, DC removal,
/// energy, pre-emphasis, window) -> zero-pad to the FFT length -> power spectrum (FFTW) ->
/// mel filterbank -> log -> for MFCC: DCT-II (orthonormal) to `num_ceps`, lifter, energy in C0.
/// The frame path runs in Double (see `PowerSpectrum`); the features are stored as Float.
///
/// Streaming: `accept` chunks as they are read and `finish` at the end; frames are emitted as
/// soon as their samples are in, so memory holds one frame of audio plus the output. All
/// buffers are allocated once in `init`. Not thread-safe: one computer per thread.
public final class FeatureComputer {
    public let config: FeatureConfig
    private let frameLength: Int, frameShift: Int
    /// Start of frame i is i * frameShift + firstFrameOffset (negative: reflected at the start).
    private let firstFrameOffset: Int
    private var processor: FrameProcessor
    private let fft: PowerSpectrum
    private let melBanks: MelBanks
    /// (numCeps, melBins) orthonormal DCT-II rows with the lifter folded in.
    private let dct: [Double]
    private var spectrum: [Double]     // (fftLength/2 + 1)
    private var melEnergies: [Double]  // (melBins)

    // Streaming state.
    private var head: [Float] = []       // the first frameLength samples, for reflection at the start
    private var pending: [Float] = []    // samples from pendingStart on
    private var pendingStart = 0
    private var samplesSeen = 0
    private var nextFrame = 0
    private var output: [Float] = []

    public init(config: FeatureConfig) throws {
        try config.validate()
        self.config = config
        frameLength = config.frameLength
        frameShift = config.frameShift
        firstFrameOffset = config.snipEdges ? 0 : frameShift / 2 - frameLength / 2
        processor = FrameProcessor(config: config)
        fft = PowerSpectrum(length: config.paddedLength)
        melBanks = MelBanks(count: config.melBins, fftLength: config.paddedLength, sampleRate: config.sampleRate,
                            lowFreq: config.lowFreq, highFreq: config.highFreq)
        spectrum = [Double](repeating: 0, count: config.paddedLength / 2 + 1)
        melEnergies = [Double](repeating: 0, count: config.melBins)
        dct = config.type == .mfcc
            ? FeatureComputer.dctMatrix(ceps: config.numCeps, bins: config.melBins, lifter: config.cepstralLifter) : []
    }

    /// Frames of a signal of `samples` samples.
    public func frameCount(samples: Int) -> Int {
        if config.snipEdges { return samples < frameLength ? 0 : 1 + (samples - frameLength) / frameShift }
        return (samples + frameShift / 2) / frameShift
    }

    /// All frames of a whole signal: (T, baseDimension).
    public func compute(_ samples: [Float]) -> FeatureMatrix {
        accept(samples)
        return finish()
    }

    /// Takes the next chunk of the signal and computes every frame that is now complete.
    public func accept(_ chunk: [Float]) {
        if head.count < frameLength { head.append(contentsOf: chunk.prefix(frameLength - head.count)) }
        pending.append(contentsOf: chunk)
        samplesSeen += chunk.count
        // A frame is complete once its last sample has arrived; its start may lie before 0
        // (reflected), never past what we hold.
        while frameStart(nextFrame) + frameLength <= samplesSeen {
            emitFrame(nextFrame, totalSamples: nil)
            nextFrame += 1
        }
        // Keep what the next frame needs, and the last frameLength samples for reflection at the end.
        let keepFrom = max(0, min(frameStart(nextFrame), samplesSeen - frameLength))
        if keepFrom > pendingStart {
            pending.removeFirst(keepFrom - pendingStart)
            pendingStart = keepFrom
        }
    }

    /// Computes the remaining frames (reflecting the signal at its end when `snip_edges` is
    /// false), returns all frames since the last `finish`, and resets for the next utterance.
    public func finish() -> FeatureMatrix {
        let total = frameCount(samples: samplesSeen)
        while nextFrame < total {
            emitFrame(nextFrame, totalSamples: samplesSeen)
            nextFrame += 1
        }
        let dim = config.baseDimension
        let result = FeatureMatrix(rows: output.count / dim, cols: dim, data: output)
        head = []; pending = []; pendingStart = 0; samplesSeen = 0; nextFrame = 0; output = []
        processor = FrameProcessor(config: config)
        return result
    }

    private func frameStart(_ i: Int) -> Int { i * frameShift + firstFrameOffset }

    /// Copies frame i (scaled to 16-bit range) into the FFT input, processes it and appends
    /// its features to `output`.
    private func emitFrame(_ i: Int, totalSamples: Int?) {
        let start = frameStart(i)
        let frame = fft.input
        let scale: Double = 32768
        if start >= pendingStart && start + frameLength <= pendingStart + pending.count {
            pending.withUnsafeBufferPointer { p in
                let src = p.baseAddress! + (start - pendingStart)
                for s in 0..<frameLength { frame[s] = Double(src[s]) * scale }
            }
        } else {
            // Kaldi's ExtractWindow: indices outside [0, N) reflect, repeatedly if need be.
            let n = totalSamples ?? samplesSeen
            for s in 0..<frameLength {
                var j = start + s
                while j < 0 || j >= n { j = j < 0 ? -j - 1 : 2 * n - 1 - j }
                frame[s] = Double(j < head.count ? head[j] : pending[j - pendingStart]) * scale
            }
        }
        for s in frameLength..<fft.length { frame[s] = 0 }

        let logEnergy = processor.process(frame)
        spectrum.withUnsafeMutableBufferPointer { spec in
            fft.compute(into: spec.baseAddress!, magnitude: !config.usePower)
            melEnergies.withUnsafeMutableBufferPointer { mel in
                melBanks.apply(spec.baseAddress!, into: mel.baseAddress!)
            }
        }
        appendFeatures(logEnergy: logEnergy)
    }

    private func appendFeatures(logEnergy: Double) {
        let bins = melEnergies.count
        let useLog = config.type == .mfcc || config.useLogFbank
        let floor = Double(Float.ulpOfOne)   // Kaldi floors energies at FLT_EPSILON before the log
        melEnergies.withUnsafeMutableBufferPointer { m in
            if useLog {
                for b in 0..<bins { m[b] = log(max(m[b], floor)) }
            }
            switch config.type {
            case .fbank:
                if config.useEnergy { output.append(Float(logEnergy)) }
                for b in 0..<bins { output.append(Float(m[b])) }
            case .mfcc:
                dct.withUnsafeBufferPointer { d in
                    for c in 0..<config.numCeps {
                        let row = d.baseAddress! + c * bins
                        var sum: Double = 0
                        for b in 0..<bins { sum += row[b] * m[b] }
                        output.append(Float(c == 0 && config.useEnergy ? logEnergy : sum))
                    }
                }
            }
        }
    }

    /// Rows c = 0..<ceps of the orthonormal DCT-II of size `bins` (Kaldi's `ComputeDctMatrix`),
    /// each scaled by the lifter 1 + Q/2 sin(π c / Q).
    static func dctMatrix(ceps: Int, bins: Int, lifter: Double) -> [Double] {
        var m = [Double](repeating: 0, count: ceps * bins)
        let n = Double(bins)
        for c in 0..<ceps {
            let norm = c == 0 ? (1 / n).squareRoot() : (2 / n).squareRoot()
            let lift = lifter > 0 ? 1 + 0.5 * lifter * sin(Double.pi * Double(c) / lifter) : 1
            for b in 0..<bins {
                m[c * bins + b] = norm * cos(Double.pi / n * (Double(b) + 0.5) * Double(c)) * lift
            }
        }
        return m
    }
}
