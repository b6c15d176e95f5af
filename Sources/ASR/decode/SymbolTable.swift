/// The output symbols of an acoustic model: index 0 is the CTC blank, the others are either
/// characters (words are separated by the word delimiter, " " by default) or whole words.
public struct SymbolTable: Sendable, Equatable {
    /// What a non-blank symbol stands for.
    public enum Kind: String, Sendable {
        /// One character each; the word delimiter symbol separates words.
        case characters
        /// One word each; there is no delimiter, every label is a word.
        case words
    }

    public let symbols: [String]
    public let kind: Kind
    /// The index of the word delimiter (character tables only), if the table has one.
    public let delimiter: Int?
    public let delimiterSymbol: String
    /// Symbol -> index.
    public let index: [String: Int]

    public static let blank = 0
    public var count: Int { symbols.count }

    /// `kind` nil infers it as `Tokenizer` does: `.characters` when the table holds the
    /// delimiter, `.words` otherwise. `delimiter` is the word separator of a character table
    /// (" " by default; wav2vec2-style tables use "|"). Symbol 0 is the blank whatever its name.
    public init(_ symbols: [String], kind: Kind? = nil, delimiter: String = " ") throws(DecodeError) {
        guard symbols.count >= 2 else {
            throw .invalidSymbolTable(reason: "\(symbols.count) symbols; expected the blank (index 0) and at least one more")
        }
        var index = [String: Int]()
        for (i, s) in symbols.enumerated() {
            guard !s.isEmpty else { throw .invalidSymbolTable(reason: "symbol \(i) is the empty string") }
            if let j = index[s] { throw .invalidSymbolTable(reason: "symbol '\(s)' appears twice (indices \(j) and \(i))") }
            index[s] = i
        }
        let inferred: Kind = index[delimiter] != nil ? .characters : .words
        self.symbols = symbols
        self.kind = kind ?? inferred
        self.index = index
        self.delimiterSymbol = delimiter
        self.delimiter = self.kind == .characters ? index[delimiter] : nil
        if self.kind == .words, symbols.dropFirst().contains(where: { $0.contains(" ") }) {
            throw .invalidSymbolTable(reason: "a word symbol contains a space")
        }
    }

    /// The words a label sequence spells (blanks, if any, are skipped). Character tables:
    /// the symbols are concatenated and split at the delimiter, empty words dropped.
    public func words(_ labels: [Int]) -> [String] {
        switch kind {
        case .words:
            return labels.filter { $0 != Self.blank }.map { symbols[$0] }
        case .characters:
            var words = [String](), current = ""
            for label in labels where label != Self.blank {
                if label == delimiter {
                    if !current.isEmpty { words.append(current); current = "" }
                } else {
                    current += symbols[label]
                }
            }
            if !current.isEmpty { words.append(current) }
            return words
        }
    }

    /// The text of a label sequence: its words joined by single spaces.
    public func text(_ labels: [Int]) -> String { words(labels).joined(separator: " ") }

    /// The labels that spell `word` (a character table's characters, or a word table's word);
    /// nil if the table cannot spell it.
    public func spell(_ word: String) -> [Int]? {
        switch kind {
        case .words:
            return index[word].map { [$0] }
        case .characters:
            var labels = [Int]()
            for ch in word {
                guard let i = index[String(ch)], i != Self.blank, i != delimiter else { return nil }
                labels.append(i)
            }
            return labels.isEmpty ? nil : labels
        }
    }
}
