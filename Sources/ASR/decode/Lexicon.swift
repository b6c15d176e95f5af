import Foundation

/// A word list that constrains beam search: only prefixes of its words may form, and a word
/// may end (at the delimiter or at the end of the utterance) only where a whole word does.
///
/// For a character table the words are spelled in the table's labels and stored as a trie
/// (node 0 is the root, the empty partial word). For a word table the lexicon is the set of
/// labels whose word it lists. Words are taken as written: no case folding. Words the table
/// cannot spell (a character it lacks, or the delimiter inside a word) are left out and listed
/// in `skipped`.
public struct Lexicon: Sendable {
    public let symbols: Vocabulary
    /// The words kept, first occurrence order, no duplicates.
    public private(set) var words: [String] = []
    /// The words the symbol table cannot spell.
    public private(set) var skipped: [String] = []

    /// Trie edges: node * V + label -> child node (character tables).
    private var edges: [Int: Int32] = [:]
    /// For each trie node, the index in `words` of the word ending there, or -1.
    private var wordEnds: [Int32] = [-1]
    /// Word tables: the labels the lexicon allows.
    private var allowedLabels: [Bool]

    public static let root: Int32 = 0
    public var nodeCount: Int { wordEnds.count }

    /// `source` names the list in errors.
    public init(words list: [String], symbols: Vocabulary, source: String = "lexicon") throws(DecodeError) {
        self.symbols = symbols
        allowedLabels = [Bool](repeating: false, count: symbols.count)
        var seen = Set<String>()
        for word in list where !word.isEmpty && seen.insert(word).inserted {
            guard let labels = symbols.spell(word) else { skipped.append(word); continue }
            insert(word, labels: labels)
        }
        guard !words.isEmpty else { throw .emptyLexicon(source: source, skipped: skipped.count) }
    }

    /// One word per line: the first whitespace-separated field, so a Kaldi `lexicon.txt`
    /// (word followed by its pronunciation) reads too. Blank lines are ignored.
    public init(contentsOf path: String, symbols: Vocabulary) throws(DecodeError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .lexiconUnreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        let list = text.split(whereSeparator: \.isNewline).compactMap { line in
            line.split(whereSeparator: \.isWhitespace).first.map(String.init)
        }
        try self.init(words: list, symbols: symbols, source: path)
    }

    private mutating func insert(_ word: String, labels: [Int]) {
        let index = Int32(words.count)
        words.append(word)
        if symbols.kind == .words {
            allowedLabels[labels[0]] = true
            return
        }
        var node = Self.root
        for label in labels {
            let key = Int(node) * symbols.count + label
            if let next = edges[key] {
                node = next
            } else {
                let next = Int32(wordEnds.count)
                wordEnds.append(-1)
                edges[key] = next
                node = next
            }
        }
        if wordEnds[Int(node)] < 0 { wordEnds[Int(node)] = index }
    }

    /// Character tables: the trie node reached from `node` by `label`, nil if no word continues so.
    @inline(__always)
    public func child(_ node: Int32, _ label: Int) -> Int32? {
        edges[Int(node) * symbols.count + label]
    }

    /// Character tables: the word that ends exactly at `node`, if any.
    @inline(__always)
    public func word(endingAt node: Int32) -> String? {
        let w = wordEnds[Int(node)]
        return w >= 0 ? words[Int(w)] : nil
    }

    /// Word tables: whether `label`'s word is in the lexicon.
    @inline(__always)
    public func allows(label: Int) -> Bool { allowedLabels[label] }

    public func contains(_ word: String) -> Bool {
        guard let labels = symbols.spell(word) else { return false }
        if symbols.kind == .words { return allowedLabels[labels[0]] }
        var node = Self.root
        for label in labels {
            guard let next = child(node, label) else { return false }
            node = next
        }
        return wordEnds[Int(node)] >= 0
    }
}
