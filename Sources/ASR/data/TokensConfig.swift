/// The vocabulary of a recipe: its `tokens` section.
///
/// `{"type": "characters"}` (the default) is `Vocabulary.characters`;
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

    /// The vocabulary; errors name the key (`tokens.words[2]: ...`).
    public func makeVocabulary() throws -> Vocabulary {
        switch type {
        case .characters:
            if words != nil { throw ConfigError(path: "tokens.words", message: "only used with type \"words\"") }
            return .characters
        case .words:
            guard let words, !words.isEmpty else {
                throw ConfigError(path: "tokens.words", message: "type \"words\" needs a non-empty list of words")
            }
            let probe = Vocabulary(words: [])
            var seen: [String: Int] = [:]
            for (i, word) in words.enumerated() {
                let path = "tokens.words[\(i)]"
                if word == Vocabulary.blankSymbol { throw ConfigError(path: path, message: "\"\(word)\" is reserved for the CTC blank") }
                let normal = probe.normalize(word)
                if normal.isEmpty { throw ConfigError(path: path, message: "\(quoteForMessage(word)) is empty after normalisation") }
                if normal.contains(" ") { throw ConfigError(path: path, message: "\(quoteForMessage(word)) is more than one word") }
                if normal != word {
                    throw ConfigError(path: path, message: "\(quoteForMessage(word)) is not in normal form; write \(quoteForMessage(normal))")
                }
                if let first = seen[word] { throw ConfigError(path: path, message: "\(quoteForMessage(word)) is listed twice (also at [\(first)])") }
                seen[word] = i
            }
            return Vocabulary(words: words)
        }
    }
}
