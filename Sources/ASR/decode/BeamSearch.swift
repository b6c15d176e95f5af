import Foundation

/// The knobs of `BeamSearchDecoder`.
public struct BeamSearchOptions: Sendable, Equatable {
    /// Prefixes kept after each frame. 8 is enough for character CTC models without an LM;
    /// with a lexicon or an LM, 16 to 64 lose fewer good prefixes to early pruning.
    public var beamWidth: Int = 8
    /// A symbol is tried at a frame only if its log-probability there is at least this
    /// (natural log; -12 is a probability of 6e-6, far below anything that changes a
    /// result, while still letting a lexicon pick an unlikely letter). The blank is always
    /// tried: it never makes a new prefix.
    public var pruneLogProb: Float = -12
    /// At most this many non-blank symbols per frame, the most probable first (after
    /// `pruneLogProb`). nil: no limit, right for character tables; set it (e.g. 32) for
    /// large word tables.
    public var topK: Int? = nil
    /// How many hypotheses `decode` returns at most; nil: `beamWidth`.
    public var nBest: Int? = nil
    /// Shallow fusion: score = ln P_ctc + lmWeight * ln P_lm(words) + wordBonus * #words.
    /// Only used with a language model.
    public var lmWeight: Double = 0.5
    /// Added per word (with or without a language model). With an LM, 0.5 to 2 usually
    /// balances its pull towards fewer words; tune it with `lmWeight` on held-out data.
    public var wordBonus: Double = 0

    public init(beamWidth: Int = 8, pruneLogProb: Float = -12, topK: Int? = nil, nBest: Int? = nil,
                lmWeight: Double = 0.5, wordBonus: Double = 0) {
        self.beamWidth = beamWidth
        self.pruneLogProb = pruneLogProb
        self.topK = topK
        self.nBest = nBest
        self.lmWeight = lmWeight
        self.wordBonus = wordBonus
    }

    func validate() throws(DecodeError) {
        guard beamWidth >= 1 else { throw .invalidOption(name: "beamWidth", value: "\(beamWidth)", reason: "must be at least 1") }
        guard !pruneLogProb.isNaN else { throw .invalidOption(name: "pruneLogProb", value: "nan", reason: "must be a number") }
        if let topK, topK < 1 { throw .invalidOption(name: "topK", value: "\(topK)", reason: "must be at least 1 (or nil: no limit)") }
        if let nBest, nBest < 1 { throw .invalidOption(name: "nBest", value: "\(nBest)", reason: "must be at least 1 (or nil: beamWidth)") }
        guard lmWeight.isFinite else { throw .invalidOption(name: "lmWeight", value: "\(lmWeight)", reason: "must be finite") }
        guard wordBonus.isFinite else { throw .invalidOption(name: "wordBonus", value: "\(wordBonus)", reason: "must be finite") }
    }
}

/// CTC prefix beam search (Graves 2012; Hannun et al. 2014) in log space, with an optional
/// lexicon and an optional word n-gram LM fused as in `BeamSearchOptions`.
///
/// Each prefix (a collapsed label sequence) carries p_b and p_nb: the probability of the
/// frames so far over the alignments of the prefix that end in a blank, and in its last
/// label. At frame t with log-probabilities y:
///   blank:            p_b'(l)    += (p_b(l) + p_nb(l)) y(blank)
///   c == last of l:   p_nb'(l)   += p_nb(l) y(c)        (the repeat collapses)
///                     p_nb'(l+c) += p_b(l) y(c)         (a blank separated them)
///   other c:          p_nb'(l+c) += (p_b(l) + p_nb(l)) y(c)
/// and the `beamWidth` prefixes of highest score survive, where
///   score(l) = ln(p_b + p_nb) + lmWeight * ln P_lm(completed words) + wordBonus * #completed words.
/// A word completes at the delimiter (character tables) or at each label (word tables); the
/// LM scores it then, each word given the ones before it and <s>. At the end, the unfinished
/// word completes and </s> is scored. With a lexicon, a prefix whose partial word is no
/// prefix of a lexicon word is never formed, and a word may complete only if it is a whole
/// lexicon word; hypotheses ending inside a non-word are dropped, unless all are: then each
/// is taken without its unfinished word (the audio may stop mid-word).
///
/// The decoder holds no per-utterance state: one instance may decode on many threads.
public struct BeamSearchDecoder: CTCDecoder {
    public let symbols: Vocabulary
    public let options: BeamSearchOptions
    public let lexicon: Lexicon?
    public let languageModel: ARPALanguageModel?

    public init(symbols: Vocabulary, options: BeamSearchOptions = .init(), lexicon: Lexicon? = nil,
                languageModel: ARPALanguageModel? = nil) throws(DecodeError) {
        try options.validate()
        if let lexicon, lexicon.symbols != symbols {
            throw .invalidSymbolTable(reason: "the lexicon was built for another symbol table")
        }
        self.symbols = symbols
        self.options = options
        self.lexicon = lexicon
        self.languageModel = languageModel
    }

    /// "beam 8", "beam 8 + lexicon", "beam 8 + LM (weight 0.5)", "beam 8 + lexicon + LM (weight 0.5)".
    public var name: String {
        var s = "beam \(options.beamWidth)"
        if lexicon != nil { s += " + lexicon" }
        if languageModel != nil { s += " + LM (weight \(options.lmWeight))" }
        return s
    }

    /// The final beam, best first: at most `options.nBest` hypotheses (nil: `beamWidth`),
    /// each with the forced alignment (`CTCAlignment.viterbi`) of its labels. A lexicon may
    /// leave fewer, and a hypothesis none of whose alignments has a nonzero probability is
    /// left out; if none is left, the one hypothesis is the empty transcript (all frames
    /// blank, scored exactly).
    /// `logProbs`: (frames, V) row-major, V == symbols.count.
    public func decode(_ logProbs: UnsafePointer<Float>, frames: Int, V: Int) -> [Hypothesis] {
        let keep = options.nBest ?? options.beamWidth
        var hypotheses = [Hypothesis]()
        for found in search(logProbs, frames: frames, V: V) {
            if hypotheses.count == keep { break }
            guard let alignment = try? CTCAlignment.viterbi(labels: found.labels, logProbs: logProbs, frames: frames, V: V) else { continue }
            hypotheses.append(Hypothesis(labels: found.labels, words: symbols.words(found.labels), acousticLogProb: found.acoustic,
                                         lmLogProb: found.lm, score: found.score,
                                         labelFrames: alignment.labelFrames, alignmentLogProb: alignment.logProb))
        }
        if !hypotheses.isEmpty { return hypotheses }
        var blanks = 0.0
        for t in 0..<frames { blanks += Double(logProbs[t * V + Vocabulary.blank]) }
        let tree = PrefixTree(symbols: symbols, lexicon: lexicon, lm: languageModel)
        let lm = tree.finish(0)?.lmLogProb ?? 0
        // No labels: the alignment is all blank, and always exists.
        let allBlank = try! CTCAlignment.viterbi(labels: [], logProbs: logProbs, frames: frames, V: V)
        return [Hypothesis(labels: [], words: [], acousticLogProb: blanks, lmLogProb: lm,
                           score: blanks + (languageModel == nil ? 0 : options.lmWeight * lm),
                           labelFrames: [], alignmentLogProb: allBlank.logProb)]
    }

    /// A finished prefix: its labels and scores, before alignment.
    private struct Found {
        var labels: [Int]
        var acoustic: Double
        var lm: Double
        var score: Double
    }

    /// Every hypothesis of the final beam, best first.
    private func search(_ logProbs: UnsafePointer<Float>, frames: Int, V: Int) -> [Found] {
        precondition(V == symbols.count, "beam search: V = \(V) but the symbol table has \(symbols.count) symbols")
        var tree = PrefixTree(symbols: symbols, lexicon: lexicon, lm: languageModel)
        let lmWeight = languageModel == nil ? 0 : options.lmWeight
        let bonus = options.wordBonus
        var beam = [BeamEntry(node: 0, blank: 0, nonBlank: -.infinity)]
        var scratch = BeamScratch()
        var candidates = [Int]()
        candidates.reserveCapacity(V)

        for t in 0..<frames {
            let row = logProbs + t * V
            selectCandidates(row, V: V, into: &candidates)
            scratch.startFrame(nodes: tree.count)
            let blankLP = Double(row[Vocabulary.blank])
            for entry in beam {
                let total = logAdd(entry.blank, entry.nonBlank)
                scratch.add(entry.node, blank: total + blankLP)
                let last = tree.label(entry.node)
                for c in candidates {
                    let lp = Double(row[c])
                    if c == last {
                        scratch.add(entry.node, nonBlank: entry.nonBlank + lp)
                        if let child = tree.child(entry.node, c) {
                            scratch.grow(to: tree.count)
                            scratch.add(child, nonBlank: entry.blank + lp)
                        }
                    } else if let child = tree.child(entry.node, c) {
                        scratch.grow(to: tree.count)
                        scratch.add(child, nonBlank: total + lp)
                    }
                }
            }
            // The next beam: the best `beamWidth` prefixes touched at this frame.
            var next = [BeamEntry]()
            next.reserveCapacity(scratch.touched.count)
            for node in scratch.touched {
                let e = BeamEntry(node: node, blank: scratch.blank[Int(node)], nonBlank: scratch.nonBlank[Int(node)])
                let acoustic = logAdd(e.blank, e.nonBlank)
                guard acoustic > -.infinity else { continue }
                var scored = e
                scored.score = acoustic + lmWeight * tree.lmLogProb(node) + bonus * Double(tree.words(node))
                next.append(scored)
            }
            beam = best(next, count: options.beamWidth)
        }

        // The end of the utterance: finish the last word, add </s>, re-rank.
        var final = [(hypothesis: Found, node: Int32)]()
        // If no prefix ends on a whole word (the audio stops mid-word, or the lexicon lacks the
        // word spoken last), each is taken without its unfinished word rather than returning nothing.
        let anyComplete = beam.contains { tree.finish($0.node) != nil }
        for entry in beam {
            let node = anyComplete ? entry.node : tree.wordBoundary(entry.node)
            guard let (lm, words) = tree.finish(node) else { continue }
            let acoustic = logAdd(entry.blank, entry.nonBlank)
            let labels = tree.labels(node)
            let hypothesis = Found(labels: labels, acoustic: acoustic, lm: lm, score: acoustic + lmWeight * lm + bonus * Double(words))
            if !final.contains(where: { $0.node == node }) { final.append((hypothesis, node)) }
        }
        final.sort { $0.hypothesis.score != $1.hypothesis.score ? $0.hypothesis.score > $1.hypothesis.score : $0.node < $1.node }
        return final.map(\.hypothesis)
    }

    /// The non-blank symbols tried at a frame: log-prob >= pruneLogProb, the `topK` best.
    private func selectCandidates(_ row: UnsafePointer<Float>, V: Int, into candidates: inout [Int]) {
        candidates.removeAll(keepingCapacity: true)
        let floor = options.pruneLogProb
        for v in 1..<V where row[v] >= floor { candidates.append(v) }
        if let k = options.topK, candidates.count > k {
            candidates.sort { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }
            candidates.removeLast(candidates.count - k)
        }
    }

    /// The `count` entries of highest score, best first (ties: the older prefix first).
    /// A min-heap of `count` entries: O(n log count) rather than sorting all n.
    private func best(_ entries: [BeamEntry], count: Int) -> [BeamEntry] {
        @inline(__always) func better(_ a: BeamEntry, _ b: BeamEntry) -> Bool {
            a.score != b.score ? a.score > b.score : a.node < b.node
        }
        guard entries.count > count else { return entries.sorted(by: better) }
        // heap[0] is the worst of the best `count` seen so far.
        var heap = Array(entries.prefix(count))
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var worst = i
                if l < heap.count, better(heap[worst], heap[l]) { worst = l }
                if r < heap.count, better(heap[worst], heap[r]) { worst = r }
                if worst == i { return }
                heap.swapAt(i, worst)
                i = worst
            }
        }
        for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
        for e in entries.dropFirst(count) where better(e, heap[0]) {
            heap[0] = e
            siftDown(0)
        }
        return heap.sorted(by: better)
    }
}

/// One prefix in the beam: ln p_b, ln p_nb, and its fused score.
struct BeamEntry {
    var node: Int32
    var blank: Double
    var nonBlank: Double
    var score: Double = 0
}

/// Per-frame accumulators indexed by prefix node, reset lazily by a frame stamp.
struct BeamScratch {
    var blank: [Double] = [], nonBlank: [Double] = []
    private var stamp: [Int32] = []
    private var frame: Int32 = 0
    private(set) var touched: [Int32] = []

    mutating func startFrame(nodes: Int) {
        frame += 1
        touched.removeAll(keepingCapacity: true)
        grow(to: nodes)
    }

    @inline(__always)
    mutating func grow(to nodes: Int) {
        guard nodes > stamp.count else { return }
        let extra = max(nodes - stamp.count, stamp.count / 2)
        blank.append(contentsOf: repeatElement(-.infinity, count: extra))
        nonBlank.append(contentsOf: repeatElement(-.infinity, count: extra))
        stamp.append(contentsOf: repeatElement(0, count: extra))
    }

    @inline(__always)
    private mutating func touch(_ node: Int32) {
        let i = Int(node)
        if stamp[i] != frame {
            stamp[i] = frame
            blank[i] = -.infinity
            nonBlank[i] = -.infinity
            touched.append(node)
        }
    }

    @inline(__always)
    mutating func add(_ node: Int32, blank value: Double) {
        touch(node)
        blank[Int(node)] = logAdd(blank[Int(node)], value)
    }

    @inline(__always)
    mutating func add(_ node: Int32, nonBlank value: Double) {
        touch(node)
        nonBlank[Int(node)] = logAdd(nonBlank[Int(node)], value)
    }
}

/// ln(e^a + e^b), exact when either is -inf.
@inline(__always)
private func logAdd(_ a: Double, _ b: Double) -> Double {
    if a == -.infinity { return b }
    if b == -.infinity { return a }
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b))
}
