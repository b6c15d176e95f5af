import Foundation

// Recordings that are not run through the model whole: long ones, streamed in windows, and
// ones cut into speech segments by voice activity detection. Both run the model on windows
// of at most `chunkSeconds`, each ending at the quietest moment of its second half (a pause
// between words, usually), with `contextSeconds` of audio on each side whose outputs are
// dropped. Quietness and speech are judged from the energy of each 10 ms block of samples.
//
// Windows are counted in feature frames. A model that subsamples by k turns k feature frames
// into one output frame, so every window edge falls on a multiple of k (`aligned`): a window's
// own outputs then start at a whole output frame and no output frame is shared by two windows.
extension RecognizerSession {
    var features: FeatureConfig { recognizer.features }
    var options: RecognizerOptions { recognizer.options }

    /// (chunk, context) in feature frames, multiples of the model's subsampling.
    var windowFrames: (chunk: Int, context: Int) {
        let shift = features.frameShiftMs / 1000
        return (max(2 * model.subsampling, aligned(Int(options.chunkSeconds / shift))), aligned(Int(options.contextSeconds / shift)))
    }

    /// `frame` rounded down to a multiple of the model's subsampling.
    func aligned(_ frame: Int) -> Int { frame - frame % model.subsampling }

    /// Streams a long file: memory holds one window of base features (and 4 bytes of energy
    /// per 10 ms), whatever the file's length. Deltas and CMVN are computed over each window
    /// with its context, as for a file of that length.
    func recognizeLong(_ reader: AudioSource) throws -> RecognitionResult {
        let (chunk, context) = windowFrames
        let D = features.baseDimension
        var base: [Float] = []      // (rows, D) base features from file frame `baseStart` on
        var baseStart = 0
        var done = 0                // frames decoded so far
        var meter = EnergyMeter(blockSamples: features.frameShift)
        var transcript = TranscriptAssembler()
        var available: Int { baseStart + base.count / D }

        // The next window: from `done` to the quietest block of its second half.
        func nextWindow() throws {
            let end = aligned(quietestBlock(meter.energies, in: (done + chunk / 2)..<(done + chunk)))
            try runWindow(base, baseStart: baseStart, frames: done..<end, bounds: 0..<available, context: context, into: &transcript)
            done = end
            let drop = max(0, done - context - baseStart)
            base.removeFirst(drop * D)
            baseStart += drop
        }
        var streamStart = now()
        try pipeline.streamBaseFeatures(reader, samples: { meter.accept($0) }) { block in
            base.append(contentsOf: block.data)
            seconds.features += now() - streamStart
            while available >= done + chunk + context { try nextWindow() }
            streamStart = now()
        }
        seconds.features += now() - streamStart
        meter.finish()
        while available - done > chunk { try nextWindow() }
        if available > done {
            try runWindow(base, baseStart: baseStart, frames: done..<available, bounds: 0..<available, context: context, into: &transcript)
        }
        return transcript.result(duration: pipeline.lastDuration)
    }

    /// Transcribes only the speech of a file (`VADOptions`), each segment on its own: its own
    /// CMVN, no context from outside it, and windows inside it if it is long. Holds the file's
    /// base features (13 floats per 10 ms for MFCC: 19 MB an hour).
    func recognizeWithVAD(_ reader: AudioSource) throws -> RecognitionResult {
        let D = features.baseDimension
        var base: [Float] = []
        var meter = EnergyMeter(blockSamples: features.frameShift)
        let started = now()
        try pipeline.streamBaseFeatures(reader, samples: { meter.accept($0) }) { base.append(contentsOf: $0.data) }
        meter.finish()
        seconds.features += now() - started
        var transcript = TranscriptAssembler()
        try recognizeSpeech(base, frames: base.count / D, energies: meter.energies, vad: options.vad ?? VADOptions(), into: &transcript)
        return transcript.result(duration: pipeline.lastDuration)
    }

    /// The speech segments of base features `base` (frames, D) found from `energies` (dB per
    /// feature frame) by `vad`, each recognized on its own. Returns the segments.
    @discardableResult
    func recognizeSpeech(_ base: [Float], frames: Int, energies: [Float], vad: VADOptions,
                         into transcript: inout TranscriptAssembler) throws -> [Range<Int>] {
        let segments = speechSegments(energies, blockSeconds: features.frameShiftMs / 1000, frames: frames, options: vad)
            .map { aligned($0.lowerBound)..<$0.upperBound }
        for segment in segments { try recognizeRange(base, segment, energies: energies, into: &transcript) }
        return segments
    }

    /// Frames `range` of base features `base` (from frame 0) as one recording: its own CMVN,
    /// in windows cut at quiet moments when it is longer than a window.
    func recognizeRange(_ base: [Float], _ range: Range<Int>, energies: [Float], into transcript: inout TranscriptAssembler) throws {
        let (chunk, context) = windowFrames
        var done = range.lowerBound
        while range.upperBound - done > chunk + context {
            let end = aligned(quietestBlock(energies, in: (done + chunk / 2)..<(done + chunk)))
            try runWindow(base, baseStart: 0, frames: done..<end, bounds: range, context: context, into: &transcript)
            done = end
        }
        try runWindow(base, baseStart: 0, frames: done..<range.upperBound, bounds: range, context: context, into: &transcript)
    }

    /// Runs feature frames `frames` through the model, with up to `context` frames on each
    /// side that lie inside `bounds`, and decodes the model frames that belong to `frames`.
    /// `base`: base features (rows, D) from frame `baseStart` on. `frames.lowerBound`,
    /// `bounds.lowerBound` and `context` are multiples of the model's subsampling.
    func runWindow(_ base: [Float], baseStart: Int, frames: Range<Int>, bounds: Range<Int>, context: Int,
                   into transcript: inout TranscriptAssembler) throws {
        let D = features.baseDimension, k = model.subsampling
        let from = max(bounds.lowerBound, frames.lowerBound - context), to = min(bounds.upperBound, frames.upperBound + context)
        var started = now()
        let window = pipeline.finalize(FeatureMatrix(rows: to - from, cols: D,
                                                     data: Array(base[((from - baseStart) * D)..<((to - baseStart) * D)])))
        seconds.features += now() - started
        started = now()
        let out = window.data.withUnsafeBufferPointer {
            model.forward($0.baseAddress!, T: window.rows, B: 1, lengths: [window.rows], workspace: workspace, pass: .inference)
        }
        // This window's own model frames: from its first feature frame to its last.
        let first = (frames.lowerBound - from) / k
        let last = frames.upperBound == to ? out.lengths[0] : (frames.upperBound - from) / k
        let own = out.logits + first * V
        logSoftmaxRows(own, rows: last - first, cols: V)
        seconds.model += now() - started
        try decode(own, frames: last - first, start: frames.lowerBound / k, into: &transcript)
    }

    /// The block of `range` around which the audio is quietest: the smallest mean energy over
    /// the 21 blocks (0.21 s) centred on it.
    func quietestBlock(_ energies: [Float], in range: Range<Int>) -> Int {
        let half = 10
        var best = range.lowerBound, bestMean = Float.infinity
        for t in range {
            let lo = max(0, t - half), hi = min(energies.count - 1, t + half)
            guard lo <= hi else { continue }
            var sum: Float = 0
            for u in lo...hi { sum += energies[u] }
            let mean = sum / Float(hi - lo + 1)
            if mean < bestMean { bestMean = mean; best = t }
        }
        return best
    }
}
