import ASR   // not @testable: this file sees only what a library user sees
import Foundation
import Testing

/// The README's library example, as a user of the `ASR` product writes it.
struct PublicAPITests {
    @Test func readmeExampleRuns() throws {
        let checkpoint = try TrainingLoopTests.trained.get().checkpoint
        let fsdd = try #require(Fixtures.fsdd, "FSDD recordings not found beside the checkout")

        let recognizer = try Recognizer(checkpoint: checkpoint)
        let samples: [Float] = try AudioReader.read("\(fsdd)/7_jackson_7.wav").samples
        let result = try recognizer.recognize(samples: samples, sampleRate: 8000)
        print(result.text)
        for w in result.words { print(w.word, w.start, w.end, w.confidence) }

        let stream = try recognizer.makeStream(sampleRate: 16_000)
        let chunk = try AudioReader.read("\(fsdd)/7_jackson_7.wav", sampleRate: 16_000).samples
        var finals: [String] = []
        for event in try stream.accept(chunk) + (try stream.finish()) {
            if case .final(let phrase) = event { finals.append(phrase.text) }
        }
        #expect(result.text == "seven")
        #expect(finals == ["seven"])
    }
}
