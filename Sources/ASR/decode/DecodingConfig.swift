import Foundation

/// The `decoding` section of a recipe: how per-frame scores become text. Checkpoints store it
/// as JSON (metadata `asr.decoding`); `makeDecoder` turns it into a `CTCDecoder`.
public struct DecodingConfig: Codable, Equatable, Sendable {
    public enum Method: String, Codable, Sendable, CaseIterable { case greedy, beam }
    /// `greedy` (best path) or `beam` (CTC prefix beam search). Default `beam`.
    public var method: Method = .beam
    /// Beam width. Default 8.
    public var beamWidth: Int = 8
    /// Words the output may contain (a lexicon constraint); nil (default) allows any text.
    public var lexicon: [String]? = nil
    /// A file with one lexicon word per line, relative to the recipe; alternative to `lexicon`.
    public var lexiconFile: String? = nil
    /// An ARPA n-gram language model over words, relative to the recipe. Default none.
    public var lm: String? = nil
    /// The text of an ARPA model, in place of the file `lm`: how a checkpoint stores the
    /// recipe's LM (a checkpoint never names a file to open).
    public var lmArpa: String? = nil
    /// Weight of the language model's log-probability (shallow fusion). Default 0.5.
    public var lmWeight: Double = 0.5
    /// Added per word (counters the LM's preference for short outputs). Default 0.
    public var wordBonus: Double = 0

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case method, beamWidth = "beam_width", lexicon, lexiconFile = "lexicon_file", lm, lmArpa = "lm_arpa", lmWeight = "lm_weight"
        case wordBonus = "word_bonus"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DecodingConfig()
        method = try c.value(.method, or: d.method)
        beamWidth = try c.value(.beamWidth, or: d.beamWidth)
        lexicon = try c.decodeIfPresent([String].self, forKey: .lexicon)
        lexiconFile = try c.decodeIfPresent(String.self, forKey: .lexiconFile)
        lm = try c.decodeIfPresent(String.self, forKey: .lm)
        lmArpa = try c.decodeIfPresent(String.self, forKey: .lmArpa)
        lmWeight = try c.value(.lmWeight, or: d.lmWeight)
        wordBonus = try c.value(.wordBonus, or: d.wordBonus)
    }

    public func validate() throws {
        if !(1...1024).contains(beamWidth) { throw ConfigError(path: "decoding.beam_width", message: "expected 1 to 1024, got \(beamWidth)") }
        if lexicon != nil && lexiconFile != nil {
            throw ConfigError(path: "decoding.lexicon_file", message: "give either lexicon or lexicon_file, not both")
        }
        if let lexicon, lexicon.isEmpty { throw ConfigError(path: "decoding.lexicon", message: "the word list is empty") }
        if lm != nil && lmArpa != nil { throw ConfigError(path: "decoding.lm_arpa", message: "give either lm or lm_arpa, not both") }
    }
}

/// The decoder a `decoding` section describes: a `GreedyDecoder` for `greedy`; for `beam`, a
/// `BeamSearchDecoder` of width `beam_width` with the lexicon (`lexicon` words or
/// `lexicon_file`) and the ARPA language model (`lm`, or its text `lm_arpa`) the section names, fused with `lm_weight`
/// and `word_bonus`. The beam decoder returns one hypothesis per utterance (`nBest` 1).
/// File paths are opened as written (a `ResolvedRecipe` has made a recipe's absolute).
/// Throws `DecodeError` for a bad lexicon, `ARPAError` for a bad language model.
public func makeDecoder(_ config: DecodingConfig, symbols: Vocabulary) throws -> any CTCDecoder {
    guard config.method == .beam else { return GreedyDecoder(symbols: symbols) }
    var lexicon: Lexicon?
    if let words = config.lexicon { lexicon = try Lexicon(words: words, symbols: symbols, source: "decoding.lexicon") }
    if let file = config.lexiconFile { lexicon = try Lexicon(contentsOf: file, symbols: symbols) }
    let lm = try config.lmArpa.map { try ARPALanguageModel(text: $0, name: "decoding.lm_arpa") }
        ?? config.lm.map { try ARPALanguageModel(contentsOf: $0) }
    let options = BeamSearchOptions(beamWidth: config.beamWidth, nBest: 1, lmWeight: config.lmWeight, wordBonus: config.wordBonus)
    return try BeamSearchDecoder(symbols: symbols, options: options, lexicon: lexicon, languageModel: lm)
}

extension DecodingConfig {
    /// This decoding with the lexicon's words and the LM's text in place of their files: what
    /// a checkpoint stores, so that loading one never opens a path found inside it.
    public func selfContained(symbols: Vocabulary) throws -> DecodingConfig {
        var stored = self
        if let file = lexiconFile {
            stored.lexicon = try Lexicon(contentsOf: file, symbols: symbols).words
            stored.lexiconFile = nil
        }
        if let file = lm {
            do { stored.lmArpa = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw ConfigError(path: "decoding.lm", message: "\(file): cannot read: \((error as NSError).localizedDescription)")
            }
            stored.lm = nil
        }
        return stored
    }

    /// The files this decoding would open (a lexicon file, an LM), which a checkpoint's stored
    /// decoding must not name.
    var files: [String] { [lexiconFile, lm].compactMap { $0 } }
}
