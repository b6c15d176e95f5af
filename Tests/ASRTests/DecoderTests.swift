import Foundation
import Testing
@testable import ASR

/// Greedy and beam-search decoding, the lexicon, LM fusion, the ARPA reader and word timings,
/// all on hand-built posteriorgrams whose expected results are worked out in the comments.
struct DecoderTests {
    /// `<blank>`, space, apostrophe, a...z: the character table of the recipes.
    static let characters = try! Vocabulary(["<blank>", " ", "'"] + (UInt8(ascii: "a")...UInt8(ascii: "z")).map { String(UnicodeScalar($0)) })

    /// A posteriorgram from per-frame probabilities of named symbols: each row's remaining
    /// mass (1 - the listed probabilities) is spread evenly over the symbols it does not list
    /// (none left: they get probability 0, log -inf). "-" names the blank.
    static func posteriors(_ rows: [[String: Double]], _ symbols: Vocabulary) -> LogProbs {
        let probabilities = rows.map { row -> [Double] in
            let listed = row.reduce(0.0) { $0 + $1.value }
            let rest = max(0, 1 - listed) / Double(symbols.count - row.count)
            return (0..<symbols.count).map { v in
                let name = v == 0 ? "-" : symbols.symbols[v]
                return row[name] ?? (rest > 1e-12 ? rest : 0)
            }
        }
        return try! LogProbs(probabilities: probabilities)
    }

    static let ln10 = log(10.0)

    // MARK: - Greedy vs beam

    /// The classic case where the best path is not the best labelling. Word table {a, b},
    /// two frames, each P(-) = 0.4, P(a) = 0.35, P(b) = 0.25.
    ///   greedy: "- -" -> "" with P = 0.4 * 0.4 = 0.16;
    ///   P("a") = aa + a- + -a = 0.1225 + 0.14 + 0.14 = 0.4025   <- the beam's answer
    ///   P("b") = bb + b- + -b = 0.0625 + 0.10 + 0.10 = 0.2625
    ///   P("")  = 0.16,  P("a b") = P("b a") = 0.35 * 0.25 = 0.0875;  total 1.
    @Test func beamBeatsGreedyWhenMassSplitsAcrossAlignments() throws {
        let symbols = try Vocabulary(["<blank>", "a", "b"])
        #expect(symbols.kind == .words)
        let x = try LogProbs(probabilities: [[0.4, 0.35, 0.25], [0.4, 0.35, 0.25]])

        let greedyHypotheses = try GreedyDecoder(symbols: symbols).decode(x)
        #expect(greedyHypotheses.count == 1)
        let greedy = greedyHypotheses[0]
        #expect(try greedy.alignment(frames: 2).frameSymbols == [0, 0])
        #expect(greedy.labels.isEmpty && greedy.text == "")
        #expect(abs(greedy.acousticLogProb - log(0.16)) < 1e-6)

        let beam = try BeamSearchDecoder(symbols: symbols)
        #expect(try beam.best(x).text == "a")
        let nBest = try beam.decode(x)
        #expect(nBest.map(\.text) == ["a", "b", "", "a b", "b a"])
        let expected = [0.4025, 0.2625, 0.16, 0.0875, 0.0875]
        for (h, p) in zip(nBest, expected) {
            #expect(abs(h.acousticLogProb - log(p)) < 1e-6, "\(h.text): \(exp(h.acousticLogProb)) vs \(p)")
            #expect(h.score == h.acousticLogProb && h.lmLogProb == 0)
        }
        // Every labelling of two frames is in the beam: their probabilities add up to 1.
        #expect(abs(nBest.reduce(0.0) { $0 + exp($1.acousticLogProb) } - 1) < 1e-6)
        // n-best limited by the option.
        let two = try BeamSearchDecoder(symbols: symbols, options: .init(nBest: 2))
        #expect(try two.decode(x).map(\.text) == ["a", "b"])
    }

    /// With a beam wide enough to keep every prefix and no pruning, prefix beam search is
    /// exact: on random 5-frame posteriorgrams over {-, a, b} its probability of every
    /// labelling equals the sum over all 3^5 paths that collapse to it.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func wideBeamIsExact(seed: UInt64) throws {
        let symbols = try Vocabulary(["<blank>", "a", "b"])
        var rng = SeededRandom(seed: seed)
        let T = 5, V = 3
        let rows = (0..<T).map { _ -> [Double] in
            let raw = (0..<V).map { _ in Double(rng.uniform()) + 0.05 }
            let sum = raw.reduce(0, +)
            return raw.map { $0 / sum }
        }
        let x = try LogProbs(probabilities: rows)
        var exact = [[Int]: Double]()
        for code in 0..<Int(pow(Double(V), Double(T))) {
            var path = [Int](), rest = code, logP = 0.0
            for t in 0..<T {
                path.append(rest % V)
                logP += Double(x[t, rest % V])
                rest /= V
            }
            var labels = [Int]()
            for (t, v) in path.enumerated() where v != 0 && (t == 0 || path[t - 1] != v) { labels.append(v) }
            exact[labels, default: 0] += exp(logP)
        }
        let beam = try BeamSearchDecoder(symbols: symbols, options: .init(beamWidth: 1000, pruneLogProb: -.infinity))
        let nBest = try beam.decode(x)
        #expect(nBest.count == exact.count)
        for h in nBest {
            let p = try #require(exact[h.labels])
            #expect(abs(exp(h.acousticLogProb) - p) <= 1e-12 + 1e-9 * p, "\(h.labels)")
        }
        // Sorted best first, and the best is the most probable labelling.
        #expect(zip(nBest, nBest.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(abs(exp(nBest[0].acousticLogProb) - exact.values.max()!) < 1e-12)
    }

    /// A confident posteriorgram of "the cat" (0.9 on the intended symbol, 0.1 spread): greedy
    /// and beam give the same text; the beam's probability sums alignments, so it is at least
    /// the greedy path's.
    @Test func greedyAndBeamAgreeOnConfidentOutput() throws {
        let symbols = Self.characters
        var rows = [[String: Double]]()
        for symbol in ["-", "t", "t", "-", "h", "e", "-", " ", "c", "-", "a", "a", "t", "-", "-"] {
            rows.append([symbol: 0.9])
        }
        let x = Self.posteriors(rows, symbols)
        let greedy = try GreedyDecoder(symbols: symbols).best(x)
        #expect(greedy.text == "the cat")
        #expect(greedy.words == ["the", "cat"])
        #expect(greedy.labelFrames == [1...2, 4...4, 5...5, 7...7, 8...8, 10...11, 12...12])

        for width in [1, 4, 8, 16] {
            let beam = try BeamSearchDecoder(symbols: symbols, options: .init(beamWidth: width))
            let best = try beam.best(x)
            #expect(best.text == "the cat", "beam width \(width)")
            #expect(best.labels == greedy.labels)
            #expect(best.acousticLogProb >= greedy.acousticLogProb - 1e-9)
        }
        // A lexicon holding both words, topK and a tight pruning threshold change nothing.
        let lexicon = try Lexicon(words: ["the", "cat", "cap"], symbols: symbols)
        let constrained = try BeamSearchDecoder(symbols: symbols, options: .init(pruneLogProb: -3, topK: 2), lexicon: lexicon)
        #expect(try constrained.best(x).text == "the cat")
    }

    // MARK: - Lexicon

    /// Frames t h r e [e .6 / - .35] e -: the best path is "t h r e e e -" -> "thre", and
    /// without a lexicon the beam agrees ("thre" collects every e/e/e and e/-/e... alignment
    /// except the one with a blank between two e's). "thre" is no word: with a lexicon the
    /// only complete word reachable is "three", through the blank at frame 4.
    @Test func lexiconTurnsANonWordIntoAWord() throws {
        let symbols = Self.characters
        let rows: [[String: Double]] = [["t": 0.9], ["h": 0.9], ["r": 0.9], ["e": 0.9], ["e": 0.6, "-": 0.35], ["e": 0.9], ["-": 0.9]]
        let x = Self.posteriors(rows, symbols)
        #expect(try GreedyDecoder(symbols: symbols).best(x).text == "thre")
        #expect(try BeamSearchDecoder(symbols: symbols).best(x).text == "thre")

        let lexicon = try Lexicon(words: ["three", "the", "there", "tree", "thr€e"], symbols: symbols)
        #expect(lexicon.skipped == ["thr€e"])
        #expect(lexicon.contains("three") && !lexicon.contains("thre") && !lexicon.contains("thr"))
        let decoder = try BeamSearchDecoder(symbols: symbols, options: .init(beamWidth: 8), lexicon: lexicon)
        let nBest = try decoder.decode(x)
        #expect(nBest.first?.text == "three")
        // Every hypothesis is made of lexicon words.
        for h in nBest { #expect(h.words.allSatisfy(lexicon.contains), "\(h.text)") }
        // "three" = t h r e - e -: 0.9^6 * 0.35 on its main path, plus paths through the
        // spread mass; at least the main path.
        #expect(nBest[0].acousticLogProb >= 6 * log(0.9) + log(0.35) - 1e-6)
    }

    @Test func lexiconFromFileAndErrors() throws {
        let folder = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("lexicon.txt").path
        try "three th r iy\nthe dh ax\n\nTREE t r iy\n".write(toFile: path, atomically: true, encoding: .utf8)
        let lexicon = try Lexicon(contentsOf: path, symbols: Self.characters)
        #expect(lexicon.words == ["three", "the"])
        #expect(lexicon.skipped == ["TREE"])   // no case folding: the table has no upper case

        #expect(throws: DecodeError.emptyLexicon(source: path, skipped: 1)) {
            try "TREE\n".write(toFile: path, atomically: true, encoding: .utf8)
            _ = try Lexicon(contentsOf: path, symbols: Self.characters)
        }
        let missing = folder.appendingPathComponent("missing.txt").path
        do {
            _ = try Lexicon(contentsOf: missing, symbols: Self.characters)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("\(missing): cannot read the lexicon"))
        }
    }

    // MARK: - Language model fusion

    /// Word table {i, one, won}. Frame 0: "i" (P 1); frame 1: "one" 0.55, "won" 0.45; no
    /// blank, so each text has exactly one alignment: P_ctc("i one") = 0.55, ("i won") = 0.45.
    /// LM (log10):  P(i|<s>) = -0.1 (listed)
    ///   "i won": P(won|i) = -0.3 (listed), P(</s>|won) = -0.2 (listed)         total -0.6
    ///   "i one": P(one|i) = bo(i) + P(one) = -0.2 - 1.5 = -1.7,
    ///            P(</s>|one) = bo(one) + P(</s>) = 0 - 1.0 = -1.0               total -2.8
    /// Fused with lmWeight 0.5, wordBonus 0.25, ln 10 = 2.302585093:
    ///   "i won": ln 0.45 + 0.5 * (-0.6 ln 10) + 0.25 * 2 = -0.798507696 - 0.690775528 + 0.5 = -0.989283224
    ///   "i one": ln 0.55 + 0.5 * (-2.8 ln 10) + 0.25 * 2 = -0.597837001 - 3.223619130 + 0.5 = -3.321456131
    /// The acoustics prefer "i one"; the LM flips it to "i won".
    @Test func languageModelFlipsACloseCallBetweenWords() throws {
        let symbols = try Vocabulary(["<blank>", "i", "one", "won"])
        let x = try LogProbs(probabilities: [[0, 1, 0, 0], [0, 0, 0.55, 0.45]])
        let lm = try ARPALanguageModel(text: """
            \\data\\
            ngram 1=5
            ngram 2=3

            \\1-grams:
            -99 <s> -0.5
            -1.0 </s>
            -0.5 i -0.2
            -1.5 one
            -1.2 won

            \\2-grams:
            -0.1 <s> i
            -0.3 i won
            -0.2 won </s>

            \\end\\
            """)
        #expect(try BeamSearchDecoder(symbols: symbols).best(x).text == "i one")

        let options = BeamSearchOptions(lmWeight: 0.5, wordBonus: 0.25)
        let nBest = try BeamSearchDecoder(symbols: symbols, options: options, languageModel: lm).decode(x)
        #expect(nBest.map(\.text) == ["i won", "i one"])
        #expect(abs(nBest[0].lmLogProb - (-0.6 * Self.ln10)) < 1e-9)
        #expect(abs(nBest[1].lmLogProb - (-2.8 * Self.ln10)) < 1e-9)
        #expect(abs(nBest[0].score - (-0.989283224)) < 1e-6)
        #expect(abs(nBest[1].score - (-3.321456131)) < 1e-6)
        #expect(abs(nBest[0].acousticLogProb - log(0.45)) < 1e-6)
    }

    /// The same flip with a character table, so words complete at the space and at the end.
    /// Frames m y ' ' s [o .45 / u .55] n, all other probabilities 0: P_ctc("my son") = 0.45,
    /// P_ctc("my sun") = 0.55.
    /// LM (log10): "my son": P(my|<s>) -0.3 + P(son|my) -0.4 + P(</s>|son) -0.5 = -1.2
    ///             "my sun": -0.3 + (bo(my) -0.2 + P(sun) -1.4) + (bo(sun) -0.1 + P(</s>) -1.0) = -3.0
    /// lmWeight 0.5, no bonus: "my son" ln 0.45 - 0.6 ln 10 = -0.798507696 - 1.381551056 = -2.180058752
    ///                         "my sun" ln 0.55 - 1.5 ln 10 = -0.597837001 - 3.453877640 = -4.051714641
    @Test func languageModelScoresWordsAtTheDelimiterAndTheEnd() throws {
        let symbols = Self.characters
        let rows: [[String: Double]] = [["m": 1], ["y": 1], [" ": 1], ["s": 1], ["o": 0.45, "u": 0.55], ["n": 1]]
        let x = Self.posteriors(rows, symbols)
        let lm = try ARPALanguageModel(text: """
            \\data\\
            ngram 1=6
            ngram 2=3
            \\1-grams:
            -99 <s> -0.3
            -1.0 </s>
            -0.8 my -0.2
            -1.6 son -0.1
            -1.4 sun -0.1
            -2.0 <unk>
            \\2-grams:
            -0.3 <s> my
            -0.4 my son
            -0.5 son </s>
            \\end\\
            """)
        #expect(try BeamSearchDecoder(symbols: symbols).best(x).text == "my sun")
        let nBest = try BeamSearchDecoder(symbols: symbols, options: .init(lmWeight: 0.5), languageModel: lm).decode(x)
        #expect(nBest.map(\.text) == ["my son", "my sun"])
        #expect(abs(nBest[0].score - (-2.180058752)) < 1e-6)
        #expect(abs(nBest[1].score - (-4.051714641)) < 1e-6)
    }

    // MARK: - ARPA reader

    /// Tests/ASRTests/fixtures/lm/small.arpa, a hand-written trigram model. Expected values
    /// (log10) from its lines:
    @Test func arpaBackoffLookups() throws {
        let lm = try ARPALanguageModel(contentsOf: Fixtures.path("lm/small.arpa"))
        #expect(lm.order == 3 && lm.counts == [6, 5, 2])
        #expect(lm.vocabulary == ["<s>", "</s>", "the", "cat", "sat", "<unk>"])
        func p(_ word: String, _ context: String) -> Double {
            lm.log10Prob(word, context: context.split(separator: " ").map(String.init))
        }
        func near(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-12 }
        // Listed trigrams.
        #expect(near(p("cat", "<s> the"), -0.05))
        #expect(near(p("sat", "the cat"), -0.10))
        // "the cat the" missing: bo(the cat) -0.15 + P(the|cat); "cat the" missing:
        // bo(cat) -0.25 + P(the) -0.70.  Total -1.10.
        #expect(near(p("the", "the cat"), -1.10))
        // "<s> the sat" missing: bo(<s> the) -0.10 + P(sat|the) -1.20 (listed) = -1.30.
        #expect(near(p("sat", "<s> the"), -1.30))
        // "cat sat </s>" missing; "cat sat" is listed without a backoff (0): P(</s>|sat) -0.60.
        #expect(near(p("</s>", "cat sat"), -0.60))
        // Context "sat the" not listed (no backoff): P(cat|the) -0.50.
        #expect(near(p("cat", "sat the"), -0.50))
        // Only the last order-1 words of a long context count.
        #expect(near(p("cat", "sat sat <s> the"), -0.05))
        // Unknown words are <unk>: P(<unk>|the) = bo(the) -0.40 + P(<unk>) -1.50 = -1.90;
        // as context, "dog cat" is "<unk> cat": not listed, P(sat|cat) -0.30.
        #expect(near(p("dog", "the"), -1.90))
        #expect(near(p("sat", "dog cat"), -0.30))
        // Unigram with no context.
        #expect(near(p("sat", ""), -1.10))
        // A sentence: P(the|<s>) -0.20 + P(cat|<s> the) -0.05 + P(sat|the cat) -0.10 +
        // P(</s>|cat sat) -0.60 = -0.95; natural log = -0.95 ln 10.
        #expect(near(lm.sentenceLog10Prob(["the", "cat", "sat"]), -0.95))
        #expect(near(lm.logProb("cat", context: ["<s>", "the"]), -0.05 * Self.ln10))

        // Without <unk>, an unknown word gets the floor, whatever its context.
        let noUnk = try ARPALanguageModel(text: "\\data\\\nngram 1=2\n\\1-grams:\n-0.5 a\n-0.5 b\n\\end\\\n", unknownLog10Prob: -7)
        #expect(!noUnk.hasUnknownWord)
        #expect(noUnk.log10Prob("zzz", context: ["a"]) == -7)
        #expect(noUnk.log10Prob("b", context: ["zzz"]) == -0.5)
    }

    /// Each malformed file is refused with "<path>:<line>: <reason>".
    @Test(arguments: [
        // (file text, the line the error must name, a phrase of the reason)
        ("data\nngram 1=1\n\\1-grams:\n-1 a\n\\end\\\n", 1, "expected \\data\\"),
        ("\n\n\\data\\\nngram 1=2\n\n\\1-grams:\n-1 a\n-1 b -0.5 extra\n\\end\\\n", 8, "4 fields"),
        ("\\data\\\nngram 1=2\n\\1-grams:\n-1 a\nabc b\n\\end\\\n", 5, "'abc' is not a number"),
        ("\\data\\\nngram 1=2\nngram 2=1\n\\1-grams:\n-1 a\n-1 b\n\\2-grams:\n-1 a b -0.5\n\\end\\\n", 8, "4 fields in a 2-gram line; expected 3"),
        ("\\data\\\nngram 1=3\n\\1-grams:\n-1 a\n-1 b\n\\end\\\n", 6, "has 2 entries; the header says ngram 1=3"),
        ("\\data\\\nngram 1=1\n\\1-grams:\n-1 a\n-1 b\n\\end\\\n", 5, "more 1-grams than"),
        ("\\data\\\nngram 1=1\nngram 2=1\n\\1-grams:\n-1 a\n\\2-grams:\n-1 a c\n\\end\\\n", 7, "'c' is not in"),
        ("\\data\\\nngram 1=1\n\\1-grams:\n0.5 a\n\\end\\\n", 4, "above 0"),
        ("\\data\\\nngram 1=1\n\\1-grams:\n-1 a\n", 4, "without \\end\\"),
        ("\\data\\\nngram 1=1\nngram 3=1\n", 3, "expected the count of order 2"),
        ("\\data\\\nngram 1=2\n\\1-grams:\n-1 a\n-1 a\n\\end\\\n", 5, "listed twice"),
        ("\\data\\\nngram 1=1\n\\2-grams:\n", 3, "expected the \\1-grams: section"),
        ("\\data\\\nngram 1=1\nngram 2=0\n\\1-grams:\n-1 a -x\n\\2-grams:\n\\end\\\n", 5, "backoff weight '-x'"),
        // Counts are checked against the file, never used to reserve memory (issue 17: 52 GB, a trap).
        ("\\data\\\nngram 1=1000000000\n\\1-grams:\n-1 a\n\\end\\\n", 2, "cannot hold that many 1-grams"),
        ("\\data\\\nngram 1=9223372036854775807\n\\1-grams:\n-1 a\n\\end\\\n", 2, "only 3 more lines"),
    ])
    func arpaMalformedLineNamesTheLine(text: String, line: Int, reason: String) throws {
        let folder = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("bad.arpa").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try ARPALanguageModel(contentsOf: path)
            Issue.record("expected an error for line \(line)")
        } catch {
            guard case .malformed(let p, let l, _) = error else { Issue.record("\(error)"); return }
            #expect(p == path && l == line, "\(error)")
            #expect(error.description.hasPrefix("\(path):\(line): "), "\(error)")
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    @Test func arpaMissingFile() {
        #expect(throws: ARPAError.self) { _ = try ARPALanguageModel(contentsOf: "/nonexistent/lm.arpa") }
    }

    // MARK: - Word timings

    /// 12 frames of 20 ms; the best path (the argmax of each frame) is
    ///   t:  0  1  2  3  4  5  6  7  8  9  10 11
    ///       -  h  h  i  -  ␣  -  y  -  o  -  -
    ///   p: .9 .8 .6 .7 .9 .8 .9 .9 .8 .6 .9 .9
    /// "hi" fires on frames 1-3: start 0.02 s, end 0.08 s, confidence (.8+.6+.7)/3 = 0.7;
    /// "yo" on frames 7 and 9 (a blank between): start 0.14 s, end 0.20 s, confidence
    /// (.9+.6)/2 = 0.75. Utterance confidence: (.9^6 .8^3 .6^2 .7)^(1/12).
    @Test func wordTimingsOnAKnownPosteriorgram() throws {
        let symbols = Self.characters
        let rows: [[String: Double]] = [["-": 0.9], ["h": 0.8], ["h": 0.6, "-": 0.3], ["i": 0.7], ["-": 0.9], [" ": 0.8],
                                        ["-": 0.9], ["y": 0.9], ["-": 0.8], ["o": 0.6, "-": 0.3], ["-": 0.9], ["-": 0.9]]
        let x = Self.posteriors(rows, symbols)
        let greedy = try GreedyDecoder(symbols: symbols).best(x)
        #expect(greedy.text == "hi yo")
        let timed = try TimedTranscript(hypothesis: greedy, logProbs: x, symbols: symbols, frameShift: 0.02)
        // The alignment is the best path: the argmax of every frame.
        let argmax = (0..<x.frames).map { t in (0..<x.V).reduce(0) { x[t, $1] > x[t, $0] ? $1 : $0 } }
        #expect(argmax == ["-", "h", "h", "i", "-", " ", "-", "y", "-", "o", "-", "-"].map { symbols.index[$0] ?? 0 })
        #expect(timed.alignment.frameSymbols == argmax)
        #expect(try TimedTranscript(labels: greedy.labels, logProbs: x, symbols: symbols, frameShift: 0.02) == timed)
        #expect(timed.words.map(\.word) == ["hi", "yo"])
        #expect(timed.words.map(\.frames) == [1...3, 7...9])
        let hi = timed.words[0], yo = timed.words[1]
        #expect(abs(hi.start - 0.02) < 1e-12 && abs(hi.end - 0.08) < 1e-12)
        #expect(abs(yo.start - 0.14) < 1e-12 && abs(yo.end - 0.20) < 1e-12)
        #expect(abs(hi.confidence - 0.7) < 1e-6)
        #expect(abs(yo.confidence - 0.75) < 1e-6)
        let utterance = pow(pow(0.9, 6) * pow(0.8, 3) * pow(0.6, 2) * 0.7, 1.0 / 12)
        #expect(abs(timed.confidence - utterance) < 1e-6)
        for c in timed.words.map(\.confidence) + [timed.confidence] { #expect(c > 0 && c <= 1) }

        // A word table: each label is a word.
        let digits = try Vocabulary(["<blank>", "one", "two"])
        let y = try LogProbs(probabilities: [[0.2, 0.8, 0], [0.9, 0.05, 0.05], [0.1, 0.1, 0.8], [0.1, 0.1, 0.8]])
        let words = try TimedTranscript(labels: [1, 2], logProbs: y, symbols: digits, frameShift: 0.01)
        #expect(words.words.map(\.word) == ["one", "two"])
        #expect(words.words.map(\.frames) == [0...0, 2...3])
        #expect(abs(words.words[1].confidence - 0.8) < 1e-6)
    }

    @Test func forcedAlignmentNeedsEnoughFrames() throws {
        let symbols = try Vocabulary(["<blank>", "a"])
        let x = try LogProbs(probabilities: [[0.5, 0.5], [0.5, 0.5]])
        // "a a" needs a blank between: 3 frames.
        #expect(throws: DecodeError.alignmentInfeasible(labels: 2, requiredFrames: 3, frames: 2)) {
            _ = try TimedTranscript(labels: [1, 1], logProbs: x, symbols: symbols, frameShift: 0.01)
        }
        #expect(throws: DecodeError.labelOutOfRange(position: 0, label: 0, V: 2)) {
            _ = try CTCAlignment.viterbi(labels: [0], logProbs: x)
        }
        // No frames, no labels: an empty transcript.
        let empty = try TimedTranscript(labels: [], logProbs: LogProbs(frames: 0, V: 2, values: []), symbols: symbols, frameShift: 0.01)
        #expect(empty.words.isEmpty && empty.confidence == 1)
    }

    // MARK: - Input checks

    @Test func inputChecks() throws {
        #expect(throws: DecodeError.shapeMismatch(values: 5, frames: 2, V: 3)) { _ = try LogProbs(frames: 2, V: 3, values: [0, 0, 0, 0, 0]) }
        let x = try LogProbs(frames: 1, V: 3, values: [0, -1, -2])
        #expect(throws: DecodeError.vocabularySizeMismatch(V: 3, symbols: 29)) { _ = try GreedyDecoder(symbols: Self.characters).decode(x) }
        #expect(throws: DecodeError.self) { _ = try BeamSearchDecoder(symbols: Self.characters, options: .init(beamWidth: 0)) }
        let words = try Vocabulary(["<blank>", "yes", "no"])
        #expect(throws: DecodeError.self) {
            _ = try BeamSearchDecoder(symbols: words, lexicon: Lexicon(words: ["the"], symbols: Self.characters))
        }
        // Symbol-table checks: VocabularyTests.symbolTables.
    }
}
