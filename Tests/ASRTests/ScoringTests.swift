import Foundation
import Testing
@testable import ASR

/// WER and CER against jiwer (fixtures from scripts/fixtures/make_wer_fixtures.py): counts and
/// alignments exactly, rates to 1e-9; corpus totals; the sclite layout.
struct ScoringTests {
    struct Measures: Decodable {
        let rate: Double
        let hits: Int, substitutions: Int, deletions: Int, insertions: Int
        let steps: [[Step]]?

        /// A step is [op, reference index or -1, hypothesis index or -1].
        enum Step: Decodable, Equatable {
            case op(String), index(Int)
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let i = try? c.decode(Int.self) { self = .index(i) } else { self = .op(try c.decode(String.self)) }
            }
        }

        var counts: ErrorCounts { .init(hits: hits, substitutions: substitutions, deletions: deletions, insertions: insertions) }
    }

    struct Case: Decodable {
        let name: String, reference: String, hypothesis: String
        let words: Measures, characters: Measures
    }

    struct File: Decodable {
        let jiwer: String
        let cases: [Case]
        let corpus: [String: Measures]
    }

    static let fixtures: File = {
        let data = try! Data(contentsOf: Fixtures.root.appendingPathComponent("wer/cases.json"))
        return try! JSONDecoder().decode(File.self, from: data)
    }()

    /// Our alignment as jiwer's steps: [op, ref index, hyp index], indices into the token lists.
    static func steps(_ alignment: EditAlignment) -> [[Measures.Step]] {
        var i = 0, j = 0
        return alignment.steps.map { step in
            let op: String
            var r = -1, h = -1
            switch step.operation {
            case .hit, .substitution:
                op = step.operation.rawValue; r = i; h = j; i += 1; j += 1
            case .deletion:
                op = "deletion"; r = i; i += 1
            case .insertion:
                op = "insertion"; h = j; j += 1
            }
            return [.op(op), .index(r), .index(h)]
        }
    }

    @Test func fixturesCoverTheEdgeCases() {
        let names = Set(Self.fixtures.cases.map(\.name))
        #expect(Self.fixtures.cases.count >= 30)
        #expect(names.isSuperset(of: ["empty_hypothesis", "empty_reference", "both_empty", "tie_shift", "composed_vs_decomposed"]))
    }

    @Test(arguments: fixtures.cases.map(\.name))
    func equalsJiwer(name: String) throws {
        let c = try #require(Self.fixtures.cases.first { $0.name == name })
        let w = Scoring.alignWords(reference: c.reference, hypothesis: c.hypothesis)
        #expect(w.counts == c.words.counts, "words")
        #expect(abs(w.counts.errorRate - c.words.rate) <= 1e-9, "WER \(w.counts.errorRate) vs \(c.words.rate)")
        #expect(Self.steps(w) == c.words.steps, "word alignment")
        // The steps carry the tokens in order.
        #expect(w.steps.compactMap(\.reference) == Scoring.words(c.reference))
        #expect(w.steps.compactMap(\.hypothesis) == Scoring.words(c.hypothesis))

        let ch = Scoring.alignCharacters(reference: c.reference, hypothesis: c.hypothesis)
        #expect(ch.counts == c.characters.counts, "characters")
        #expect(abs(ch.counts.errorRate - c.characters.rate) <= 1e-9, "CER \(ch.counts.errorRate) vs \(c.characters.rate)")
        #expect(Self.steps(ch) == c.characters.steps, "character alignment")
    }

    @Test func corpusTotalsEqualJiwer() throws {
        var corpus = CorpusScore()
        for c in Self.fixtures.cases { corpus.add(reference: c.reference, hypothesis: c.hypothesis) }
        let words = try #require(Self.fixtures.corpus["words"]), characters = try #require(Self.fixtures.corpus["characters"])
        #expect(corpus.utterances == Self.fixtures.cases.count)
        #expect(corpus.words == words.counts)
        #expect(corpus.characters == characters.counts)
        #expect(abs(corpus.wordErrorRate - words.rate) <= 1e-9)
        #expect(abs(corpus.characterErrorRate - characters.rate) <= 1e-9)
    }

    @Test func tokenisationFollowsJiwer() {
        #expect(Scoring.words("  the   cat \t sat  ") == ["the", "cat", "sat"])
        #expect(Scoring.words("a\tb c") == ["a\tb", "c"])      // one tab alone is no separator
        #expect(Scoring.words("") == [] && Scoring.words(" \n ") == [])
        #expect(Scoring.characters(" ab c ") == ["a", "b", " ", "c"])
        #expect(Scoring.characters("e\u{301}") == ["e", "\u{301}"])   // scalars, not graphemes
    }

    /// ref "the cat sat on the mat", hyp "the cat sit on a mat today":
    /// the cat (hits) sat/sit (S) on (hit) the/a (S) mat (hit) +today (I).
    @Test func scliteLayout() {
        let a = Scoring.alignWords(reference: "the cat sat on the mat", hypothesis: "the cat sit on a mat today")
        #expect(a.counts == ErrorCounts(hits: 4, substitutions: 2, deletions: 0, insertions: 1))
        let expected = """
            id: (utt-1)
            Scores: (#C #S #D #I) 4 2 0 1
            REF:  the cat SAT on THE mat *****
            HYP:  the cat SIT on A   mat TODAY
            Eval:         S      S       I

            """
        #expect(a.sclite(id: "utt-1") == expected)

        let d = Scoring.alignWords(reference: "a big dog", hypothesis: "a dog")
        #expect(d.sclite() == "Scores: (#C #S #D #I) 2 0 1 0\nREF:  a BIG dog\nHYP:  a *** dog\nEval:   D\n")

        let c = Scoring.alignCharacters(reference: "ab c", hypothesis: "abc")
        #expect(c.sclite() == "Scores: (#C #S #D #I) 3 0 1 0\nREF:  a b <SPACE> c\nHYP:  a b ******* c\nEval:     D\n")
    }
}

/// Per-word accuracy counts each reference word's hits in the word alignments.
@Test func perWordAccuracyCountsHitsOfEachReferenceWord() {
    let alignments = [("go", "go"), ("go", "no"), ("stop", "stop"), ("go stop", "go"), ("yes", "yes yes")]
        .map { Scoring.alignWords(reference: $0.0, hypothesis: $0.1) }
    let table = WordAccuracy.table(alignments)
    #expect(table.map(\.word) == ["go", "stop", "yes"])
    #expect(table.map(\.said) == [3, 2, 1])
    #expect(table.map(\.recognized) == [2, 1, 1])
    #expect(abs(table[0].accuracy - 2.0 / 3) < 1e-12)
}
