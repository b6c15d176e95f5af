/// The Levenshtein alignment of a reference and a hypothesis, token by token, in order.
public struct EditAlignment: Sendable, Equatable {
    public enum Operation: String, Sendable {
        case hit, substitution, deletion, insertion
    }

    /// One aligned pair: a deletion has no hypothesis token, an insertion no reference token.
    public struct Step: Sendable, Equatable {
        public var operation: Operation
        public var reference: String?
        public var hypothesis: String?

        public init(_ operation: Operation, _ reference: String?, _ hypothesis: String?) {
            self.operation = operation
            self.reference = reference
            self.hypothesis = hypothesis
        }
    }

    public var steps: [Step]
    public let counts: ErrorCounts

    public init(steps: [Step]) {
        self.steps = steps
        var counts = ErrorCounts()
        for step in steps {
            switch step.operation {
            case .hit: counts.hits += 1
            case .substitution: counts.substitutions += 1
            case .deletion: counts.deletions += 1
            case .insertion: counts.insertions += 1
            }
        }
        self.counts = counts
    }

    /// The alignment in NIST sclite's `pra` layout:
    ///
    ///     id: (utt-1)
    ///     Scores: (#C #S #D #I) 3 1 1 1
    ///     REF:  the cat SAT on  THE *** mat
    ///     HYP:  the cat SIT on  *** A   mat
    ///     Eval:         S       D   I
    ///
    /// One column per step, as wide as its wider token, columns separated by one space.
    /// Correct tokens are lower-cased and errors upper-cased (as sclite prints them); a gap is
    /// a run of `*` as long as the token opposite (at least 3); the Eval line marks S, D and I.
    /// A token that is a single space (character alignments) is shown as `<space>`. Lines
    /// carry no trailing spaces; the `id:` line is left out when `id` is nil.
    public func sclite(id: String? = nil) -> String {
        var ref = "REF: ", hyp = "HYP: ", eval = "Eval:"
        for step in steps {
            let error = step.operation != .hit
            func shown(_ token: String?) -> String? {
                guard let token else { return nil }
                let visible = token == " " ? "<space>" : token
                return error ? visible.uppercased() : visible.lowercased()
            }
            var r = shown(step.reference), h = shown(step.hypothesis)
            if r == nil { r = String(repeating: "*", count: max(3, h!.count)) }
            if h == nil { h = String(repeating: "*", count: max(3, r!.count)) }
            let mark: String
            switch step.operation {
            case .hit: mark = ""
            case .substitution: mark = "S"
            case .deletion: mark = "D"
            case .insertion: mark = "I"
            }
            let width = max(r!.count, h!.count)
            ref += " " + pad(r!, width)
            hyp += " " + pad(h!, width)
            eval += " " + pad(mark, width)
        }
        var lines = [String]()
        if let id { lines.append("id: (\(id))") }
        lines.append("Scores: (#C #S #D #I) \(counts.hits) \(counts.substitutions) \(counts.deletions) \(counts.insertions)")
        lines += [ref, hyp, eval].map(trimTrailingSpaces)
        return lines.joined(separator: "\n") + "\n"
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    private func trimTrailingSpaces(_ s: String) -> String {
        var s = Substring(s)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
