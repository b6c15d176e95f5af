/// One decoded transcript with its scores and its place in time. All log-probabilities are
/// natural logs. Every `CTCDecoder` returns these.
public struct Hypothesis: Sendable, Equatable {
    /// The label sequence: repeats collapsed, no blanks.
    public var labels: [Int]
    public var words: [String]
    /// The words joined by single spaces.
    public var text: String
    /// log P_ctc(labels | x). Greedy decoding: the log-probability of the best path alone.
    /// Beam search: summed over the alignments the beam kept (all of them without pruning).
    public var acousticLogProb: Double
    /// log P_lm(words, </s> | <s>) in natural log; 0 without a language model.
    public var lmLogProb: Double
    /// acousticLogProb + lmWeight * lmLogProb + wordBonus * words.count (the beam's ranking).
    public var score: Double
    /// The best alignment of `labels` (the Viterbi path, `CTCAlignment.viterbi`): for each
    /// label, the first...last frame of its run, where the path emits it; the path is blank on
    /// every other frame. One range per label, in order, not overlapping.
    public var labelFrames: [ClosedRange<Int>]
    /// ln P of that one path (not summed over alignments).
    public var alignmentLogProb: Double

    /// `labelFrames` and `alignmentLogProb`: the best alignment of `labels`, as above.
    public init(labels: [Int], words: [String], acousticLogProb: Double, lmLogProb: Double = 0, score: Double? = nil,
                labelFrames: [ClosedRange<Int>], alignmentLogProb: Double) {
        self.labels = labels
        self.words = words
        self.text = words.joined(separator: " ")
        self.acousticLogProb = acousticLogProb
        self.lmLogProb = lmLogProb
        self.score = score ?? acousticLogProb
        self.labelFrames = labelFrames
        self.alignmentLogProb = alignmentLogProb
    }

    /// This hypothesis's alignment spelled out per frame (`frames`: the utterance's frame count).
    /// Throws if `labelFrames` is no alignment of `labels` within `frames` frames.
    public func alignment(frames: Int) throws(DecodeError) -> CTCAlignment {
        try CTCAlignment(labels: labels, labelFrames: labelFrames, frames: frames, logProb: alignmentLogProb)
    }
}
