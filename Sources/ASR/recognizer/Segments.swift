import Foundation

/// One decoded segment of a file.
struct DecodedSegment {
    var text: String
    var words: [TimedWord]
    /// Log-probability of the best alignment of the text, and the frames it covers.
    var logProb: Double
    var frames: Int
}

/// Decodes segments with the configured decoder and places their words in time.
struct SegmentDecoder: Sendable {
    /// The decoding in use (`makeDecoder` of the checkpoint's or the caller's `decoding`).
    let decoder: any CTCDecoder
    /// Seconds per model frame.
    let frameShift: Double

    /// `rows`: (frames, V) log-probabilities starting at model frame `start` of the recording.
    func decode(_ rows: UnsafePointer<Float>, frames: Int, start: Int) throws -> DecodedSegment {
        let symbols = decoder.symbols, V = symbols.count
        let hypothesis = decoder.best(rows, frames: frames, V: V)
        // The times come from the alignment the hypothesis carries; the values give the confidences.
        let values = Array(UnsafeBufferPointer(start: rows, count: frames * V))
        let timed = try TimedTranscript(hypothesis: hypothesis, logProbs: try LogProbs(frames: frames, V: V, values: values),
                                        symbols: symbols, frameShift: frameShift)
        let offset = Double(start) * frameShift
        let words = timed.words.map { w in
            TimedWord(word: w.word, frames: (w.frames.lowerBound + start)...(w.frames.upperBound + start),
                      start: w.start + offset, end: w.end + offset, confidence: w.confidence)
        }
        return DecodedSegment(text: hypothesis.text, words: words, logProb: timed.alignment.logProb, frames: frames)
    }
}

/// Joins a file's decoded segments into its transcript.
struct TranscriptAssembler {
    private var texts: [String] = []
    private var words: [TimedWord] = []
    private var logProb = 0.0
    private var frames = 0

    mutating func add(_ segment: DecodedSegment) {
        if !segment.text.isEmpty { texts.append(segment.text) }
        words += segment.words
        logProb += segment.logProb
        frames += segment.frames
    }

    /// The utterance confidence is the geometric mean over all frames of the best alignment's
    /// posteriors (see `TimedTranscript`), pooled over the segments.
    func result(duration: Double) -> RecognitionResult {
        RecognitionResult(text: texts.joined(separator: " "), words: words,
                           confidence: frames == 0 ? 1 : exp(logProb / Double(frames)), duration: duration)
    }
}
