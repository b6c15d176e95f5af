/// The output symbols of the model and the mapping between text and label sequences.
///
/// Index 0 is always the CTC blank `<blank>`. Two kinds of vocabulary exist:
/// - **character-level** (the default, `Tokenizer.characters`): blank, space, apostrophe and
///   `a`...`z`; each character of the normalised text is one label;
/// - **word-level** (`Tokenizer(words:)`): blank followed by whole words; the normalised text is
///   split on spaces and each word is one label.
///
/// The kind follows from the symbols alone, so a checkpoint's token list is enough to rebuild
/// the tokenizer: a vocabulary that holds the space symbol `" "` is character-level, one without
/// it is word-level (a word can never contain a space).
public struct Tokenizer: Codable, Equatable, Sendable {
    public static let blankSymbol = "<blank>"

    /// The symbols; index 0 is the CTC blank `<blank>`.
    public let symbols: [String]
    private let index: [String: Int]

    /// `<blank>`, space, apostrophe, `a`...`z`: 29 symbols.
    public static let characters: Tokenizer = {
        let letters = (UInt8(ascii: "a")...UInt8(ascii: "z")).map { String(UnicodeScalar($0)) }
        return try! Tokenizer(symbols: [blankSymbol, " ", "'"] + letters)
    }()

    /// A word-level vocabulary: `<blank>` followed by `words`, in that order. The words should
    /// be in normal form (see `normalize`), or text will never match them; `TokensConfig`
    /// checks this for recipes.
    public init(words: [String]) {
        symbols = [Tokenizer.blankSymbol] + words
        index = Tokenizer.makeIndex(symbols)
    }

    /// A vocabulary from its symbols, as stored in a checkpoint. Index 0 must be `<blank>`,
    /// symbols must be distinct and non-empty, and in a character-level vocabulary (one that
    /// holds `" "`) each symbol must be a single character.
    public init(symbols: [String]) throws(TokenError) {
        guard symbols.first == Tokenizer.blankSymbol else {
            throw .invalidVocabulary("symbol 0 must be \"\(Tokenizer.blankSymbol)\", got \(symbols.first.map { "\"\($0)\"" } ?? "an empty list")")
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
        self.symbols = symbols
        index = Tokenizer.makeIndex(symbols)
    }

    private static func makeIndex(_ symbols: [String]) -> [String: Int] {
        var index: [String: Int] = [:]
        for (i, s) in symbols.enumerated() where index[s] == nil { index[s] = i }
        return index
    }

    /// Word-level: labels are words. Character-level (the symbols hold `" "`): labels are characters.
    public var isWordLevel: Bool { index[" "] == nil }

    /// Symbols, blank included.
    public var count: Int { symbols.count }

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
            if ch.isWhitespace || Tokenizer.separators.contains(ch) {
                pendingSpace = true
                continue
            }
            if pendingSpace && !out.isEmpty { out.append(" ") }
            pendingSpace = false
            out.append(Tokenizer.apostrophes.contains(ch) ? "'" : ch)
        }
        return out
    }

    static let separators: Set<Character> = [".", ",", "!", "?", ";", ":", "\"", "(", ")", "[", "]", "{", "}", "/",
                                             "-", "\u{2013}", "\u{2014}", "\u{2026}",
                                             "\u{201C}", "\u{201D}", "\u{201E}", "\u{00AB}", "\u{00BB}"]
    static let apostrophes: Set<Character> = ["\u{2019}", "\u{2018}", "\u{02BC}", "`"]

    /// The labels of `text` after `normalize`. Throws `TokenError.unknown` listing, once each and
    /// in order of appearance, the characters (or words) that are not in the vocabulary.
    public func encode(_ text: String) throws(TokenError) -> [Int] {
        let normal = normalize(text)
        guard !normal.isEmpty else { return [] }
        let pieces: [String] = isWordLevel ? normal.split(separator: " ").map(String.init) : normal.map { String($0) }
        var labels: [Int] = []
        labels.reserveCapacity(pieces.count)
        var unknown: [String] = []
        for piece in pieces {
            if let label = index[piece], label != 0 {
                labels.append(label)
            } else if !unknown.contains(piece) {
                unknown.append(piece)
            }
        }
        if !unknown.isEmpty { throw .unknown(unknown, wordLevel: isWordLevel) }
        return labels
    }

    /// The text of `labels` (no blanks expected; any blank is skipped). Word-level labels are
    /// joined with spaces. Every label must be below `count`.
    public func decode(_ labels: [Int]) -> String {
        let pieces = labels.lazy.filter { $0 != 0 }.map { label -> String in
            precondition(label >= 0 && label < self.symbols.count, "label \(label) outside the vocabulary 0..<\(self.symbols.count)")
            return self.symbols[label]
        }
        return isWordLevel ? pieces.joined(separator: " ") : pieces.joined()
    }

    // Codable: only the symbols, validated on decoding.
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

    public static func == (a: Tokenizer, b: Tokenizer) -> Bool { a.symbols == b.symbols }
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

/// The vocabulary of a recipe: its `tokens` section.
///
/// `{"type": "characters"}` (the default) is `Tokenizer.characters`;
/// `{"type": "words", "words": ["zero", "one", ...]}` is a word-level vocabulary.
public struct TokensConfig: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Blank, space, apostrophe and a-z.
        case characters
        /// Blank and the listed words.
        case words
    }

    /// `characters` or `words`. Default `characters`.
    public var type: Kind = .characters
    /// The words of a `words` vocabulary, in normal form (lowercase, no spaces or separators),
    /// each once. Required for `words`, not allowed for `characters`. Default none.
    public var words: [String]? = nil

    public init(type: Kind = .characters, words: [String]? = nil) {
        self.type = type
        self.words = words
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case type, words }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TokensConfig()
        type = try c.value(.type, or: d.type)
        words = try c.decodeIfPresent([String].self, forKey: .words)
    }

    /// The tokenizer; errors name the key (`tokens.words[2]: ...`).
    public func makeTokenizer() throws -> Tokenizer {
        switch type {
        case .characters:
            if words != nil { throw ConfigError(path: "tokens.words", message: "only used with type \"words\"") }
            return .characters
        case .words:
            guard let words, !words.isEmpty else {
                throw ConfigError(path: "tokens.words", message: "type \"words\" needs a non-empty list of words")
            }
            let probe = Tokenizer(words: [])
            var seen: [String: Int] = [:]
            for (i, word) in words.enumerated() {
                let path = "tokens.words[\(i)]"
                if word == Tokenizer.blankSymbol { throw ConfigError(path: path, message: "\"\(word)\" is reserved for the CTC blank") }
                let normal = probe.normalize(word)
                if normal.isEmpty { throw ConfigError(path: path, message: "\(quoteForMessage(word)) is empty after normalisation") }
                if normal.contains(" ") { throw ConfigError(path: path, message: "\(quoteForMessage(word)) is more than one word") }
                if normal != word {
                    throw ConfigError(path: path, message: "\(quoteForMessage(word)) is not in normal form; write \(quoteForMessage(normal))")
                }
                if let first = seen[word] { throw ConfigError(path: path, message: "\(quoteForMessage(word)) is listed twice (also at [\(first)])") }
                seen[word] = i
            }
            return Tokenizer(words: words)
        }
    }
}
