import Foundation

/// A word n-gram language model read from an ARPA file (SRILM, KenLM's `lmplz`, IRSTLM,
/// ...), any order, with backoff:
///
///   P(w | h) = P*(h w)                     if the n-gram "h w" is listed,
///            = bo(h) + P(w | h minus its oldest word)   otherwise (log10, bo(h) = 0 if h is not listed).
///
/// The file stores log10 probabilities; `log10Prob` returns them as stored, `logProb` in
/// natural log (log10 x ln 10), the unit of the CTC scores it is fused with. A word the model
/// does not know is looked up as `<unk>` if the model has it; otherwise it gets
/// `unknownLog10Prob` whatever its context, and as context it matches no n-gram (lookups back
/// off past it). Sentences start in context `<s>` (when the model has it) and end with `</s>`.
/// The parser (ARPAParser.swift) reports malformed files with the file name and line number.
public final class ARPALanguageModel: Sendable {
    /// Log10 probability and backoff weight of one listed n-gram.
    struct Entry: Sendable {
        var log10Prob: Double
        var log10Backoff: Double
    }

    /// Where the model came from (a path, or the name given to `init(text:name:)`).
    public let source: String
    public let order: Int
    /// The number of n-grams of each order, from the \data\ header (checked against the file).
    public let counts: [Int]
    /// The words of the 1-grams section, in file order; a word's id is its index.
    public let vocabulary: [String]
    public let unknownLog10Prob: Double

    let ids: [String: Int32]
    /// tables[k] holds the (k+1)-grams, keyed by their word ids, oldest first.
    let tables: [[[Int32]: Entry]]
    let unk: Int32?, bos: Int32?, eos: Int32?

    /// The id given to a word that is neither in the vocabulary nor mappable to `<unk>`.
    static let unknownID: Int32 = -1

    /// Reads an ARPA file. `unknownLog10Prob` is the log10 probability of a word the model
    /// does not know when it has no `<unk>` (default -10: 23 nats, a heavy but finite penalty).
    public convenience init(contentsOf path: String, unknownLog10Prob: Double = -10) throws(ARPAError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path, reason: "not UTF-8 text")
        }
        try self.init(text: text, name: path, unknownLog10Prob: unknownLog10Prob)
    }

    /// Parses ARPA text; `name` stands for the file in error messages.
    public init(text: String, name: String = "<arpa text>", unknownLog10Prob: Double = -10) throws(ARPAError) {
        let parsed = try ARPAParser(source: name).parse(text)
        source = name
        order = parsed.counts.count
        counts = parsed.counts
        vocabulary = parsed.vocabulary
        ids = parsed.ids
        tables = parsed.tables
        self.unknownLog10Prob = unknownLog10Prob
        unk = ids["<unk>"]
        bos = ids["<s>"]
        eos = ids["</s>"]
    }

    public var hasUnknownWord: Bool { unk != nil }

    /// The id the model uses for `word`: its own, `<unk>`'s, or `unknownID`.
    @inline(__always)
    func id(of word: String) -> Int32 { ids[word] ?? unk ?? Self.unknownID }

    /// log10 P(word | context), context oldest first (only its last order-1 words count).
    public func log10Prob(_ word: String, context: [String]) -> Double {
        log10Prob(id: id(of: word), context: context.map(id(of:))[...])
    }

    /// ln P(word | context) = ln 10 * log10 P(word | context).
    public func logProb(_ word: String, context: [String]) -> Double {
        Self.ln10 * log10Prob(word, context: context)
    }

    /// log10 P(words): each word given the ones before it, after `<s>` if `sentenceStart` and
    /// followed by `</s>` if `sentenceEnd` (each only when the model has the symbol).
    public func sentenceLog10Prob(_ words: [String], sentenceStart: Bool = true, sentenceEnd: Bool = true) -> Double {
        var context = sentenceStart ? startContext : []
        var total = 0.0
        for word in words { total += advance(&context, word: id(of: word)) }
        if sentenceEnd, let eos { total += advance(&context, word: eos) }
        return total
    }

    static let ln10 = 2.302585092994045684

    // MARK: - State for decoders

    /// The context a sentence starts in: [<s>] if the model has it.
    var startContext: [Int32] { bos.map { [$0] } ?? [] }

    /// log10 P(word | context), then appends `word` to `context`, keeping the last order-1 words.
    @inline(__always)
    func advance(_ context: inout [Int32], word: Int32) -> Double {
        let p = log10Prob(id: word, context: context[...])
        if order > 1 {
            context.append(word)
            if context.count > order - 1 { context.removeFirst(context.count - (order - 1)) }
        } else {
            context.removeAll()
        }
        return p
    }

    /// The backoff lookup on ids.
    func log10Prob(id word: Int32, context: ArraySlice<Int32>) -> Double {
        guard word >= 0 else { return unknownLog10Prob }
        var k = min(context.count, order - 1)
        var key = Array(context.suffix(k))
        key.append(word)
        var backoff = 0.0
        while true {
            if let entry = tables[k][key] { return backoff + entry.log10Prob }
            guard k > 0 else { return unknownLog10Prob }   // unreachable: every known word has a 1-gram
            if let history = tables[k - 1][Array(key.dropLast())] { backoff += history.log10Backoff }
            key.removeFirst()
            k -= 1
        }
    }
}

/// Why an ARPA file cannot be used. Malformed files name the file and the 1-based line.
public enum ARPAError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read the ARPA language model: \(reason)"
        case .malformed(let path, let line, let reason): return "\(path):\(line): \(reason)"
        }
    }
}
