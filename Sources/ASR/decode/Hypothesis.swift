/// One decoded transcript with its scores. All log-probabilities are natural logs.
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

    public init(labels: [Int], words: [String], acousticLogProb: Double, lmLogProb: Double = 0, score: Double? = nil) {
        self.labels = labels
        self.words = words
        self.text = words.joined(separator: " ")
        self.acousticLogProb = acousticLogProb
        self.lmLogProb = lmLogProb
        self.score = score ?? acousticLogProb
    }
}
