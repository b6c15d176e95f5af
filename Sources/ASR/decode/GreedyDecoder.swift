/// Best-path CTC decoding: the most probable symbol of every frame, repeats collapsed,
/// blanks dropped. Exact for the single most probable alignment, not for the most probable
/// label sequence (which sums over alignments; see `BeamSearchDecoder`).
public struct GreedyDecoder: CTCDecoder {
    public let symbols: Vocabulary
    public var name: String { "greedy" }

    public init(symbols: Vocabulary) { self.symbols = symbols }

    /// One hypothesis: the collapsed best path (the argmax of every frame; ties: the lowest
    /// index), whose spans are its `labelFrames`.
    ///
    /// The best path is also the best alignment of its labels, so `labelFrames` equals the
    /// forced alignment `CTCAlignment.viterbi` would find. When a frame's maximum is tied (or
    /// NaN), several paths are best and the two may pick different ones; then `labelFrames` and
    /// `alignmentLogProb` are taken from `CTCAlignment.viterbi` itself, so word times agree
    /// with a forced alignment of the text in every case.
    /// `logProbs`: (frames, V) row-major, V == symbols.count.
    public func decode(_ logProbs: UnsafePointer<Float>, frames: Int, V: Int) -> [Hypothesis] {
        precondition(V == symbols.count, "greedy: V = \(V) but the symbol table has \(symbols.count) symbols")
        var labels = [Int](), spans = [ClosedRange<Int>]()
        var logProb = 0.0
        var previous = Vocabulary.blank
        var ambiguous = false
        for t in 0..<frames {
            let row = logProbs + t * V
            var best = 0
            var bestValue = row[0]
            var tied = false
            for v in 1..<V {
                if row[v] > bestValue {
                    best = v
                    bestValue = row[v]
                    tied = false
                } else if row[v] == bestValue {
                    tied = true
                }
            }
            ambiguous = ambiguous || tied || bestValue.isNaN
            logProb += Double(bestValue)
            if best != Vocabulary.blank {
                if best == previous {
                    spans[spans.count - 1] = spans[spans.count - 1].lowerBound...t
                } else {
                    labels.append(best)
                    spans.append(t...t)
                }
            }
            previous = best
        }
        var alignmentLogProb = logProb
        if ambiguous, let forced = try? CTCAlignment.viterbi(labels: labels, logProbs: logProbs, frames: frames, V: V) {
            spans = forced.labelFrames
            alignmentLogProb = forced.logProb
        }
        return [Hypothesis(labels: labels, words: symbols.words(labels), acousticLogProb: logProb,
                           labelFrames: spans, alignmentLogProb: alignmentLogProb)]
    }
}
