import Foundation
import Testing
@testable import ASR

/// One engine for files, samples and live streams: the same audio gives the same result
/// whichever way it arrives. Uses the small model of TrainingLoopTests (trained once).
struct RecognizerTests {
    static let words = TrainingLoopTests.words

    func recordings() throws -> String {
        try #require(Fixtures.fsdd, "FSDD recordings not found beside the checkout (../shared/data/fsdd)")
    }

    func file(_ digit: Int) throws -> String { "\(try recordings())/\(digit)_jackson_7.wav" }

    /// Pushes `samples` through a stream `chunk` samples at a time; returns the events of each
    /// push (the last entry: those of `finish`).
    func stream(_ recognizer: Recognizer, _ samples: [Float], rate: Int, chunk: Int,
                options: StreamOptions = .init()) throws -> [[StreamEvent]] {
        let stream = try recognizer.makeStream(sampleRate: rate, options: options)
        var events: [[StreamEvent]] = []
        for start in stride(from: 0, to: samples.count, by: chunk) {
            events.append(try stream.accept(Array(samples[start..<min(samples.count, start + chunk)])))
        }
        events.append(try stream.finish())
        return events
    }

    func finals(_ events: [[StreamEvent]]) -> [RecognitionResult] {
        events.joined().compactMap { if case .final(let r) = $0 { r } else { nil } }
    }

    @Test func samplesInMemoryGiveWhatTheFileGives() throws {
        let recognizer = try Recognizer(checkpoint: try TrainingLoopTests.trained.get().checkpoint)
        for digit in 0..<10 {
            let (x, rate) = try AudioReader.read(try file(digit))
            let fromFile = try recognizer.recognize(file: try file(digit))
            #expect(try recognizer.recognize(samples: x, sampleRate: rate) == fromFile)
        }
        // Another rate is resampled to the model's: a 16 kHz copy gives the same words.
        let (x, _) = try AudioReader.read(try file(7), sampleRate: 16_000)
        #expect(try recognizer.recognize(samples: x, sampleRate: 16_000).text == (try recognizer.recognize(file: try file(7)).text))
        #expect(throws: AudioError.self) { try recognizer.recognize(samples: [0, .nan, 0], sampleRate: 8000) }
    }

    /// 20 ms chunks (160 samples at 8 kHz): the stream's final result is the file's, words,
    /// times and confidences; for a single trimmed word and for three words with short pauses
    /// (shorter than a phrase-ending silence).
    @Test func streamInSmallChunksGivesWhatTheFileGives() throws {
        let recognizer = try Recognizer(checkpoint: try TrainingLoopTests.trained.get().checkpoint)
        var joined: [Float] = []
        for digit in 0..<10 {
            let (x, _) = try AudioReader.read(try file(digit))
            let events = try stream(recognizer, x, rate: 8000, chunk: 160)
            let fromFile = try recognizer.recognize(file: try file(digit))
            let got = finals(events)
            #expect(got.count == (fromFile.text.isEmpty ? 0 : 1))
            if let only = got.first { #expect(only == fromFile, "digit \(digit)") }
            if digit < 3 { joined += x + [Float](repeating: 0, count: 2400) }   // 0.3 s pauses
        }
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("three.wav").path
        try AudioWriter.write(joined, to: path, sampleRate: 8000)
        let read = try AudioReader.read(path).samples   // quantized to 16 bits, as the file is
        let got = finals(try stream(recognizer, read, rate: 8000, chunk: 160))
        let fromFile = try recognizer.recognize(file: path)
        #expect(got.count == 1)
        #expect(got.first?.words == fromFile.words && got.first?.text == fromFile.text)
    }

    /// A long pause ends a phrase: its final result comes while the audio still arrives
    /// (before `finish`), and each phrase's words are placed where they were spoken.
    @Test func pausesEndPhrasesWhileAudioArrives() throws {
        let recognizer = try Recognizer(checkpoint: try TrainingLoopTests.trained.get().checkpoint)
        var samples: [Float] = [], spans: [ClosedRange<Double>] = []
        for digit in [2, 5] {
            let (x, _) = try AudioReader.read(try file(digit))
            samples += [Float](repeating: 0, count: 4000)   // 0.5 s before
            spans.append(Double(samples.count) / 8000...Double(samples.count + x.count) / 8000)
            samples += x + [Float](repeating: 0, count: 8000)   // 1 s after
        }
        // A little noise, so that the silence has a level (digital zero is not what microphones give).
        var rng = SeededRandom(seed: 3)
        for i in samples.indices { samples[i] += (rng.uniform() - 0.5) * 2e-4 }
        let events = try stream(recognizer, samples, rate: 8000, chunk: 160)
        let beforeFinish = finals(Array(events.dropLast()))
        #expect(!beforeFinish.isEmpty, "no phrase ended before the stream did")
        let all = finals(events)
        #expect(all.count == 2, "\(all.map { "\($0.text) \($0.words.map { ($0.start, $0.end) })" })")
        for (phrase, span) in zip(all, spans) {
            #expect(!phrase.words.isEmpty)
            for w in phrase.words { #expect(w.start >= span.lowerBound - 0.35 && w.end <= span.upperBound + 0.35, "\(w) spoken at \(span)") }
        }
        // Partial results came as the words were spoken, before their phrase's final.
        #expect(events.joined().contains { if case .partial = $0 { true } else { false } })
    }

    /// Workers of a batch share one model: two sessions give what one gives.
    @Test func sessionsShareOneModel() throws {
        let recognizer = try Recognizer(checkpoint: try TrainingLoopTests.trained.get().checkpoint)
        let files = try (0..<10).map { try file($0) }
        let one = try BatchTranscriber(recognizer: recognizer, jobs: 1, batchSize: 4, files: files.count)
        let two = try BatchTranscriber(recognizer: recognizer, jobs: 2, batchSize: 4, files: files.count)
        var a: [String] = [], b: [String] = []
        one.run(files) { _, r in a.append((try? r.get().text) ?? "error") }
        two.run(files) { _, r in b.append((try? r.get().text) ?? "error") }
        #expect(a == b && a.count == 10)
    }

    /// `asr transcribe --stream -` with raw 16-bit PCM written to its standard input 20 ms at a
    /// time prints, as its final line, the words `asr transcribe` prints for the file.
    @Test func streamCommandMatchesTranscribe() throws {
        let checkpoint = try TrainingLoopTests.trained.get().checkpoint
        let path = try file(4)
        let asr = Fixtures.productsFolder.appendingPathComponent("asr").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: asr)
        process.arguments = ["transcribe", "--stream", "-", "--rate", "8000", "--model", checkpoint]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        let samples = try AudioReader.read(path).samples
        for start in stride(from: 0, to: samples.count, by: 160) {
            var bytes = Data()
            for x in samples[start..<min(samples.count, start + 160)] {
                withUnsafeBytes(of: Int16(max(-32768, min(32767, (x * 32768).rounded()))).littleEndian) { bytes.append(contentsOf: $0) }
            }
            stdin.fileHandleForWriting.write(bytes)
        }
        try stdin.fileHandleForWriting.close()
        let out = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = out.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let final = try #require(lines.last)
        #expect(final["type"] as? String == "final")
        let file = try Fixtures.runASR(["transcribe", path, "--model", checkpoint, "--format", "jsonl"])
        let expected = try JSONSerialization.jsonObject(with: Data(file.out.utf8)) as! [String: Any]
        #expect(final["text"] as? String == expected["text"] as? String)
        #expect(NSArray(array: final["words"] as! [Any]).isEqual(to: expected["words"] as! [Any]))
    }

    /// A model at half the feature frame rate (`model.subsample` 2) trains (CTC over its own
    /// frames, the too-short filter on them) and recognizes: word times in steps of its 20 ms
    /// frames, windows of a long recording on whole model frames, and a stream in 20 ms chunks
    /// that gives what the file gives.
    @Test func aSubsamplingModelTrainsAndRecognizes() throws {
        let recordings = try recordings()
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var (recipe, _) = try TrainingLoopTests().smallRecipe(in: dir, recordings: recordings, epochs: 40)
        recipe.model.subsample = 2
        let recipePath = dir.appendingPathComponent("recipe2.json").path
        try JSONEncoder().encode(recipe).write(to: URL(fileURLWithPath: recipePath))
        let history = try Trainer(recipe: try Recipe.load(recipePath), recipePath: recipePath) { _ in }.run(resume: false)
        #expect(history.count == 40 && history.last!.trainLoss < history.first!.trainLoss / 5,
                "loss \(history.first!.trainLoss) -> \(history.last!.trainLoss)")

        var options = RecognizerOptions()
        options.chunkSeconds = 1
        options.contextSeconds = 0.25   // 25 frames: windows round it down to 24
        let recognizer = try Recognizer(checkpoint: "\(recipe.output!)/best.safetensors", options: options)
        #expect(recognizer.model.subsampling == 2 && abs(recognizer.frameSeconds - 0.02) < 1e-12)
        var long: [Float] = []
        for digit in 0..<6 { long += try AudioReader.read(try file(digit)).samples + [Float](repeating: 0, count: 2000) }
        let path = dir.appendingPathComponent("long.wav").path
        try AudioWriter.write(long, to: path, sampleRate: 8000)
        let windowed = try recognizer.recognize(file: path)
        #expect(windowed.words.count >= 3, "windowed: '\(windowed.text)'")
        for w in windowed.words {
            #expect(abs(w.start / 0.02 - (w.start / 0.02).rounded()) < 1e-6 && abs(w.end / 0.02 - (w.end / 0.02).rounded()) < 1e-6)
            #expect(w.end <= Double(long.count) / 8000 + 0.02)
        }
        let whole = try Recognizer(checkpoint: "\(recipe.output!)/best.safetensors")
        let short = try file(3)
        let got = finals(try stream(whole, try AudioReader.read(short).samples, rate: 8000, chunk: 160))
        let fromFile = try whole.recognize(file: short)
        #expect(!fromFile.words.isEmpty && got.count == 1 && got.first?.words == fromFile.words, "'\(fromFile.text)'")
    }

    @Test func pcmDecoderKeepsSplitSamples() {
        var decoder = PCMDecoder(encoding: .s16le)
        let bytes: [UInt8] = [0x00, 0x40, 0x00, 0xC0, 0xFF]   // 0.5, -0.5, and half of a third sample
        #expect(decoder.decode(bytes.prefix(3)) == [0.5])
        #expect(decoder.decode(bytes.dropFirst(3)) == [-0.5])
        #expect(decoder.leftoverBytes == 1)
        var stereo = PCMDecoder(encoding: .f32le, channels: 2)
        let pair = [Float(1), 0].flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
        #expect(stereo.decode(pair) == [0.5])
    }
}
