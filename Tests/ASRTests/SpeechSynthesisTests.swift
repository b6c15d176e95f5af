import Foundation
import Testing
@testable import ASR

/// Synthetic speakers for training: espeak-ng and flite (CI installs both).
struct SpeechSynthesisTests {
    @Test func digitStringsAreSpokenIntoAManifestAndReused() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = SyntheticSpeechConfig()
        config.folder = "synth"
        config.count = 6
        config.seed = 3
        for engine in config.engines { try #require(SpeechSynthesis.locate(engine) != nil, "\(engine) is not installed") }
        var logged: [String] = []
        let manifest = try SpeechSynthesis.ensure(config, base: dir.path, sampleRate: 8000) { logged.append($0) }
        #expect(manifest == dir.standardizedFileURL.path + "/synth/manifest.jsonl" && logged.count == 1)
        let (utterances, problems) = try loadDataSet(DataSetConfig(path: manifest), key: "data.synthetic", relativeTo: "",
                                                     tokenizer: .characters)
        #expect(problems.isEmpty && utterances.count == 6)
        for u in utterances {
            #expect(u.text.split(separator: " ").allSatisfy { SpeechSynthesis.words.contains(String($0)) }, "\(u.text)")
            #expect(u.speaker?.hasPrefix("tts-") == true)
            let audio = try AudioReader.read(u.audioPath)
            #expect(audio.sampleRate == 8000 && audio.samples.count > 2000, "\(u.audioPath)")
        }
        // The same settings: nothing is made again. Other settings: made anew.
        _ = try SpeechSynthesis.ensure(config, base: dir.path, sampleRate: 8000) { logged.append($0) }
        #expect(logged.count == 1)
        config.count = 4
        _ = try SpeechSynthesis.ensure(config, base: dir.path, sampleRate: 8000) { logged.append($0) }
        let lines = try String(contentsOfFile: manifest, encoding: .utf8).split(separator: "\n")
        #expect(logged.count == 2 && lines.count == 4)
    }

    @Test func synthCommandWritesAManifestAndNamesItsOptions() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        for engine in SyntheticSpeechConfig().engines { try #require(SpeechSynthesis.locate(engine) != nil, "\(engine) is not installed") }
        let folder = dir.appendingPathComponent("synth").path
        let made = try Fixtures.runASR(["synth", "--output", folder, "--count", "3", "--max-digits", "2", "--sample-rate", "16000"])
        #expect(made.status == 0, "\(made.err)")
        #expect(made.out == folder + "/manifest.jsonl\n")
        let (utterances, problems) = try loadDataSet(DataSetConfig(path: folder + "/manifest.jsonl"), key: "synth", relativeTo: "",
                                                     tokenizer: .characters)
        #expect(problems.isEmpty && utterances.count == 3)
        #expect(utterances.allSatisfy { $0.text.split(separator: " ").count <= 2 })
        #expect(try AudioReader.read(utterances[0].audioPath).sampleRate == 16000)
        let bad = try Fixtures.runASR(["synth", "--output", folder, "--engines", "festival"])
        #expect(bad.status != 0 && bad.err.contains("--engines: unknown engine 'festival'"), "\(bad.err)")
    }

    @Test func aMissingEngineOrBadSettingNamesTheRecipeKey() throws {
        var config = SyntheticSpeechConfig()
        config.engines = ["flite", "espeak-ng"]
        #expect { try SpeechSynthesis.ensure(config, base: "/tmp", sampleRate: 8000, searchPath: "/nonexistent") { _ in } } throws: {
            "\($0)".contains("data.synthetic.engines[0]") && "\($0)".contains("flite is not installed")
        }
        config.engines = ["festival"]
        #expect { try config.validate() } throws: { "\($0)".contains("data.synthetic.engines[0]") && "\($0)".contains("unknown engine") }
        config = SyntheticSpeechConfig()
        config.maxDigits = 0
        #expect { try config.validate() } throws: { "\($0)".contains("data.synthetic.max_digits") }
    }
}
