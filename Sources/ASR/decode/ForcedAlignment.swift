/// The single most probable CTC alignment (Viterbi path) of a label sequence through an
/// utterance's log-probabilities: which symbol each frame emits.
public struct CTCAlignment: Sendable, Equatable {
    /// For each frame, the symbol the path emits there (0 = blank).
    public var frameSymbols: [Int]
    /// For each label, the first and last frame of its run on the path.
    public var labelFrames: [ClosedRange<Int>]
    /// ln P of the path (one alignment, not the sum over alignments).
    public var logProb: Double

    /// An alignment given by its label runs (a `Hypothesis`'s `labelFrames`): each label on
    /// its frames, the blank on all others. Throws `.alignmentMismatch` unless there is one
    /// non-empty range per label, in order, not overlapping, inside 0..<frames, with a frame
    /// between the runs of two equal neighbours (else the path would spell one label).
    public init(labels: [Int], labelFrames: [ClosedRange<Int>], frames: Int, logProb: Double) throws(DecodeError) {
        guard labelFrames.count == labels.count else {
            throw .alignmentMismatch(reason: "\(labelFrames.count) frame ranges for \(labels.count) labels")
        }
        var frameSymbols = [Int](repeating: Vocabulary.blank, count: max(frames, 0))
        for (i, range) in labelFrames.enumerated() {
            guard range.lowerBound >= 0, range.upperBound < frames else {
                throw .alignmentMismatch(reason: "label \(i) on frames \(range), outside 0..<\(frames)")
            }
            if i > 0 {
                let gap = labels[i] == labels[i - 1] ? 1 : 0
                guard range.lowerBound > labelFrames[i - 1].upperBound + gap else {
                    throw .alignmentMismatch(reason: "label \(i) on frames \(range) does not follow label \(i - 1) on \(labelFrames[i - 1])"
                                             + (gap == 1 ? " with a blank between (they are equal)" : ""))
                }
            }
            for t in range { frameSymbols[t] = labels[i] }
        }
        self.init(frameSymbols: frameSymbols, labelFrames: labelFrames, logProb: logProb)
    }

    init(frameSymbols: [Int], labelFrames: [ClosedRange<Int>], logProb: Double) {
        self.frameSymbols = frameSymbols
        self.labelFrames = labelFrames
        self.logProb = logProb
    }

    /// Viterbi over the 2U+1 states blank, l1, blank, l2, ..., blank (the states of the CTC
    /// loss in CTCForwardBackward.swift), in Double. Ties go to staying in a state, then to
    /// the nearer predecessor, so among equally good paths each state is entered as early as
    /// possible.
    /// Throws if the labels need more frames than there are (a blank between equal neighbours).
    public static func viterbi(labels: [Int], logProbs: UnsafePointer<Float>, frames: Int, V: Int) throws(DecodeError) -> CTCAlignment {
        for (i, label) in labels.enumerated() where !(1..<V).contains(label) {
            throw .labelOutOfRange(position: i, label: label, V: V)
        }
        let required = CTCLoss.requiredFrames(labels)
        guard frames >= required else {
            throw .alignmentInfeasible(labels: labels.count, requiredFrames: required, frames: frames)
        }
        if frames == 0 { return CTCAlignment(frameSymbols: [], labelFrames: [], logProb: 0) }

        let S = 2 * labels.count + 1
        var ext = [Int](repeating: Vocabulary.blank, count: S)
        for s in stride(from: 1, to: S, by: 2) { ext[s] = labels[s / 2] }
        var skip = [Bool](repeating: false, count: S)
        for s in stride(from: 3, to: S, by: 2) { skip[s] = labels[s / 2] != labels[s / 2 - 1] }
        // back[t * S + s]: how many states the best path moved to reach s at t (0, 1 or 2).
        var back = [UInt8](repeating: 0, count: frames * S)
        var delta = [Double](repeating: -.infinity, count: S)
        var previous = delta
        delta[0] = Double(logProbs[Vocabulary.blank])
        if S > 1 { delta[1] = Double(logProbs[ext[1]]) }
        back.withUnsafeMutableBufferPointer { back in
            for t in 1..<frames {
                swap(&delta, &previous)
                let row = logProbs + t * V
                let moves = back.baseAddress! + t * S
                for s in 0..<S {
                    var best = previous[s], move: UInt8 = 0
                    if s >= 1, previous[s - 1] > best { best = previous[s - 1]; move = 1 }
                    if skip[s], previous[s - 2] > best { best = previous[s - 2]; move = 2 }
                    delta[s] = best + Double(row[ext[s]])
                    moves[s] = move
                }
            }
        }
        // End in the last blank or the last label, whichever is better.
        var s = S > 1 && delta[S - 2] >= delta[S - 1] ? S - 2 : S - 1
        let logProb = delta[s]
        var frameSymbols = [Int](repeating: 0, count: frames)
        var first = [Int](repeating: frames, count: labels.count), last = [Int](repeating: -1, count: labels.count)
        for t in stride(from: frames - 1, through: 0, by: -1) {
            frameSymbols[t] = ext[s]
            if s % 2 == 1 {
                first[s / 2] = t
                if last[s / 2] < 0 { last[s / 2] = t }
            }
            s -= Int(back[t * S + s])
        }
        // With every path improbable (ln P = -inf), the back pointers need not lead to a path.
        guard zip(first, last).allSatisfy({ $0 <= $1 }) else { throw .alignmentImpossible(labels: labels.count) }
        return CTCAlignment(frameSymbols: frameSymbols, labelFrames: zip(first, last).map { $0...$1 }, logProb: logProb)
    }

    public static func viterbi(labels: [Int], logProbs: LogProbs) throws(DecodeError) -> CTCAlignment {
        try logProbs.withValues { (p) throws(DecodeError) in
            try viterbi(labels: labels, logProbs: p, frames: logProbs.frames, V: logProbs.V)
        }
    }
}
