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
    private var melBanks: MelBanks
    /// (melBins, numCeps): the orthonormal DCT-II with the lifter folded in, transposed so the
    /// per-frame product runs over independent accumulators.
    private let dct: [Double]
    // Per-frame buffers, allocated once.
    private let raw: UnsafeMutablePointer<Double>       // (frameLength) samples of the frame
    private let spectrum: UnsafeMutablePointer<Double>  // (fftLength/2 + 1)
    private let mel: UnsafeMutablePointer<Double>       // (melBins)
    private let row: UnsafeMutablePointer<Float>        // (baseDimension) the frame's features
    private let cepstra: UnsafeMutablePointer<Double>   // (numCeps) DCT accumulators

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
        dct = config.type == .mfcc
            ? FeatureComputer.dctMatrix(ceps: config.numCeps, bins: config.melBins, lifter: config.cepstralLifter) : []
        raw = .allocate(capacity: frameLength)
        spectrum = .allocate(capacity: config.paddedLength / 2 + 1)
        mel = .allocate(capacity: config.melBins)
        row = .allocate(capacity: config.baseDimension)
        cepstra = .allocate(capacity: config.numCeps)
    }

    deinit {
        raw.deallocate()
        spectrum.deallocate()
        mel.deallocate()
        row.deallocate()
        cepstra.deallocate()
    }

    /// Frames of a signal of `samples` samples.
    public func frameCount(samples: Int) -> Int { config.frameCount(samples: samples) }

    /// All frames of a whole signal: (T, baseDimension).
    public func compute(_ samples: [Float]) -> FeatureMatrix {
        accept(samples)
        return finish()
    }

    /// VTLN warp factor of the mel filterbank (1: none; see `MelBanks`). Set it between
    /// utterances, not in the middle of one. Setting it rebuilds the bank: one mel evaluation per
    /// FFT bin and filter, small beside the FFTs of an utterance.
    public var vtlnWarp: Double = 1 {
        didSet {
            guard vtlnWarp != oldValue else { return }
            melBanks = MelBanks(count: config.melBins, fftLength: config.paddedLength, sampleRate: config.sampleRate,
                                lowFreq: config.lowFreq, highFreq: config.highFreq, vtlnWarp: vtlnWarp)
        }
    }

    /// Takes the next chunk of the signal and computes every frame that is now complete.
    public func accept(_ chunk: [Float]) {
        output.reserveCapacity(output.count + (frameCount(samples: samplesSeen + chunk.count) - nextFrame) * config.baseDimension)
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

    /// The frames computed since the last `takeFrames` or `finish`, removed from the computer:
    /// a caller that streams a long signal takes them as they come, so they never pile up.
    public func takeFrames() -> FeatureMatrix {
        let dim = config.baseDimension
        defer { output.removeAll(keepingCapacity: true) }
        return FeatureMatrix(rows: output.count / dim, cols: dim, data: output)
    }

    /// Computes the remaining frames (reflecting the signal at its end when `snip_edges` is
    /// false), returns the frames not taken yet, and resets for the next utterance.
    public func finish() -> FeatureMatrix {
        let total = frameCount(samples: samplesSeen)
        while nextFrame < total {
            emitFrame(nextFrame, totalSamples: samplesSeen)
            nextFrame += 1
        }
        let result = takeFrames()
        head = []; pending = []; pendingStart = 0; samplesSeen = 0; nextFrame = 0; output = []
        processor.reset()
        return result
    }

    private func frameStart(_ i: Int) -> Int { i * frameShift + firstFrameOffset }

    /// Copies frame i (scaled to 16-bit range) into `raw`, processes it into the FFT input
    /// (whose zero padding past frameLength is never written) and appends its features to `output`.
    private func emitFrame(_ i: Int, totalSamples: Int?) {
        let start = frameStart(i)
        let frame = raw
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

        let logEnergy = processor.process(frame, into: fft.input)
        fft.compute(into: spectrum, magnitude: !config.usePower)
        melBanks.apply(spectrum, into: mel)
        computeRow(logEnergy: logEnergy)
        output.append(contentsOf: UnsafeBufferPointer(start: row, count: config.baseDimension))
    }

    /// The features of the frame whose mel energies are in `mel`, into `row`.
    private func computeRow(logEnergy: Double) {
        let bins = config.melBins
        if config.type == .mfcc || config.useLogFbank {
            // Kaldi floors at FLT_EPSILON before the log. logf: the result is stored as Float anyway.
            for b in 0..<bins { mel[b] = Double(logf(Float(max(mel[b], Double(Float.ulpOfOne))))) }
        }
        switch config.type {
        case .fbank:
            let offset = config.useEnergy ? 1 : 0
            if config.useEnergy { row[0] = Float(logEnergy) }
            for b in 0..<bins { row[offset + b] = Float(mel[b]) }
        case .mfcc:
            let ceps = config.numCeps
            let acc = cepstra
            for c in 0..<ceps { acc[c] = 0 }
            dct.withUnsafeBufferPointer { d in
                for b in 0..<bins {
                    let column = d.baseAddress! + b * ceps, m = mel[b]
                    for c in 0..<ceps { acc[c] += column[c] * m }
                }
            }
            for c in 0..<ceps { row[c] = Float(acc[c]) }
            if config.useEnergy { row[0] = Float(logEnergy) }
        }
    }

    /// Rows c = 0..<ceps of the orthonormal DCT-II of size `bins` (Kaldi's `ComputeDctMatrix`),
    /// each scaled by the lifter 1 + Q/2 sin(π c / Q), stored transposed: (bins, ceps).
    static func dctMatrix(ceps: Int, bins: Int, lifter: Double) -> [Double] {
        var m = [Double](repeating: 0, count: ceps * bins)
        let n = Double(bins)
        for c in 0..<ceps {
            let norm = c == 0 ? (1 / n).squareRoot() : (2 / n).squareRoot()
            let lift = lifter > 0 ? 1 + 0.5 * lifter * sin(Double.pi * Double(c) / lifter) : 1
            for b in 0..<bins {
                m[b * ceps + c] = norm * cos(Double.pi / n * (Double(b) + 0.5) * Double(c)) * lift
            }
        }
        return m
    }
}
