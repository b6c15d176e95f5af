/// Word and character error rates with the Levenshtein alignment behind them, equal to
/// `jiwer` 4 (checked by Tests/ASRTests/ScoringTests.swift against
/// scripts/fixtures/make_wer_fixtures.py):
///
/// - tokens: words as jiwer's default `wer` transform makes them (runs of two or more
///   whitespace characters become one space, the ends are stripped, the text is split at
///   spaces); characters as its default `cer` transform does (ends stripped, then every
///   Unicode scalar, spaces included). Tokens compare by Unicode scalars, as Python does;
/// - alignment: a minimal edit script (all edits cost 1) chosen as RapidFuzz's
///   `Levenshtein.opcodes`, which jiwer uses, chooses it: the common prefix and suffix are
///   hits, and the backtrace through the rest prefers a deletion, then an insertion, then a
///   substitution or hit. Equal edit distances can split differently into S, D and I; this
///   rule reproduces jiwer's split exactly;
/// - rate = (S + D + I) / (H + S + D), and with an empty reference jiwer's convention: the
///   number of insertions (0 when the hypothesis is empty too).
///
/// The alignment keeps the full (n+1) x (m+1) distance matrix of the part after the common
/// prefix and suffix: fine for utterances, too big for whole books at the character level.
public enum Scoring {
    /// jiwer's default word tokens of `text`.
    public static func words(_ text: String) -> [String] {
        // RemoveMultipleSpaces (\s\s+ -> " "), Strip, split at " " dropping empty words.
        var collapsed = String.UnicodeScalarView()
        var run = [Unicode.Scalar]()
        func flush() {
            if run.count >= 2 { collapsed.append(" ") } else { collapsed.append(contentsOf: run) }
            run.removeAll()
        }
        for scalar in text.unicodeScalars {
            if isPythonWhitespace(scalar) { run.append(scalar) } else { flush(); collapsed.append(scalar) }
        }
        flush()
        return strip(String(collapsed)).split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    }

    /// jiwer's default character tokens of `text`: one per Unicode scalar, ends stripped.
    public static func characters(_ text: String) -> [String] {
        strip(text).unicodeScalars.map { String($0) }
    }

    /// The word alignment of two transcripts.
    public static func alignWords(reference: String, hypothesis: String) -> EditAlignment {
        align(reference: words(reference), hypothesis: words(hypothesis))
    }

    /// The character alignment of two transcripts.
    public static func alignCharacters(reference: String, hypothesis: String) -> EditAlignment {
        align(reference: characters(reference), hypothesis: characters(hypothesis))
    }

    /// The alignment of two token sequences (see the type's notes for the tie rule).
    public static func align(reference: [String], hypothesis: [String]) -> EditAlignment {
        // Tokens -> ints, comparing Unicode scalars (Swift's String == would fold canonically
        // equivalent spellings together; Python does not).
        var ids = [[UInt32]: Int]()
        func encode(_ tokens: [String]) -> [Int] {
            tokens.map { token in
                let key = token.unicodeScalars.map(\.value)
                if let id = ids[key] { return id }
                ids[key] = ids.count
                return ids.count - 1
            }
        }
        let a = encode(reference), b = encode(hypothesis)
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        let n = a.count - prefix - suffix, m = b.count - prefix - suffix

        // d[i][j]: edit distance between the first i reference and first j hypothesis tokens
        // of the middle part; row-major (n+1) x (m+1).
        let width = m + 1
        var d = [Int32](repeating: 0, count: (n + 1) * width)
        d.withUnsafeMutableBufferPointer { d in
            for j in 0...m { d[j] = Int32(j) }
            for i in 1..<(n + 1) {
                let row = i * width, above = row - width
                d[row] = Int32(i)
                let ai = a[prefix + i - 1]
                for j in 1..<(m + 1) {
                    let diagonal = d[above + j - 1] + (ai == b[prefix + j - 1] ? 0 : 1)
                    d[row + j] = min(diagonal, min(d[above + j], d[row + j - 1]) + 1)
                }
            }
        }

        // Backtrace from the end as RapidFuzz does: delete if d[i][j] = d[i-1][j] + 1; else
        // step to column j-1 and insert if d[i][j-1] = d[i-1][j-1] - 1; else take the diagonal.
        var middle = [EditAlignment.Step]()
        var i = n, j = m
        while i > 0, j > 0 {
            if d[i * width + j] - d[(i - 1) * width + j] == 1 {
                i -= 1
                middle.append(.init(.deletion, reference[prefix + i], nil))
            } else {
                j -= 1
                if j > 0, d[i * width + j] - d[(i - 1) * width + j] == -1 {
                    middle.append(.init(.insertion, nil, hypothesis[prefix + j]))
                } else {
                    i -= 1
                    let op: EditAlignment.Operation = a[prefix + i] == b[prefix + j] ? .hit : .substitution
                    middle.append(.init(op, reference[prefix + i], hypothesis[prefix + j]))
                }
            }
        }
        while i > 0 { i -= 1; middle.append(.init(.deletion, reference[prefix + i], nil)) }
        while j > 0 { j -= 1; middle.append(.init(.insertion, nil, hypothesis[prefix + j])) }

        var steps = (0..<prefix).map { EditAlignment.Step(.hit, reference[$0], hypothesis[$0]) }
        steps += middle.reversed()
        steps += (0..<suffix).map { EditAlignment.Step(.hit, reference[prefix + n + $0], hypothesis[prefix + m + $0]) }
        return EditAlignment(steps: steps)
    }

    /// Python's str.isspace: Unicode White_Space plus the four separators U+001C...U+001F.
    static func isPythonWhitespace(_ s: Unicode.Scalar) -> Bool {
        s.properties.isWhitespace || (0x1C...0x1F).contains(s.value)
    }

    /// Python's str.strip().
    static func strip(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.firstIndex(where: { !isPythonWhitespace($0) }),
              let last = scalars.lastIndex(where: { !isPythonWhitespace($0) }) else { return "" }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[first...last])
        return String(view)
    }
}

/// Hits, substitutions, deletions and insertions of one alignment or of many added up.
public struct ErrorCounts: Sendable, Equatable, Codable {
    public var hits = 0, substitutions = 0, deletions = 0, insertions = 0

    public init(hits: Int = 0, substitutions: Int = 0, deletions: Int = 0, insertions: Int = 0) {
        self.hits = hits
        self.substitutions = substitutions
        self.deletions = deletions
        self.insertions = insertions
    }

    public var referenceLength: Int { hits + substitutions + deletions }
    public var hypothesisLength: Int { hits + substitutions + insertions }
    public var errors: Int { substitutions + deletions + insertions }
    /// errors / reference length; with an empty reference, jiwer's convention: the number of
    /// insertions (so 0 for two empty texts).
    public var errorRate: Double {
        referenceLength == 0 ? Double(insertions) : Double(errors) / Double(referenceLength)
    }

    public static func + (a: ErrorCounts, b: ErrorCounts) -> ErrorCounts {
        ErrorCounts(hits: a.hits + b.hits, substitutions: a.substitutions + b.substitutions,
                    deletions: a.deletions + b.deletions, insertions: a.insertions + b.insertions)
    }

    public static func += (a: inout ErrorCounts, b: ErrorCounts) { a = a + b }
}

/// Word and character totals over a corpus, as jiwer computes them for lists of sentences:
/// the counts add up, and the rates are taken from the sums.
public struct CorpusScore: Sendable, Equatable {
    public var words = ErrorCounts()
    public var characters = ErrorCounts()
    public var utterances = 0

    public init() {}

    public var wordErrorRate: Double { words.errorRate }
    public var characterErrorRate: Double { characters.errorRate }

    /// Scores one utterance, adds it to the totals and returns its two alignments.
    @discardableResult
    public mutating func add(reference: String, hypothesis: String) -> (words: EditAlignment, characters: EditAlignment) {
        let w = Scoring.alignWords(reference: reference, hypothesis: hypothesis)
        let c = Scoring.alignCharacters(reference: reference, hypothesis: hypothesis)
        words += w.counts
        characters += c.counts
        utterances += 1
        return (w, c)
    }
}

/// How often one reference word was recognized: the times it was said, and the times its step
/// of the word alignment was a hit. For a test set of single words (commands, keywords), the
/// per-word accuracy a keyword-spotting paper reports.
public struct WordAccuracy: Sendable, Equatable {
    public let word: String
    public var said = 0
    public var recognized = 0
    public var accuracy: Double { said == 0 ? 0 : Double(recognized) / Double(said) }

    /// One entry per reference word of `alignments`, most said first (ties by word).
    public static func table(_ alignments: [EditAlignment]) -> [WordAccuracy] {
        var byWord: [String: WordAccuracy] = [:]
        for alignment in alignments {
            for step in alignment.steps {
                guard let word = step.reference else { continue }
                byWord[word, default: WordAccuracy(word: word)].said += 1
                if step.operation == .hit { byWord[word]!.recognized += 1 }
            }
        }
        return byWord.values.sorted { ($1.said, $0.word) < ($0.said, $1.word) }
    }
}
