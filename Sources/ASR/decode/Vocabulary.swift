/// The output symbols of an acoustic model, and the mapping between text and label sequences.
///
/// The one vocabulary type: training encodes transcripts with it, checkpoints store its
/// `symbols` (`asr.tokens`), and every decoder, the lexicon, word timing and the recognizer
/// read labels with it.
///
/// Index 0 is always the CTC blank (`Vocabulary.blank`). Two kinds exist:
/// - **character-level** (`Kind.characters`; the default, `Vocabulary.characters`, is blank,
///   space, apostrophe and `a`...`z`): each character of the normalised text is one label, and
///   the word delimiter symbol (`" "` unless told otherwise) separates words;
/// - **word-level** (`Kind.words`, `Vocabulary(words:)`): blank followed by whole words; the
///   normalised text is split on spaces and each word is one label.
///
/// The kind follows from the symbols alone, so a checkpoint's token list is enough to rebuild
/// the vocabulary: one that holds the delimiter `" "` is character-level, one without it is
/// word-level (a word can never contain a space).
///
/// Two validating initialisers exist. `init(symbols:)` is the strict form of the recipe and the
/// checkpoint (symbol 0 named `<blank>`, character symbols of one character; throws
/// `TokenError`); `init(_:kind:delimiter:)` accepts any CTC model's table (symbol 0 is the
/// blank whatever its name, an explicit kind and delimiter such as wav2vec2's `"|"`; throws
/// `DecodeError.invalidSymbolTable`). Codable stores only the symbols: `{"symbols": [...]}`.
public struct Vocabulary: Codable, Equatable, Sendable {
    /// What a non-blank symbol stands for.
    public enum Kind: String, Sendable {
        /// One character each; the word delimiter symbol separates words.
        case characters
        /// One word each; there is no delimiter, every label is a word.
        case words
    }

    /// The name of symbol 0 in the vocabularies this project builds.
    public static let blankSymbol = "<blank>"
    /// The label of the CTC blank.
    public static let blank = 0

    /// The symbols; index 0 is the CTC blank.
    public let symbols: [String]
    public let kind: Kind
    /// The index of the word delimiter (character vocabularies only), if there is one.
    public let delimiter: Int?
    /// The word delimiter's symbol (`" "` unless told otherwise).
    public let delimiterSymbol: String
    /// Symbol -> index.
    public let index: [String: Int]

    /// `<blank>`, space, apostrophe, `a`...`z`: 29 symbols.
    public static let characters: Vocabulary = {
        let letters = (UInt8(ascii: "a")...UInt8(ascii: "z")).map { String(UnicodeScalar($0)) }
        return try! Vocabulary(symbols: [blankSymbol, " ", "'"] + letters)
    }()

    /// A word-level vocabulary: `<blank>` followed by `words`, in that order. Not validated:
    /// the words should be distinct and in normal form (see `normalize`), or text will never
    /// match them; `TokensConfig` checks this for recipes.
    public init(words: [String]) {
        self.init(unchecked: [Vocabulary.blankSymbol] + words, kind: nil, delimiter: " ")
    }

    /// A vocabulary from its symbols, as stored in a checkpoint. Index 0 must be `<blank>`,
    /// symbols must be distinct and non-empty, and in a character-level vocabulary (one that
    /// holds `" "`) each symbol must be a single character.
    public init(symbols: [String]) throws(TokenError) {
        guard symbols.first == Vocabulary.blankSymbol else {
            throw .invalidVocabulary("symbol 0 must be \"\(Vocabulary.blankSymbol)\", got \(symbols.first.map { "\"\($0)\"" } ?? "an empty list")")
        }
        var seen = Set<String>()
        let characterLevel = symbols.contains(" ")
        for (i, s) in symbols.enumerated() {
            if s.isEmpty { throw .invalidVocabulary("symbol \(i) is empty") }
            if !seen.insert(s).inserted { throw .invalidVocabulary("symbol \(i) \(quoteForMessage(s)) appears twice") }
            if i > 0 && characterLevel && s.count != 1 {
                throw .invalidVocabulary("symbol \(i) \(quoteForMessage(s)) is not one character, in a character-level vocabulary (one with \" \")")
            }
        }
        self.init(unchecked: symbols, kind: nil, delimiter: " ")
    }

    /// Any CTC model's symbol table. `kind` nil infers it as `init(symbols:)` does:
    /// `.characters` when the table holds the delimiter, `.words` otherwise. `delimiter` is the
    /// word separator of a character table (" " by default; wav2vec2-style tables use "|").
    /// Symbol 0 is the blank whatever its name; at least one more symbol is needed, all distinct
    /// and non-empty, and word symbols cannot contain a space.
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
        let resolved: Kind = kind ?? (index[delimiter] != nil ? .characters : .words)
        if resolved == .words, symbols.dropFirst().contains(where: { $0.contains(" ") }) {
            throw .invalidSymbolTable(reason: "a word symbol contains a space")
        }
        self.init(unchecked: symbols, kind: kind, delimiter: delimiter)
    }

    /// Builds the index (the first of equal symbols wins) and resolves the kind and delimiter.
    private init(unchecked symbols: [String], kind: Kind?, delimiter: String) {
        var index: [String: Int] = [:]
        for (i, s) in symbols.enumerated() where index[s] == nil { index[s] = i }
        self.symbols = symbols
        self.index = index
        self.kind = kind ?? (index[delimiter] != nil ? .characters : .words)
        self.delimiterSymbol = delimiter
        self.delimiter = self.kind == .characters ? index[delimiter] : nil
    }

    /// Symbols, blank included.
    public var count: Int { symbols.count }

    /// Word-level: labels are words. Character-level: labels are characters.
    public var isWordLevel: Bool { kind == .words }

    // MARK: - Text -> labels

    /// The normalisation applied to every transcript before it is encoded (scoring should
    /// apply it to references too):
    /// 1. lowercase (Unicode lowercasing);
    /// 2. the typographic apostrophes `’` `‘` `ʼ` and the backtick `` ` `` become `'`;
    /// 3. every run of whitespace and of the separators `. , ! ? ; : " ( ) [ ] { } / - – — …`
    ///    and the quotation marks `“ ” „ « »` becomes a single space;
    /// 4. leading and trailing spaces are removed.
    ///
    /// Nothing else is changed: digits, `%`, `&`, `$`, accented letters and the like stay, so
    /// that `encode` reports them as outside the token set instead of silently dropping
    /// words ("3" is not "three"). The apostrophe is kept everywhere, as in "don't".
    public func normalize(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for ch in text.lowercased() {
            if ch.isWhitespace || Vocabulary.separators.contains(ch) {
                pendingSpace = true
                continue
            }
            if pendingSpace && !out.isEmpty { out.append(" ") }
            pendingSpace = false
            out.append(Vocabulary.apostrophes.contains(ch) ? "'" : ch)
        }
        return out
    }

    static let separators: Set<Character> = [".", ",", "!", "?", ";", ":", "\"", "(", ")", "[", "]", "{", "}", "/",
                                             "-", "\u{2013}", "\u{2014}", "\u{2026}",
                                             "\u{201C}", "\u{201D}", "\u{201E}", "\u{00AB}", "\u{00BB}"]
    static let apostrophes: Set<Character> = ["\u{2019}", "\u{2018}", "\u{02BC}", "`"]

    /// The labels of `text` after `normalize`. In a character vocabulary a space is the
    /// delimiter's label. Throws `TokenError.unknown` listing, once each and in order of
    /// appearance, the characters (or words) that are not in the vocabulary.
    public func encode(_ text: String) throws(TokenError) -> [Int] {
        let normal = normalize(text)
        guard !normal.isEmpty else { return [] }
        let pieces: [String] = isWordLevel ? normal.split(separator: " ").map(String.init) : normal.map { String($0) }
        var labels: [Int] = []
        labels.reserveCapacity(pieces.count)
        var unknown: [String] = []
        for piece in pieces {
            let found = !isWordLevel && piece == " " ? delimiter : index[piece]
            if let label = found, label != Vocabulary.blank {
                labels.append(label)
            } else if !unknown.contains(piece) {
                unknown.append(piece)
            }
        }
        if !unknown.isEmpty { throw .unknown(unknown, wordLevel: isWordLevel) }
        return labels
    }

    /// The labels that spell `word` (a character vocabulary's characters, or a word
    /// vocabulary's word); nil if the vocabulary cannot spell it.
    public func spell(_ word: String) -> [Int]? {
        switch kind {
        case .words:
            return index[word].map { [$0] }
        case .characters:
            var labels = [Int]()
            for ch in word {
                guard let i = index[String(ch)], i != Vocabulary.blank, i != delimiter else { return nil }
                labels.append(i)
            }
            return labels.isEmpty ? nil : labels
        }
    }

    // MARK: - Labels -> text

    /// The exact inverse of `encode` (no blanks expected; any blank is skipped): word labels
    /// are joined with spaces, character labels concatenated, the delimiter written as a
    /// space. Every label must be below `count`. `text` tidies the spaces instead.
    public func decode(_ labels: [Int]) -> String {
        let pieces = labels.lazy.filter { $0 != Vocabulary.blank }.map { label -> String in
            precondition(label >= 0 && label < self.symbols.count, "label \(label) outside the vocabulary 0..<\(self.symbols.count)")
            return label == self.delimiter ? " " : self.symbols[label]
        }
        return isWordLevel ? pieces.joined(separator: " ") : pieces.joined()
    }

    /// The words a label sequence spells (blanks, if any, are skipped). Character vocabularies:
    /// the symbols are concatenated and split at the delimiter, empty words dropped.
    public func words(_ labels: [Int]) -> [String] {
        switch kind {
        case .words:
            return labels.filter { $0 != Vocabulary.blank }.map { symbols[$0] }
        case .characters:
            var words = [String](), current = ""
            for label in labels where label != Vocabulary.blank {
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

    // MARK: - Codable, Equatable

    // Codable: only the symbols, validated on decoding by `init(symbols:)`.
    enum CodingKeys: String, CodingKey, CaseIterable { case symbols }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let symbols = try c.decode([String].self, forKey: .symbols)
        do {
            try self.init(symbols: symbols)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .symbols, in: c, debugDescription: error.description)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(symbols, forKey: .symbols)
    }

    /// Same symbols, kind and delimiter (the index follows from the symbols).
    public static func == (a: Vocabulary, b: Vocabulary) -> Bool {
        a.symbols == b.symbols && a.kind == b.kind && a.delimiterSymbol == b.delimiterSymbol
    }
}

/// Text that cannot be turned into labels, or a vocabulary that is not valid.
public enum TokenError: Error, Equatable, CustomStringConvertible {
    /// Characters (character-level) or words (word-level) that are not in the vocabulary,
    /// each once, in order of first appearance.
    case unknown([String], wordLevel: Bool)
    case invalidVocabulary(String)

    public var description: String {
        switch self {
        case .unknown(let pieces, let wordLevel):
            let list = pieces.map(quoteForMessage).joined(separator: ", ")
            return wordLevel ? "words outside the vocabulary: \(list)" : "characters outside the token set: \(list)"
        case .invalidVocabulary(let message):
            return "invalid vocabulary: \(message)"
        }
    }
}

/// `"x"`, followed by the code points when the text is not plain printable ASCII, so that
/// invisible and look-alike characters can be found (`"é" (U+00E9)`).
func quoteForMessage(_ s: String) -> String {
    let plain = s.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }
    if plain { return "\"\(s)\"" }
    let codes = s.unicodeScalars.map { "U+" + String(format: "%04X", $0.value) }.joined(separator: " ")
    return "\"\(s)\" (\(codes))"
}
