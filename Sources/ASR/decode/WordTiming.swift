import Foundation

/// One word of a transcript, placed in time.
public struct TimedWord: Sendable, Equatable {
    public var word: String
    /// The frames the word's labels occupy on the best alignment, first...last.
    public var frames: ClosedRange<Int>
    /// Seconds: first frame x frame shift.
    public var start: Double
    /// Seconds: (last frame + 1) x frame shift.
    public var end: Double
    /// The mean, over the frames of `frames` where the word's own labels are emitted (not the
    /// blanks between them), of the posterior p_t(label) = exp(log-prob). In (0, 1].
    public var confidence: Double
}

/// A transcript's words with times and confidences, from the best CTC alignment of its labels.
///
/// CTC models emit each label as a short spike, mostly one or two frames, usually a little
/// after the sound starts; the times are those spikes', so a word's `start` is when its first
/// label fires and its `end` one frame after its last label fires, not the acoustic edges.
///
/// Confidences (documented formulas, both in (0, 1]):
/// - a word's: the arithmetic mean of p_t(label) over the frames where the alignment emits one
///   of its labels (see `TimedWord.confidence`);
/// - the utterance's: exp(ln P(alignment) / frames), the geometric mean over all frames of the
///   posterior of the symbol the best alignment puts there, blanks included; 1 for no frames.
///   One badly-fitting frame pulls it down more than it would an arithmetic mean.
/// (A posterior below e^-745 underflows to 0 in Double; no real model output gets there.)
public struct TimedTranscript: Sendable, Equatable {
    public var words: [TimedWord]
    public var confidence: Double
    public var alignment: CTCAlignment

    /// The words of a decoded hypothesis, from the alignment it carries (`labelFrames`,
    /// `alignmentLogProb`; no second alignment). The decoders' alignment is the one
    /// `init(labels:...)` finds, so both give the same words, times and confidences.
    public init(hypothesis: Hypothesis, logProbs: LogProbs, symbols: Vocabulary, frameShift: Double) throws(DecodeError) {
        try Self.check(logProbs: logProbs, symbols: symbols, frameShift: frameShift)
        for (i, label) in hypothesis.labels.enumerated() where !(1..<logProbs.V).contains(label) {
            throw .labelOutOfRange(position: i, label: label, V: logProbs.V)
        }
        let alignment = try hypothesis.alignment(frames: logProbs.frames)
        self.init(labels: hypothesis.labels, alignment: alignment, logProbs: logProbs, symbols: symbols, frameShift: frameShift)
    }

    /// `labels`: a collapsed label sequence without blanks, placed in time by its forced
    /// alignment (`CTCAlignment.viterbi`).
    public init(labels: [Int], logProbs: LogProbs, symbols: Vocabulary, frameShift: Double) throws(DecodeError) {
        try Self.check(logProbs: logProbs, symbols: symbols, frameShift: frameShift)
        let alignment = try CTCAlignment.viterbi(labels: labels, logProbs: logProbs)
        self.init(labels: labels, alignment: alignment, logProbs: logProbs, symbols: symbols, frameShift: frameShift)
    }

    private static func check(logProbs: LogProbs, symbols: Vocabulary, frameShift: Double) throws(DecodeError) {
        guard logProbs.V == symbols.count else { throw .vocabularySizeMismatch(V: logProbs.V, symbols: symbols.count) }
        guard frameShift > 0, frameShift.isFinite else {
            throw .invalidOption(name: "frameShift", value: "\(frameShift)", reason: "must be a positive number of seconds")
        }
    }

    /// `alignment`: an alignment of `labels` through `logProbs`.
    private init(labels: [Int], alignment: CTCAlignment, logProbs: LogProbs, symbols: Vocabulary, frameShift: Double) {
        self.alignment = alignment
        confidence = logProbs.frames == 0 ? 1 : exp(alignment.logProb / Double(logProbs.frames))

        // Group the labels into words: one per label for word tables, runs between delimiters
        // for character tables.
        var groups = [[Int]]()   // label positions of each word
        var current = [Int]()
        for (i, label) in labels.enumerated() {
            if symbols.kind == .words {
                groups.append([i])
            } else if label == symbols.delimiter {
                if !current.isEmpty { groups.append(current); current = [] }
            } else {
                current.append(i)
            }
        }
        if !current.isEmpty { groups.append(current) }

        words = groups.map { positions in
            var sum = 0.0, count = 0
            for i in positions {
                for t in alignment.labelFrames[i] {
                    sum += exp(Double(logProbs[t, labels[i]]))
                    count += 1
                }
            }
            let first = alignment.labelFrames[positions.first!].lowerBound
            let last = alignment.labelFrames[positions.last!].upperBound
            let word = positions.map { symbols.symbols[labels[$0]] }.joined(separator: symbols.kind == .words ? " " : "")
            return TimedWord(word: word, frames: first...last, start: Double(first) * frameShift,
                             end: Double(last + 1) * frameShift, confidence: sum / Double(count))
        }
    }
}
