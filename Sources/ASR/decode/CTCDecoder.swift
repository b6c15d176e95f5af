/// A CTC decoder: the per-frame log-probabilities of one utterance in, transcripts out.
///
/// `GreedyDecoder` (best path) and `BeamSearchDecoder` (prefix beam search, optionally with a
/// lexicon and an n-gram LM) conform; `makeDecoder` builds the one a recipe's `decoding`
/// section describes. Whatever the decoder, each hypothesis carries the best alignment of its
/// labels (`Hypothesis.labelFrames`), so word times (`TimedTranscript`) need no second pass.
///
/// Decoders hold no per-utterance state: one instance may decode on many threads.
public protocol CTCDecoder: Sendable {
    /// The output symbols: the log-probabilities have one column per symbol, 0 the blank.
    var symbols: Vocabulary { get }
    /// A short description for reports: "greedy", "beam 8", "beam 8 + lexicon",
    /// "beam 8 + LM (weight 0.5)", "beam 16 + lexicon + LM (weight 0.8)".
    var name: String { get }
    /// `logProbs`: (frames, V) row-major log-softmax rows, V == symbols.count.
    /// Returns hypotheses best first: at least one (its text may be empty), each with the
    /// best alignment of its labels.
    func decode(_ logProbs: UnsafePointer<Float>, frames: Int, V: Int) -> [Hypothesis]
}

extension CTCDecoder {
    /// `decode` on checked log-probabilities: throws if their V is not the symbol table's size.
    public func decode(_ logProbs: LogProbs) throws(DecodeError) -> [Hypothesis] {
        try logProbs.withValues(checkedAgainst: symbols) { (p) throws(DecodeError) in
            decode(p, frames: logProbs.frames, V: logProbs.V)
        }
    }

    /// The best hypothesis.
    public func best(_ logProbs: LogProbs) throws(DecodeError) -> Hypothesis {
        try decode(logProbs)[0]
    }

    /// The best hypothesis. `logProbs`: (frames, V) row-major, V == symbols.count.
    public func best(_ logProbs: UnsafePointer<Float>, frames: Int, V: Int) -> Hypothesis {
        decode(logProbs, frames: frames, V: V)[0]
    }
}
