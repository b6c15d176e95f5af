import Foundation
import Testing
@testable import ASR

/// The message of the error `body` throws, or "no error".
private func errorMessage(_ body: () throws -> Void) -> String {
    do { try body(); return "no error" } catch { return "\(error)" }
}

/// The one vocabulary type: text normalisation and encoding (training), symbol tables of any
/// CTC model (decoding), Codable form and the recipe's `tokens` section.
struct VocabularyTests {
    let t = Vocabulary.characters

    @Test func normalisationRule() {
        #expect(t.normalize("Hello, World!") == "hello world")
        #expect(t.normalize("  well-known\t\n(test)  ") == "well known test")
        #expect(t.normalize("“Quoted” — text… end.") == "quoted text end")
        #expect(t.normalize("Don’t it`s ‘x’") == "don't it's 'x'")
        #expect(t.normalize("a;b:c?d\"e/f[g]{h}") == "a b c d e f g h")
        // Digits and symbols stay, to be reported as outside the token set.
        #expect(t.normalize("Call 911: 50% & more") == "call 911 50% & more")
        #expect(t.normalize(" .,!? ") == "")
        #expect(t.normalize("ÉCOLE") == "école")
    }

    @Test func characterVocabulary() throws {
        #expect(t.count == 29 && t.symbols[0] == "<blank>" && t.symbols[1] == " " && t.symbols[2] == "'")
        #expect(t.symbols[3] == "a" && t.symbols[28] == "z" && !t.isWordLevel)
        let labels = try t.encode("Hello, it's ME!")
        #expect(labels == [10, 7, 14, 14, 17, 1, 11, 22, 2, 21, 1, 15, 7])
        #expect(t.decode(labels) == "hello it's me")
        #expect(t.decode([0, 10, 0, 7]) == "he", "blanks are skipped")
        #expect(try t.encode("...") == [])
    }

    @Test func unknownCharactersAreNamed() {
        #expect(throws: TokenError.unknown(["é", "4", "2"], wordLevel: false)) { try t.encode("Café 42 24") }
        let message = "\(TokenError.unknown(["é", "4"], wordLevel: false))"
        #expect(message == #"characters outside the token set: "é" (U+00E9), "4""#, "\(message)")
    }

    @Test func wordLevelVocabulary() throws {
        let w = Vocabulary(words: fsddDigitWords)
        #expect(w.isWordLevel && w.count == 11 && w.symbols[0] == "<blank>")
        let labels = try w.encode("Four, one  SEVEN.")
        #expect(labels == [5, 2, 8])
        #expect(w.decode(labels) == "four one seven")
        #expect(throws: TokenError.unknown(["ten", "eleven"], wordLevel: true)) { try w.encode("one ten eleven ten") }
        #expect("\(TokenError.unknown(["ten"], wordLevel: true))" == #"words outside the vocabulary: "ten""#)
    }

    @Test func codableAndSymbolValidation() throws {
        for tok in [Vocabulary.characters, Vocabulary(words: ["yes", "no"])] {
            let back = try JSONDecoder().decode(Vocabulary.self, from: JSONEncoder().encode(tok))
            #expect(back == tok && back.isWordLevel == tok.isWordLevel)
            #expect(try Vocabulary(symbols: tok.symbols) == tok)
        }
        #expect(throws: TokenError.self) { try Vocabulary(symbols: ["a", "<blank>"]) }
        #expect(throws: TokenError.self) { try Vocabulary(symbols: ["<blank>", "yes", "yes"]) }
        #expect(throws: TokenError.self) { try Vocabulary(symbols: ["<blank>", " ", "ab"]) }
        #expect(throws: (any Error).self) { try JSONDecoder().decode(Vocabulary.self, from: Data(#"{"symbols": ["x"]}"#.utf8)) }
    }

    @Test func tokensConfig() throws {
        func decode(_ json: String) throws -> TokensConfig { try JSONDecoder().decode(TokensConfig.self, from: Data(json.utf8)) }
        #expect(try decode("{}").makeVocabulary() == .characters)
        #expect(try decode(#"{"type": "characters"}"#).makeVocabulary() == .characters)
        let words = try decode(#"{"type": "words", "words": ["zero", "one", "don't"]}"#).makeVocabulary()
        #expect(words.symbols == ["<blank>", "zero", "one", "don't"] && words.isWordLevel)
        let cases: [(String, String)] = [
            (#"{"type": "words"}"#, "tokens.words: "),
            (#"{"type": "words", "words": []}"#, "tokens.words: "),
            (#"{"type": "characters", "words": ["a"]}"#, "tokens.words: only used"),
            (#"{"type": "words", "words": ["zero", "One"]}"#, #"tokens.words[1]: "One" is not in normal form; write "one""#),
            (#"{"type": "words", "words": ["a", "b c"]}"#, "tokens.words[1]: "),
            (#"{"type": "words", "words": ["a", "b", "a"]}"#, "tokens.words[2]: \"a\" is listed twice"),
            (#"{"type": "words", "words": ["<blank>"]}"#, "tokens.words[0]: "),
        ]
        for (json, prefix) in cases {
            let m = errorMessage { _ = try decode(json).makeVocabulary() }
            #expect(m.hasPrefix(prefix), "\(json) -> \(m)")
        }
        let json = #"{"typ": "words"}"#
        let m = errorMessage { _ = try decode(json) }
        #expect(m != "no error")
        do { _ = try decode(json) } catch {
            let described = describeDecodingError(error)
            #expect(described.contains("typ") && described.contains("did you mean 'type'"), "\(described)")
        }
    }

    @Test func minimumFrames() {
        #expect(ctcMinimumFrames([]) == 0)
        #expect(ctcMinimumFrames([1, 2, 3]) == 3)
        #expect(ctcMinimumFrames([1, 1]) == 3)
        #expect(ctcMinimumFrames([5, 5, 5, 2, 5]) == 7)
    }

    // MARK: - Symbol tables (the decoders' view)

    @Test func symbolTables() throws {
        #expect(throws: DecodeError.self) { _ = try Vocabulary(["<blank>", "a", "a"]) }
        #expect(throws: DecodeError.self) { _ = try Vocabulary(["<blank>"]) }
        #expect(throws: DecodeError.self) { _ = try Vocabulary(["<blank>", ""]) }
        #expect(throws: DecodeError.self) { _ = try Vocabulary(["<blank>", "a b"], kind: .words) }
        let words = try Vocabulary(["<blank>", "yes", "no"])
        #expect(words.kind == .words && words.delimiter == nil && words.text([1, 0, 2]) == "yes no")
        #expect(words.spell("no") == [2] && words.spell("maybe") == nil)
        // Character tables: text collapses repeated and edge delimiters.
        let chars = try Vocabulary(["<blank>", " ", "'"] + (UInt8(ascii: "a")...UInt8(ascii: "z")).map { String(UnicodeScalar($0)) })
        #expect(chars.kind == .characters && chars.delimiter == 1)
        #expect(chars.text(chars.spell("a")! + [1, 1] + chars.spell("b")! + [1]) == "a b")
        #expect(chars.spell("a b") == nil && chars.spell("") == nil)
        // The symbols of a checkpoint give the same vocabulary by either initialiser.
        #expect(chars == t && chars.words([10, 7, 1, 1, 10]) == ["he", "h"])
        #expect(try Vocabulary([Vocabulary.blankSymbol] + fsddDigitWords) == Vocabulary(words: fsddDigitWords))
        // A wav2vec2-style table: any blank name, "|" between words; a space encodes as "|".
        let w2v = try Vocabulary(["<pad>", "|", "a", "b"], delimiter: "|")
        #expect(w2v.kind == .characters && w2v.delimiter == 1 && w2v.delimiterSymbol == "|")
        #expect(try w2v.encode("ab  b") == [2, 3, 1, 3] && w2v.decode([2, 3, 1, 3]) == "ab b" && w2v.text([1, 2, 1, 1, 3]) == "a b")
        #expect(w2v != (try Vocabulary(["<pad>", "|", "a", "b"])))
    }
}
