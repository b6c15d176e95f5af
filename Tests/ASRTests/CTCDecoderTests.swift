import Foundation
import Testing
@testable import ASR

/// Every decoder through the `CTCDecoder` protocol on the same small posteriorgrams: the
/// alignments the hypotheses carry, the word times built from them, `makeDecoder` and n-best.
struct CTCDecoderTests {
    static let characters = DecoderTests.characters

    /// Hand-built posteriorgrams over the character table (the ones of DecoderTests) and
    /// seeded random peaky ones.
    static let fixtures: [(name: String, logProbs: LogProbs)] = {
        let p = DecoderTests.posteriors
        var fixtures: [(String, LogProbs)] = [
            ("the cat", p(["-", "t", "t", "-", "h", "e", "-", " ", "c", "-", "a", "a", "t", "-", "-"].map { [$0: 0.9] }, characters)),
            ("thre", p([["t": 0.9], ["h": 0.9], ["r": 0.9], ["e": 0.9], ["e": 0.6, "-": 0.35], ["e": 0.9], ["-": 0.9]], characters)),
            ("hi yo", p([["-": 0.9], ["h": 0.8], ["h": 0.6, "-": 0.3], ["i": 0.7], ["-": 0.9], [" ": 0.8],
                         ["-": 0.9], ["y": 0.9], ["-": 0.8], ["o": 0.6, "-": 0.3], ["-": 0.9], ["-": 0.9]], characters)),
            ("my son", p([["m": 1], ["y": 1], [" ": 1], ["s": 1], ["o": 0.45, "u": 0.55], ["n": 1]], characters)),
            ("no frames", try! LogProbs(frames: 0, V: characters.count, values: [])),
        ]
        // Peaky random frames: one of "-", " ", "a", "c", "e", "h", "t" takes most of the mass.
        var rng = SeededRandom(seed: 7)
        let likely = ["-", " ", "a", "c", "e", "h", "t"]
        for seed in 1...6 {
            let rows = (0..<(12 + 3 * seed)).map { _ -> [String: Double] in
                let top = likely[Int(rng.next() % UInt64(likely.count))]
                return [top: 0.5 + 0.45 * Double(rng.uniform())]
            }
            fixtures.append(("random \(seed)", p(rows, characters)))
        }
        return fixtures
    }()

    /// Greedy, beam, beam + lexicon, beam + LM and beam + lexicon + LM, all as `any CTCDecoder`.
    static func decoders() throws -> [any CTCDecoder] {
        let lexicon = try Lexicon(words: ["the", "cat", "cap", "three", "tree", "hi", "yo", "my", "son", "a", "at", "tea", "eat"],
                                  symbols: characters)
        let lm = try ARPALanguageModel(contentsOf: Fixtures.path("lm/small.arpa"))
        return [
            GreedyDecoder(symbols: characters),
            try BeamSearchDecoder(symbols: characters),
            try BeamSearchDecoder(symbols: characters, options: .init(beamWidth: 16), lexicon: lexicon),
            try BeamSearchDecoder(symbols: characters, options: .init(lmWeight: 0.8, wordBonus: 1), languageModel: lm),
            try BeamSearchDecoder(symbols: characters, lexicon: lexicon, languageModel: lm),
        ]
    }

    /// Checks that `labelFrames` is a valid monotone alignment of `labels` over `frames` frames.
    func expectValidAlignment(_ h: Hypothesis, frames: Int, _ context: String) {
        #expect(h.labelFrames.count == h.labels.count, "\(context)")
        for (i, r) in h.labelFrames.enumerated() {
            #expect(r.lowerBound <= r.upperBound && r.lowerBound >= 0 && r.upperBound < frames, "\(context): label \(i) on \(r)")
            if i > 0 { #expect(r.lowerBound > h.labelFrames[i - 1].upperBound, "\(context): label \(i) on \(r) overlaps") }
        }
        do { _ = try h.alignment(frames: frames) } catch { Issue.record("\(context): \(error)") }
    }

    /// The best path's label spans, computed here independently: argmax of every frame (the
    /// lowest index on ties), repeats merged, blanks dropped.
    func bestPathSpans(_ x: LogProbs) -> (labels: [Int], spans: [ClosedRange<Int>]) {
        var labels = [Int](), spans = [ClosedRange<Int>](), previous = 0
        for t in 0..<x.frames {
            let v = (0..<x.V).reduce(0) { x[t, $1] > x[t, $0] ? $1 : $0 }
            if v != 0 && v == previous { spans[spans.count - 1] = spans.last!.lowerBound...t }
            else if v != 0 { labels.append(v); spans.append(t...t) }
            previous = v
        }
        return (labels, spans)
    }

    @Test func everyDecoderCarriesTheForcedAlignmentOfItsLabels() throws {
        for decoder in try Self.decoders() {
            for (name, x) in Self.fixtures {
                let hypotheses = try decoder.decode(x)
                #expect(!hypotheses.isEmpty, "\(decoder.name), \(name)")
                #expect(zip(hypotheses, hypotheses.dropFirst()).allSatisfy { $0.score >= $1.score }, "\(decoder.name), \(name)")
                #expect(try decoder.best(x) == hypotheses[0])
                for h in hypotheses {
                    let context = "\(decoder.name), \(name), '\(h.text)'"
                    expectValidAlignment(h, frames: x.frames, context)
                    let forced = try CTCAlignment.viterbi(labels: h.labels, logProbs: x)
                    #expect(h.labelFrames == forced.labelFrames, "\(context)")
                    #expect(h.alignmentLogProb == forced.logProb, "\(context)")
                }
                if decoder is GreedyDecoder {
                    let (labels, spans) = bestPathSpans(x)
                    #expect(hypotheses.count == 1 && hypotheses[0].labels == labels && hypotheses[0].labelFrames == spans, "\(name)")
                    #expect(hypotheses[0].alignmentLogProb == hypotheses[0].acousticLogProb, "\(name)")
                }
            }
        }
    }

    /// Word times, confidences and texts from the alignment a hypothesis carries are exactly
    /// those of a fresh forced alignment of its labels (what `asr transcribe` computed before
    /// the decoders carried alignments), for every decoder, greedy and beam + lexicon among them.
    @Test func wordTimesFromTheCarriedAlignmentEqualAFreshAlignment() throws {
        for decoder in try Self.decoders() {
            for (name, x) in Self.fixtures {
                for h in try decoder.decode(x) {
                    let carried = try TimedTranscript(hypothesis: h, logProbs: x, symbols: Self.characters, frameShift: 0.01)
                    let fresh = try TimedTranscript(labels: h.labels, logProbs: x, symbols: Self.characters, frameShift: 0.01)
                    #expect(carried == fresh, "\(decoder.name), \(name), '\(h.text)'")
                    #expect(carried.words.map(\.word).joined(separator: " ") == h.text, "\(decoder.name), \(name)")
                }
            }
        }
    }

    /// The transcriber's segment decoder: text, words (shifted to file frames) and the pooled
    /// log-probability from the carried alignment, as a fresh alignment gives them.
    @Test func segmentDecoderUsesTheCarriedAlignment() throws {
        let (_, x) = Self.fixtures[2]   // "hi yo"
        for decoder in try Self.decoders() {
            let segment = try x.values.withUnsafeBufferPointer {
                try SegmentDecoder(decoder: decoder, frameShift: 0.02).decode($0.baseAddress!, frames: x.frames, start: 50)
            }
            let h = try decoder.best(x)
            let fresh = try TimedTranscript(labels: h.labels, logProbs: x, symbols: Self.characters, frameShift: 0.02)
            let offset = Double(50) * 0.02
            #expect(segment.text == h.text && segment.frames == x.frames, "\(decoder.name)")
            #expect(segment.logProb == fresh.alignment.logProb, "\(decoder.name)")
            #expect(segment.words == fresh.words.map {
                TimedWord(word: $0.word, frames: ($0.frames.lowerBound + 50)...($0.frames.upperBound + 50),
                          start: $0.start + offset, end: $0.end + offset, confidence: $0.confidence)
            }, "\(decoder.name)")
        }
    }

    /// Where a frame's maximum is tied, several paths are best: greedy keeps its text (the
    /// lowest index wins: blank at frame 0) but takes the forced alignment's frames, which
    /// enter "a" as early as possible.
    @Test func greedyOnTiesTakesTheForcedAlignment() throws {
        let symbols = try Vocabulary(["<blank>", "a", "b"])
        let x = try LogProbs(probabilities: [[0.45, 0.45, 0.1], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1]])
        let h = try GreedyDecoder(symbols: symbols).best(x)
        #expect(h.text == "a")
        #expect(bestPathSpans(x).spans == [1...1])    // the lowest-index path: "- a -"
        #expect(h.labelFrames == [0...1])             // the forced alignment: "a a -"
        let forced = try CTCAlignment.viterbi(labels: [1], logProbs: x)
        #expect(h.labelFrames == forced.labelFrames && h.alignmentLogProb == forced.logProb)
        #expect(abs(h.alignmentLogProb - h.acousticLogProb) < 1e-12)
        // Rows with no finite value: every path ties at -inf; greedy still answers.
        let dead = try LogProbs(probabilities: [[0, 0, 0], [0, 0, 0]])
        let empty = try GreedyDecoder(symbols: symbols).best(dead)
        #expect(empty.labels.isEmpty && empty.labelFrames.isEmpty)
    }

    @Test func makeDecoderBuildsTheConfiguredDecoderAndName() throws {
        let folder = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "the\ncat\n".write(to: folder.appendingPathComponent("words.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: Fixtures.path("lm/small.arpa"), toPath: folder.appendingPathComponent("lm.arpa").path)
        // Absolute paths, as a resolved recipe gives them.
        let words = folder.appendingPathComponent("words.txt").path, lm = folder.appendingPathComponent("lm.arpa").path

        /// `Evaluator.describe` before the protocol, for comparison.
        func oldDescription(_ d: DecodingConfig) -> String {
            guard d.method == .beam else { return "greedy" }
            var s = "beam \(d.beamWidth)"
            if d.lexicon != nil || d.lexiconFile != nil { s += " + lexicon" }
            if d.lm != nil { s += " + LM (weight \(d.lmWeight))" }
            return s
        }
        func config(_ edit: (inout DecodingConfig) -> Void) -> DecodingConfig {
            var d = DecodingConfig()
            edit(&d)
            return d
        }
        let cases: [(DecodingConfig, String)] = [
            (config { $0.method = .greedy }, "greedy"),
            (config { $0.method = .greedy; $0.lm = lm }, "greedy"),
            (DecodingConfig(), "beam 8"),
            (config { $0.beamWidth = 16; $0.lexicon = ["the", "cat"] }, "beam 16 + lexicon"),
            (config { $0.lexiconFile = words }, "beam 8 + lexicon"),
            (config { $0.lm = lm }, "beam 8 + LM (weight 0.5)"),
            (config { $0.lexiconFile = words; $0.lm = lm; $0.lmWeight = 0.8; $0.wordBonus = 1.5 },
             "beam 8 + lexicon + LM (weight 0.8)"),
        ]
        for (d, name) in cases {
            let decoder = try makeDecoder(d, symbols: Self.characters)
            #expect(decoder.name == name)
            #expect(decoder.name == oldDescription(d))
            #expect(decoder.symbols == Self.characters)
            if d.method == .greedy {
                #expect(decoder is GreedyDecoder)
                continue
            }
            let beam = try #require(decoder as? BeamSearchDecoder)
            #expect(beam.options == BeamSearchOptions(beamWidth: d.beamWidth, nBest: 1, lmWeight: d.lmWeight, wordBonus: d.wordBonus))
            #expect((beam.lexicon != nil) == (d.lexicon != nil || d.lexiconFile != nil))
            #expect((beam.languageModel != nil) == (d.lm != nil))
            if d.lexiconFile != nil { #expect(beam.lexicon?.words == ["the", "cat"]) }
            // One hypothesis per utterance.
            #expect(try decoder.decode(Self.fixtures[0].logProbs).count == 1)
        }
        // The evaluator reports the same names.
        let evaluator = try Evaluator(features: FeatureConfig(), decoding: cases[6].0, tokenizer: .characters)
        #expect(evaluator.describe(.greedyOnly) == "greedy" && evaluator.describe(.recipe) == cases[6].1)
        #expect(evaluator.hasRecipeDecoder)
        let greedyOnly = try Evaluator(features: FeatureConfig(), decoding: cases[0].0, tokenizer: .characters)
        #expect(!greedyOnly.hasRecipeDecoder && greedyOnly.describe(.recipe) == "greedy")

        // Files are opened as written: relative paths from the working folder, where these are not.
        #expect(throws: DecodeError.self) { _ = try makeDecoder(config { $0.lexiconFile = "words.txt" }, symbols: Self.characters) }
        #expect(throws: ARPAError.self) { _ = try makeDecoder(config { $0.lm = "lm.arpa" }, symbols: Self.characters) }
    }

    /// `BeamSearchOptions.nBest` through the protocol. Word table {a, b}, two frames: the beam
    /// holds all five labellings ("a", "b", "", "a b", "b a"; see DecoderTests).
    @Test(arguments: [(nil, 8, 5), (nil, 3, 3), (1, 8, 1), (2, 8, 2), (4, 8, 4), (9, 8, 5)] as [(Int?, Int, Int)])
    func nBestCount(nBest: Int?, beamWidth: Int, expected: Int) throws {
        let symbols = try Vocabulary(["<blank>", "a", "b"])
        let x = try LogProbs(probabilities: [[0.4, 0.35, 0.25], [0.4, 0.35, 0.25]])
        let decoder: any CTCDecoder = try BeamSearchDecoder(symbols: symbols, options: .init(beamWidth: beamWidth, nBest: nBest))
        let hypotheses = try decoder.decode(x)
        #expect(hypotheses.count == expected)
        #expect(hypotheses.map(\.text) == Array(["a", "b", "", "a b", "b a"].prefix(expected)))
        for h in hypotheses { expectValidAlignment(h, frames: 2, h.text) }
    }

    /// A lexicon that leaves nothing in the beam (frame 0 can only be "a", and no word starts
    /// with it): the one hypothesis is the empty transcript, aligned all blank.
    @Test func beamFallsBackToTheEmptyTranscript() throws {
        let x = DecoderTests.posteriors([["a": 1], ["-": 0.9]], Self.characters)
        let lexicon = try Lexicon(words: ["zzz"], symbols: Self.characters)
        let hypotheses = try BeamSearchDecoder(symbols: Self.characters, lexicon: lexicon).decode(x)
        #expect(hypotheses.count == 1 && hypotheses[0].text == "" && hypotheses[0].labelFrames.isEmpty)
        #expect(hypotheses[0].alignmentLogProb == (try CTCAlignment.viterbi(labels: [], logProbs: x)).logProb)
        let timed = try TimedTranscript(hypothesis: hypotheses[0], logProbs: x, symbols: Self.characters, frameShift: 0.01)
        #expect(timed.words.isEmpty && timed.alignment.frameSymbols == [Int](repeating: 0, count: x.frames))
    }

    @Test func alignmentsThatDoNotFitAreRefused() throws {
        let symbols = try Vocabulary(["<blank>", "a", "b"])
        // No alignment with a nonzero probability: an error, not a crash.
        let dead = try LogProbs(probabilities: [[0, 0, 0], [0, 0, 0]])
        #expect(throws: DecodeError.alignmentImpossible(labels: 2)) { _ = try CTCAlignment.viterbi(labels: [1, 2], logProbs: dead) }

        func refused(_ labels: [Int], _ frames: [ClosedRange<Int>], count: Int = 4) -> Bool {
            do { _ = try CTCAlignment(labels: labels, labelFrames: frames, frames: count, logProb: 0); return false } catch {
                if case .alignmentMismatch = error { return true }
                return false
            }
        }
        #expect(refused([1, 2], [0...1]))            // a range missing
        #expect(refused([1], [2...4]))               // past the last frame
        #expect(refused([1, 2], [0...1, 1...2]))     // overlapping
        #expect(refused([1, 2], [2...3, 0...1]))     // out of order
        #expect(refused([1, 1], [0...1, 2...3]))     // equal neighbours need a blank between
        #expect(!refused([1, 1], [0...0, 2...3]))
        let a = try CTCAlignment(labels: [1, 2], labelFrames: [1...1, 2...3], frames: 5, logProb: -1)
        #expect(a.frameSymbols == [0, 1, 2, 2, 0] && a.logProb == -1)

        // A hypothesis whose alignment does not fit its utterance.
        let x = try LogProbs(probabilities: [[0.2, 0.7, 0.1], [0.6, 0.2, 0.2]])
        var h = try GreedyDecoder(symbols: symbols).best(x)
        h.labelFrames = [0...2]
        #expect(throws: DecodeError.self) { _ = try TimedTranscript(hypothesis: h, logProbs: x, symbols: symbols, frameShift: 0.01) }
    }
}
