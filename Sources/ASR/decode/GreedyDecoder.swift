/// Best-path CTC decoding: the most probable symbol of every frame, repeats collapsed,
/// blanks dropped. Exact for the single most probable alignment, not for the most probable
/// label sequence (which sums over alignments; see `BeamSearchDecoder`).
public struct GreedyDecoder: Sendable {
    public let symbols: SymbolTable

    public init(symbols: SymbolTable) { self.symbols = symbols }

    /// The transcript and the frame-level path it came from.
    public struct Result: Sendable, Equatable {
        public var hypothesis: Hypothesis
        /// The argmax symbol of every frame (ties: the lowest index).
        public var path: [Int]
        /// For each label of `hypothesis.labels`, the frames of the path that emit it.
        public var labelFrames: [ClosedRange<Int>]
    }

    public func decode(_ logProbs: LogProbs) throws(DecodeError) -> Result {
        try logProbs.withValues(checkedAgainst: symbols) { (p) throws(DecodeError) in
            decode(p, frames: logProbs.frames, V: logProbs.V)
        }
    }

    /// `logProbs`: (frames, V) row-major, V == symbols.count.
    public func decode(_ logProbs: UnsafePointer<Float>, frames: Int, V: Int) -> Result {
        var path = [Int](repeating: 0, count: frames)
        var labels = [Int](), spans = [ClosedRange<Int>]()
        var logProb = 0.0
        var previous = SymbolTable.blank
        for t in 0..<frames {
            let row = logProbs + t * V
            var best = 0
            var bestValue = row[0]
            for v in 1..<V where row[v] > bestValue {
                best = v
                bestValue = row[v]
            }
            path[t] = best
            logProb += Double(bestValue)
            if best != SymbolTable.blank {
                if best == previous {
                    spans[spans.count - 1] = spans[spans.count - 1].lowerBound...t
                } else {
                    labels.append(best)
                    spans.append(t...t)
                }
            }
            previous = best
        }
        let hypothesis = Hypothesis(labels: labels, words: symbols.words(labels), acousticLogProb: logProb)
        return Result(hypothesis: hypothesis, path: path, labelFrames: spans)
    }
}
