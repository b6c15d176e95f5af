import Foundation
import Testing
@testable import ASR

/// Batch transcription: inputs, shards, resumable output, subtitle formats, bad models, and
/// the `asr transcribe` command over a batch with bad files. The model here is untrained (its
/// words are noise); what is checked is the plumbing. Recognition quality is checked by
/// `TrainingLoopTests` with a trained model.
/// A class, so that `deinit` removes each test's scratch folder.
final class TranscribeTests {
    let dir = Fixtures.scratch("transcribe-\(UUID().uuidString)")
    deinit { try? FileManager.default.removeItem(at: dir) }

    func wav(_ name: String, seconds: Double, frequency: Double = 440) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try AudioWriter.write(sine(frequency, rate: 8000, seconds: seconds), to: path, sampleRate: 8000)
        return path
    }

    /// A small untrained model with the digits recipe's features, saved to `name`.
    func checkpoint(_ name: String = "model.safetensors") throws -> String {
        var features = FeatureConfig()
        features.sampleRate = 8000
        features.deltaOrder = 2
        features.cmvn = .utterance
        var config = ModelConfig()
        config.hiddenSize = 16
        config.layers = 1
        let model = AcousticModel(config: config, inputSize: features.dimension, vocabSize: Vocabulary.characters.count)
        let path = dir.appendingPathComponent(name).path
        try Checkpoint(model: model, features: features, tokens: Vocabulary.characters.symbols).save(to: path)
        return path
    }

    func jsonLines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    // MARK: inputs

    @Test func manifestsGiveTheirAudioPaths() throws {
        let manifest = dir.appendingPathComponent("list.tsv").path
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try """
            path\ttext
            a.wav\tseven
            # a comment

            /abs/b.flac
            {"audio_filepath": "sub/c.wav", "text": "two", "duration": 1.0}
            """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let base = dir.path
        #expect(try ManifestReader.audioPaths(of: manifest) == ["\(base)/a.wav", "/abs/b.flac", "\(base)/sub/c.wav"])

        try "a.wav\n{\"text\": \"no path\"}\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect { try ManifestReader.audioPaths(of: manifest) } throws: { "\($0)".contains("list.tsv:2") && "\($0)".contains("audio_filepath") }
    }

    @Test func foldersExpandToTheirAudioFilesSorted() throws {
        let b = try wav("set/b.wav", seconds: 0.1), a = try wav("set/inner/a.flac", seconds: 0.1)
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("set/notes.txt").path, contents: Data("x".utf8))
        #expect(try TranscriptionInputs.expand([dir.appendingPathComponent("set").path, "missing.wav"]) == [b, a, "missing.wav"])
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("empty"), withIntermediateDirectories: true)
        #expect(throws: ConfigError.self) { try TranscriptionInputs.expand([dir.appendingPathComponent("empty").path]) }
    }

    @Test func shardsSplitAListWithoutOverlap() throws {
        let items = Array(0..<10)
        let shards = try (0..<3).map { try Shard("\($0)/3").select(items) }
        #expect(shards == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]])
        for bad in ["3/3", "-1/2", "1/0", "1", "a/b"] {
            #expect { try Shard(bad) } throws: { "\($0)".contains("--shard") }
        }
    }

    // MARK: voice activity

    @Test func voiceActivityFindsTheSpeechAndKeepsTrimmedWordsWhole() {
        let options = VADOptions()
        // 10 ms blocks: 1 s of noise at -60 dB, 0.4 s of "speech" at -20 dB with a 0.1 s dip
        // to -45 dB (bridged: a pause must last 0.3 s), 1.5 s of noise, 0.5 s of speech, 1 s noise.
        let energies: [Float] = Array(repeating: -60, count: 100) + Array(repeating: -20, count: 15) + Array(repeating: -45, count: 10)
            + Array(repeating: -20, count: 15) + Array(repeating: -60, count: 150) + Array(repeating: -22, count: 50) + Array(repeating: -60, count: 100)
        let segments = speechSegments(energies, blockSeconds: 0.01, frames: energies.count, options: options)
        #expect(segments == [70..<170, 260..<370], "\(segments)")   // each padded by 0.3 s
        // A trimmed word: quiet edges (an s) 15 dB below the vowel stay inside the one segment.
        let word: [Float] = Array(repeating: -38, count: 8) + Array(repeating: -18, count: 12) + Array(repeating: -36, count: 6)
        #expect(speechSegments(word, blockSeconds: 0.01, frames: word.count, options: options) == [0..<26])
        // No contrast at all: one segment. A burst shorter than 0.05 s (a click) is not speech.
        #expect(speechSegments(Array(repeating: -50, count: 40), blockSeconds: 0.01, frames: 40, options: options) == [0..<40])
        let click: [Float] = Array(repeating: -70, count: 100) + Array(repeating: -20, count: 60) + Array(repeating: -70, count: 100)
            + Array(repeating: -10, count: 3) + Array(repeating: -70, count: 100)
        #expect(speechSegments(click, blockSeconds: 0.01, frames: click.count, options: options) == [70..<190])
        // Quiet speech over stationary noise 13 dB under it: the noise's 10 ms blips above the
        // threshold are not speech (without the running median they were bridged into segments).
        var blips = [Float](repeating: -63, count: 300)
        for i in stride(from: 7, to: 300, by: 9) { blips[i] = -57 }
        for i in 140..<170 { blips[i] = -50 }
        #expect(speechSegments(blips, blockSeconds: 0.01, frames: blips.count, options: options) == [110..<200])
        var noMedian = options
        noMedian.medianBlocks = 1
        #expect(speechSegments(blips, blockSeconds: 0.01, frames: blips.count, options: noMedian).count == 1)
        #expect(runningMedian([0, 9, 0, 0, 5, 5, 5, 0], width: 3) == [0, 0, 0, 0, 5, 5, 5, 0])
        // Frames past the energies (or energies past the frames) are not used.
        #expect(speechSegments(energies, blockSeconds: 0.01, frames: 120, options: options).allSatisfy { $0.upperBound <= 120 })
    }

    @Test func energyMeterMeasuresBlocksInDecibels() {
        var meter = EnergyMeter(blockSamples: 80)
        meter.accept([Float](repeating: 0.1, count: 100))
        meter.accept([Float](repeating: 0, count: 100))
        meter.finish()
        #expect(meter.energies.count == 3)
        #expect(abs(meter.energies[0] - (-20)) < 1e-3)                      // 0.1² -> -20 dB
        #expect(abs(meter.energies[1] - Float(10 * log10(0.01 * 20 / 80 + 1e-10))) < 1e-3)
        #expect(meter.energies[2] < -90)
    }

    // MARK: output

    @Test func resumeCutsAPartialLineAndListsTheDoneFiles() throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("out.jsonl").path
        let first = try TranscriptionOutput(path: path, resume: false)
        try first.write(#"{"file":"a.wav","text":"one"}"#)
        try first.write(#"{"file":"b.wav","error":"b.wav: not audio"}"#)
        // A run killed in the middle of a line.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"file":"c.wa"#.utf8))
        handle.closeFile()

        // b.wav failed: not done, so --resume tries it again, and its error line goes.
        let resumed = try TranscriptionOutput(path: path, resume: true)
        #expect(resumed.done == ["a.wav"])
        try resumed.write(#"{"file":"c.wav","text":"three"}"#)
        #expect(try jsonLines(path).map { $0["file"] as? String } == ["a.wav", "c.wav"])

        try "not json\n{\"no\": 1}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try TranscriptionOutput(path: path, resume: true) } throws: { "\($0)".contains("out.jsonl:2") }
    }

    @Test func jsonLinesAreValidJSONWhateverTheNames() throws {
        let odd = "dir/\"quoted\" back\\slash\ttab\nline\u{1}bell é 数字.wav"
        let word = TimedWord(word: "seven", frames: 3...9, start: 0.03, end: 0.1, confidence: 0.98765)
        let result = RecognitionResult(text: "seven", words: [word], confidence: 0.5, duration: 1.25)
        let line = TranscriptRenderer.json(file: odd, result, pretty: false)
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["file"] as? String == odd && object["text"] as? String == "seven")
        #expect(object["duration"] as? Double == 1.25 && object["confidence"] as? Double == 0.5)
        let words = try #require(object["words"] as? [[String: Any]])
        #expect(words.count == 1 && words[0]["confidence"] as? Double == 0.988 && words[0]["start"] as? Double == 0.03)
        let error = try #require(try JSONSerialization.jsonObject(with: Data(TranscriptRenderer.errorLine(file: odd, message: "a \"b\"").utf8)) as? [String: Any])
        #expect(error["file"] as? String == odd && error["error"] as? String == "a \"b\"")
    }

    /// JSON has no NaN or infinity: whatever a result holds, every JSON output parses (issue 17:
    /// a NaN confidence once gave `nan` in JSON lines and `{}` from --format json).
    @Test func nonFiniteNumbersNeverReachJSON() throws {
        let word = TimedWord(word: "seven", frames: 3...9, start: 0.03, end: .infinity, confidence: .nan)
        let result = RecognitionResult(text: "seven", words: [word], confidence: .nan, duration: 1.25)
        for pretty in [false, true] {
            let text = TranscriptRenderer.json(file: "a.wav", result, pretty: pretty)
            #expect(!text.contains("nan") && !text.contains("inf"))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(object["confidence"] as? Double == 0 && object["text"] as? String == "seven")
        }
        let stream = TranscriptRenderer.streamLine(.final(result))
        #expect(try JSONSerialization.jsonObject(with: Data(stream.utf8)) is [String: Any])
    }

    /// The text format escapes a file name's TAB, newline and backslash, and --resume reads the
    /// name back: such a file is done, not transcribed again on every resume (issue 17).
    @Test func textLinesKeepOddNamesOnOneLineAndResumeReadsThemBack() throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let names = ["plain.wav", "tab\there.wav", "new\nline.wav", "back\\slash\\t.wav", "cr\r.wav", "crlf\r\n.wav"]
        let result = RecognitionResult(text: "one two", words: [], confidence: 0.9, duration: 1)
        let path = dir.appendingPathComponent("out.txt").path
        let out = try TranscriptionOutput(path: path, resume: false)
        for name in names {
            let line = TranscriptFormats.named("text")!.render(file: name, result, named: true)
            #expect(!line.contains("\n") && !line.contains("\r") && line.split(separator: "\t").count == 2, "\(line.debugDescription)")
            try out.write(line)
        }
        #expect(try TranscriptionOutput(path: path, resume: true).done == Set(names))
    }

    @Test func subtitlesGroupWordsIntoTimedCues() {
        func word(_ w: String, _ start: Double, _ end: Double) -> TimedWord {
            TimedWord(word: w, frames: 0...0, start: start, end: end, confidence: 1)
        }
        // A pause of more than a second starts a new cue.
        let result = RecognitionResult(text: "one two three", words: [word("one", 0.5, 0.9), word("two", 1.0, 1.4), word("three", 3661.25, 3661.7)],
                                        confidence: 1, duration: 3662)
        #expect(TranscriptRenderer.srt(result) == "1\n00:00:00,500 --> 00:00:01,400\none two\n\n2\n01:01:01,250 --> 01:01:01,700\nthree\n")
        #expect(TranscriptRenderer.vtt(result) == "WEBVTT\n\n00:00:00.500 --> 00:00:01.400\none two\n\n01:01:01.250 --> 01:01:01.700\nthree\n")
        let many = (0..<12).map { word("w\($0)", Double($0) * 0.3, Double($0) * 0.3 + 0.2) }
        #expect(TranscriptRenderer.cues(many).map { $0.text.split(separator: " ").count } == [10, 2])
    }

    // MARK: models

    @Test func badModelsAreNamedWithTheProblem() throws {
        let good = try checkpoint()
        #expect { try Checkpoint.load(from: dir.appendingPathComponent("none.safetensors").path) } throws: { "\($0)".contains("none.safetensors") }
        let text = dir.appendingPathComponent("text.safetensors").path
        try "hello, I am not a model".write(toFile: text, atomically: true, encoding: .utf8)
        #expect { try Checkpoint.load(from: text) } throws: { "\($0)".contains("text.safetensors") }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let cut = dir.appendingPathComponent("cut.safetensors").path
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: cut))
        #expect { try Checkpoint.load(from: cut) } throws: { "\($0)".contains("cut.safetensors") }

        // Features that do not give the model's input size (13 without deltas vs 39).
        var file = try SafetensorsFile.read(good)
        var features = try JSONDecoder().decode(FeatureConfig.self, from: Data(file.metadata["asr.features"]!.utf8))
        features.deltaOrder = 0
        file.metadata["asr.features"] = String(decoding: try JSONEncoder().encode(features), as: UTF8.self)
        let mismatched = dir.appendingPathComponent("mismatched.safetensors").path
        try file.write(to: mismatched)
        #expect { try Checkpoint.load(from: mismatched) } throws: {
            "\($0)".contains("mismatched.safetensors") && "\($0)".contains("13") && "\($0)".contains("39")
        }
    }

    // MARK: the command

    @Test func aBatchReportsBadFilesInTheirLinesAndResumes() throws {
        let model = try checkpoint()
        let files = try (0..<5).map { try wav("audio/f\($0).wav", seconds: 0.3 + 0.1 * Double($0), frequency: 300 + 100 * Double($0)) }
        let bad = dir.appendingPathComponent("audio/bad.wav").path
        try "not audio".write(toFile: bad, atomically: true, encoding: .utf8)
        let missing = dir.appendingPathComponent("audio/missing.wav").path
        let manifest = dir.appendingPathComponent("list.tsv").path
        try ([files[0], bad, files[1], missing] + files[2...]).joined(separator: "\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        let output = dir.appendingPathComponent("out.jsonl").path

        let run = try Fixtures.runASR(["transcribe", "--model", model, "--manifest", manifest, "--output", output, "--jobs", "2", "--greedy"])
        #expect(run.status == 3, "stderr: \(run.err)")
        #expect(run.err.contains("2 of 7 files failed"), "stderr: \(run.err)")
        var lines = try jsonLines(output)
        #expect(lines.map { $0["file"] as? String } == [files[0], bad, files[1], missing] + files[2...], "in manifest order")
        #expect(lines.filter { $0["error"] != nil }.map { $0["file"] as? String } == [bad, missing])
        #expect((lines[1]["error"] as? String)?.contains("bad.wav") == true)
        #expect(lines.filter { $0["text"] != nil }.count == 5)

        // The same batch with one job gives the same lines.
        let single = dir.appendingPathComponent("single.jsonl").path
        _ = try Fixtures.runASR(["transcribe", "--model", model, "--manifest", manifest, "--output", single, "--jobs", "1", "--greedy"])
        #expect(try String(contentsOfFile: single, encoding: .utf8) == String(contentsOfFile: output, encoding: .utf8))

        // Killed after three lines, one of them half written: --resume completes it. A file
        // that failed (bad.wav, line 2) is not done: its error line goes and it is tried again.
        let text = try String(contentsOfFile: output, encoding: .utf8)
        let kept = text.split(separator: "\n").prefix(3).joined(separator: "\n") + "\n" + #"{"file": "\#(missing)", "te"#
        try kept.write(toFile: output, atomically: true, encoding: .utf8)
        let resumed = try Fixtures.runASR(["transcribe", "--model", model, "--manifest", manifest, "--output", output, "--resume", "--greedy"])
        #expect(resumed.err.contains("1 file failed in the earlier run; trying it again"), "stderr: \(resumed.err)")
        #expect(resumed.err.contains("2 of 7 files are done already"), "stderr: \(resumed.err)")
        lines = try jsonLines(output)
        #expect(Set(lines.compactMap { $0["file"] as? String }) == Set(files + [bad, missing]) && lines.count == 7)
        // The two bad files fail again; the five good ones are done.
        let again = try Fixtures.runASR(["transcribe", "--model", model, "--manifest", manifest, "--output", output, "--resume"])
        #expect(again.status == 3 && again.err.contains("5 of 7 files are done already"), "stderr: \(again.err)")
        #expect(try jsonLines(output).count == 7)

        // Shards 0/2 and 1/2 together are the whole list.
        var sharded: [String] = []
        for i in 0..<2 {
            let out = dir.appendingPathComponent("shard\(i).jsonl").path
            _ = try Fixtures.runASR(["transcribe", "--model", model, "--manifest", manifest, "--output", out, "--shard", "\(i)/2", "--greedy"])
            sharded += try jsonLines(out).compactMap { $0["file"] as? String }
        }
        #expect(sharded.count == 7 && Set(sharded) == Set(files + [bad, missing]))
    }

    @Test func transcribeExplainsAMissingOrBrokenModel() throws {
        let audio = try wav("a.wav", seconds: 0.5)
        let missing = try Fixtures.runASR(["transcribe", audio, "--model", dir.appendingPathComponent("none.safetensors").path])
        #expect(missing.status != 0 && missing.err.contains("none.safetensors"), "stderr: \(missing.err)")
        let lm = dir.appendingPathComponent("bad.arpa").path
        try "\\data\\\nngram 1=2\n\n\\1-grams:\n-1.0\t<s>\nnot a line\n\\end\\\n".write(toFile: lm, atomically: true, encoding: .utf8)
        let badLM = try Fixtures.runASR(["transcribe", audio, "--model", try checkpoint(), "--lm", lm])
        #expect(badLM.status != 0 && badLM.err.contains("bad.arpa") && badLM.err.contains("line"), "stderr: \(badLM.err)")
        let subtitles = try Fixtures.runASR(["transcribe", audio, audio, "--model", try checkpoint(), "--format", "srt"])
        #expect(subtitles.status != 0 && subtitles.err.contains("--output-dir"), "stderr: \(subtitles.err)")
    }
}
