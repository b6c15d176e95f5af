/// The label prefixes a beam search has formed, as a tree: node 0 is the empty prefix and
/// every other node is its parent plus one label. Everything that depends only on the label
/// sequence is computed once, when the node is made: where the current partial word stands in
/// the lexicon trie, the words completed so far and their language-model score. A prefix the
/// lexicon forbids is never made.
struct PrefixTree {
    struct Node {
        var parent: Int32
        /// The last label; -1 at the root.
        var label: Int32
        /// Character tables: labels in the current (unfinished) word.
        var partialLength: Int32
        /// Character tables with a lexicon: the trie node of the current word (the root when
        /// the prefix is at a word boundary).
        var trie: Int32
        /// Completed words (for a word table, every label).
        var words: Int32
        /// ln P_lm of the completed words, each given the ones before (and <s>).
        var lmLogProb: Double
        /// The language model's context after the completed words.
        var lmContext: [Int32]
    }

    let symbols: Vocabulary
    let lexicon: Lexicon?
    let lm: ARPALanguageModel?
    private(set) var nodes: [Node]
    /// node * V + label -> child, or -1 when the lexicon forbids that extension.
    private var children = ChildTable()

    init(symbols: Vocabulary, lexicon: Lexicon?, lm: ARPALanguageModel?) {
        self.symbols = symbols
        self.lexicon = lexicon
        self.lm = lm
        nodes = [Node(parent: -1, label: -1, partialLength: 0, trie: Lexicon.root, words: 0, lmLogProb: 0,
                      lmContext: lm?.startContext ?? [])]
        nodes.reserveCapacity(4096)
    }

    var count: Int { nodes.count }

    @inline(__always) func label(_ node: Int32) -> Int { Int(nodes[Int(node)].label) }
    @inline(__always) func lmLogProb(_ node: Int32) -> Double { nodes[Int(node)].lmLogProb }
    @inline(__always) func words(_ node: Int32) -> Int { Int(nodes[Int(node)].words) }

    /// The prefix `node` + `label`, made on first use; nil if the lexicon forbids it.
    mutating func child(_ node: Int32, _ label: Int) -> Int32? {
        let key = Int(node) * symbols.count + label
        if let known = children.find(key) { return known >= 0 ? known : nil }
        let made = make(node, label)
        children.insert(key, made ?? -1)
        return made
    }

    private mutating func make(_ node: Int32, _ label: Int) -> Int32? {
        var next = nodes[Int(node)]
        next.parent = node
        next.label = Int32(label)
        switch symbols.kind {
        case .words:
            if let lexicon, !lexicon.allows(label: label) { return nil }
            complete(&next, word: symbols.symbols[label])
        case .characters:
            if label == symbols.delimiter {
                if next.partialLength > 0 {
                    guard let word = finishedWord(node) else { return nil }
                    complete(&next, word: word)
                }
            } else {
                if let lexicon {
                    guard let trie = lexicon.child(next.trie, label) else { return nil }
                    next.trie = trie
                }
                next.partialLength += 1
            }
        }
        nodes.append(next)
        return Int32(nodes.count - 1)
    }

    /// The last word boundary at or before `node`: the prefix without its unfinished word.
    func wordBoundary(_ node: Int32) -> Int32 {
        var at = node
        while nodes[Int(at)].partialLength > 0 { at = nodes[Int(at)].parent }
        return at
    }

    /// The word `node` is in the middle of, if it may end there: any word without a lexicon,
    /// only a whole lexicon word with one. nil when there is no partial word or it may not end.
    func finishedWord(_ node: Int32) -> String? {
        let n = nodes[Int(node)]
        guard n.partialLength > 0 else { return nil }
        if let lexicon { return lexicon.word(endingAt: n.trie) }
        var labels = [Int](repeating: 0, count: Int(n.partialLength))
        var at = node
        for i in stride(from: labels.count - 1, through: 0, by: -1) {
            labels[i] = Int(nodes[Int(at)].label)
            at = nodes[Int(at)].parent
        }
        return labels.map { symbols.symbols[$0] }.joined()
    }

    /// Adds `word` to the completed words of `node` and scores it with the language model.
    private func complete(_ node: inout Node, word: String) {
        node.words += 1
        node.partialLength = 0
        node.trie = Lexicon.root
        if let lm {
            node.lmLogProb += ARPALanguageModel.ln10 * lm.advance(&node.lmContext, word: lm.id(of: word))
        }
    }

    /// The end of the utterance after `node`: the partial word completes (nil if the lexicon
    /// forbids it), then </s> is scored. Returns the final LM score and word count.
    func finish(_ node: Int32) -> (lmLogProb: Double, words: Int)? {
        var n = nodes[Int(node)]
        if n.partialLength > 0 {
            guard let word = finishedWord(node) else { return nil }
            complete(&n, word: word)
        }
        if let lm, let eos = lm.eos {
            n.lmLogProb += ARPALanguageModel.ln10 * lm.advance(&n.lmContext, word: eos)
        }
        return (n.lmLogProb, Int(n.words))
    }

    /// The labels of the prefix `node`, oldest first.
    func labels(_ node: Int32) -> [Int] {
        var labels = [Int]()
        var at = node
        while at > 0 {
            labels.append(Int(nodes[Int(at)].label))
            at = nodes[Int(at)].parent
        }
        return labels.reversed()
    }
}

/// The child links of `PrefixTree`: an open-addressing hash table from non-negative Int keys
/// to Int32, with linear probing and a multiplicative hash. The search looks a link up for
/// every (prefix, symbol) pair of every frame; Swift's Dictionary, with its seeded SipHash,
/// spent half the decoding time there.
struct ChildTable {
    private var keys: [Int]
    private var values: [Int32]
    private var shift: Int
    private(set) var count = 0

    init(capacity: Int = 1 << 12) {
        let size = 1 << (Int.bitWidth - (max(16, capacity) - 1).leadingZeroBitCount)   // a power of two >= capacity
        keys = [Int](repeating: -1, count: size)
        values = [Int32](repeating: 0, count: size)
        shift = Int.bitWidth - size.trailingZeroBitCount
    }

    @inline(__always)
    private func slot(_ key: Int) -> Int {
        Int(truncatingIfNeeded: (UInt(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> UInt(shift))
    }

    @inline(__always)
    func find(_ key: Int) -> Int32? {
        let mask = keys.count - 1
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k < 0 { return nil }
            i = (i + 1) & mask
        }
    }

    /// Adds a key that is not in the table.
    mutating func insert(_ key: Int, _ value: Int32) {
        precondition(key >= 0)
        if 2 * (count + 1) > keys.count { grow() }
        let mask = keys.count - 1
        var i = slot(key)
        while keys[i] >= 0 { i = (i + 1) & mask }
        keys[i] = key
        values[i] = value
        count += 1
    }

    private mutating func grow() {
        let old = (keys, values)
        self = ChildTable(capacity: 2 * keys.count)
        for (k, v) in zip(old.0, old.1) where k >= 0 { insert(k, v) }
    }
}
