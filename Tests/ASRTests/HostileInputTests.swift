import Foundation
import Testing
@testable import ASR

/// A checkpoint, an audio file or a stored setting is data from a stranger: every number is
/// checked against sane limits and against the tensors before anything is allocated, no path
/// found inside a checkpoint is opened, and no non-finite number gets through (issue 17).
final class HostileInputTests {
    let dir = Fixtures.scratch()
    deinit { try? FileManager.default.removeItem(at: dir) }

    /// A small valid checkpoint; returns its path.
    func checkpoint(_ name: String = "ok.safetensors", decoding: DecodingConfig? = nil) throws -> String {
        var config = ModelConfig()
        config.hiddenSize = 4
        config.layers = 1
        let features = FeatureConfig()
        let model = AcousticModel(config: config, inputSize: features.dimension, vocabSize: Vocabulary.characters.count)
        let path = dir.appendingPathComponent(name).path
        var extra: [String: String] = [:]
        if let decoding { extra["asr.decoding"] = String(decoding: try JSONEncoder().encode(decoding), as: UTF8.self) }
        try Checkpoint(model: model, features: features, tokens: Vocabulary.characters.symbols, extra: extra).save(to: path)
        return path
    }

    /// `path` with the JSON object in metadata `key` changed by `edit`, written to a new file.
    func edited(_ path: String, key: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
        var file = try SafetensorsFile.read(path)
        var object = try JSONSerialization.jsonObject(with: Data(file.metadata[key]!.utf8)) as! [String: Any]
        edit(&object)
        file.metadata[key] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let out = dir.appendingPathComponent("edited-\(UUID().uuidString).safetensors").path
        try file.write(to: out)
        return out
    }

    func loadError(_ path: String) -> String {
        do { _ = try Checkpoint.load(from: path); return "loaded" } catch { return "\(error)" }
    }

    @Test func modelSizesAreCheckedAgainstTheTensorsBeforeAnythingIsAllocated() throws {
        let ok = try checkpoint()
        #expect(loadError(ok) == "loaded")
        // Each once crashed (a 156 GB allocation) or built a model of gigabytes.
        let projection = try edited(ok, key: "asr.model") { $0["projection"] = 1_000_000_000 }
        #expect(loadError(projection).contains("model.projection"))
        let huge = try edited(ok, key: "asr.model") { $0["hidden_size"] = 4096; $0["layers"] = 16 }
        #expect(loadError(huge).contains("more than 100000000 parameters"))
        let bigger = try edited(ok, key: "asr.model") { $0["hidden_size"] = 8 }
        #expect(loadError(bigger).contains("but the file holds"))
    }

    @Test func aRunFolderStandsForItsBestModel() throws {
        let run = dir.appendingPathComponent("run").path
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        #expect(loadError(run).contains("a folder without best.safetensors"))
        try FileManager.default.copyItem(atPath: try checkpoint(), toPath: run + "/best.safetensors")
        #expect(loadError(run) == "loaded")
    }

    @Test func featureSettingsAreCheckedBeforeUse() throws {
        let ok = try checkpoint()
        let cases: [(String, Any, String)] = [
            ("num_mel_bins", 1_000_000_000, "features.num_mel_bins"),     // was a hang
            ("frame_shift_ms", 1e308, "features.frame_shift_ms"),         // was a trap converting to Int
            ("frame_length_ms", 1e300, "features.frame_length_ms"),
            ("dither", 1e300, "features.dither"),
        ]
        for (key, value, expected) in cases {
            let path = try edited(ok, key: "asr.features") { $0[key] = value }
            let message = loadError(path)
            #expect(message.contains(expected), "\(key): \(message)")
            #expect(message.contains(path))
        }
    }

    @Test func aPathInsideACheckpointIsNeverOpened() throws {
        var decoding = DecodingConfig()
        decoding.lm = "/etc/shadow"
        let path = try checkpoint("lm-path.safetensors", decoding: decoding)
        let checkpoint = try Checkpoint.load(from: path)
        do {
            _ = try Recognizer.storedDecoding(of: checkpoint, path: path)
            Issue.record("a stored LM path was accepted")
        } catch {
            let message = "\(error)"
            #expect(message.contains("names the file '/etc/shadow'") && message.contains("never opens"))
            #expect(!message.contains("root:"))
        }
    }

    @Test func aRecipesLexiconAndLMTravelInsideTheCheckpoint() throws {
        let words = dir.appendingPathComponent("words.txt").path
        try "one\ntwo\n".write(toFile: words, atomically: true, encoding: .utf8)
        let arpa = dir.appendingPathComponent("lm.arpa").path
        try "\\data\\\nngram 1=3\n\n\\1-grams:\n-0.5 one\n-0.5 two\n-1 </s>\n\n\\end\\\n".write(toFile: arpa, atomically: true, encoding: .utf8)
        var decoding = DecodingConfig()
        decoding.lexiconFile = words
        decoding.lm = arpa
        let stored = try decoding.selfContained(symbols: Vocabulary.characters)
        #expect(stored.lexicon == ["one", "two"] && stored.lexiconFile == nil)
        #expect(stored.lm == nil && stored.lmArpa?.contains("ngram 1=3") == true)
        #expect(stored.files.isEmpty)
        let decoder = try makeDecoder(stored, symbols: Vocabulary.characters)
        #expect(decoder.name.contains("lexicon"))
    }

    @Test func nonFiniteWeightsAreNeitherWrittenNorLoaded() throws {
        let ok = try checkpoint()
        let checkpoint = try Checkpoint.load(from: ok)
        checkpoint.model.parameters[1].value[2] = .nan
        let out = dir.appendingPathComponent("nan.safetensors").path
        #expect(throws: CheckpointError.self) { try checkpoint.save(to: out) }
        #expect(!FileManager.default.fileExists(atPath: out))
        // A file written by something else with a NaN in it is refused at load.
        var file = try SafetensorsFile.read(ok)
        let name = checkpoint.model.parameters[1].name
        file.tensors[name]!.values[2] = .infinity
        try file.write(to: out)
        let message = loadError(out)
        #expect(message.contains(name) && message.contains("finite"))
    }

    @Test func aNonFiniteSampleInAFloatFileIsAnErrorNamingTheFile() throws {
        var samples = sine(440, rate: 8000, seconds: 0.5)
        samples[1234] = .nan
        let path = dir.appendingPathComponent("nan.wav").path
        try AudioWriter.write(samples, to: path, sampleRate: 8000, encoding: .float32)
        do {
            _ = try AudioReader.read(path)
            Issue.record("a NaN sample was read without an error")
        } catch {
            #expect("\(error)" == "\(path): sample 1234 is nan; audio samples must be finite numbers")
        }
    }

    /// Found by `scripts/fuzz.sh audio`: a FLAC header whose frame count is Int.max made the
    /// read buffer's size overflow (a trap). The file's header is all there is; it reads as
    /// what it holds or fails with an error naming the file.
    /// A FLAC file written to a pipe stores 0 as its length ("unknown"): it is counted, and
    /// read whole.
    @Test func aFLACOfUnknownLengthIsCountedAndRead() throws {
        let path = dir.appendingPathComponent("unknown-length.flac").path
        try AudioWriter.write(sine(440, rate: 8000, seconds: 0.5), to: path, sampleRate: 8000)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // STREAMINFO's 36-bit sample count: the low nibble of byte 21 and bytes 22-25.
        bytes[21] &= 0xF0
        for i in 22...25 { bytes[i] = 0 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reader = try AudioReader(path: path)
        #expect(reader.fileFrameCount == 4000)
        #expect(try reader.readAll().count == 4000)
    }

    @Test func aHeaderThatClaimsIntMaxFramesIsNotTrusted() throws {
        let bytes = Data(base64Encoded: "ZkxhQwAAACIQABAAAAPfAAPfAfSZcAAAAAAAAAAAAACERwAAAAAAAAAAAAAAAAAARP///////////////yAAAAByZWYgbGliRkxBQyAzLjQuMiAyMDIyMTAyMhgyMTAyMhgBAAAAAAAAQ29tbWVtdOQ0wg0BAAAAAQAzArQk")!
        let path = dir.appendingPathComponent("claims-int-max.flac").path
        try bytes.write(to: URL(fileURLWithPath: path))
        do {
            let (samples, _) = try AudioReader.read(path, sampleRate: 16000)
            #expect(samples.count < 16000)
        } catch {
            #expect("\(error)".contains(path))
        }
    }
}

/// Extreme recipe values end with an error that names the key, not a crash or a hang.
@Test(arguments: [
    ("data.connected_digits.max_digits=0", "data.connected_digits.max_digits"),        // was a Range trap
    ("data.connected_digits.max_digits=-3", "data.connected_digits.max_digits"),
    ("training.spec_augment.freq_width=9223372036854775807", "training.spec_augment.freq_width"),   // was an overflow trap
    ("training.spec_augment.time_masks=2147483648", "training.spec_augment.time_masks"),            // was a hang
    ("features.frame_length_ms=18446744073709551616", "features.frame_length_ms"),                  // was a trap
    ("features.num_mel_bins=1000000000", "features.num_mel_bins"),                                  // was a hang
    ("model.projection=1000000000", "model.projection"),
    ("name=../x", "name"),                                                                          // wrote outside runs/
    ("name=a/b", "name"),
])
func extremeRecipeValuesNameTheKey(setting: String, key: String) throws {
    let recipe = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../recipes/digits.json").path
    do {
        _ = try Recipe.load(recipe, overrides: [setting])
        Issue.record("\(setting) was accepted")
    } catch {
        #expect("\(error)".contains(key), "\(setting): \(error)")
    }
}

/// A transcript far beyond any utterance's (scoring aligns in quadratic time: a 10 MB line
/// once hung `asr evaluate`) is a problem on its line, not hours of work.
@Test func anAbsurdTranscriptLineIsRefusedWithItsLineNumber() throws {
    let dir = Fixtures.scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("list.tsv").path
    let long = Array(repeating: "seven", count: 2_000_000).joined(separator: " ")
    try "a.wav\tone\nb.wav\t\(long)\n".write(toFile: path, atomically: true, encoding: .utf8)
    let started = Date()
    let listing = try ManifestReader.read(path, format: .tsv, config: DataSetConfig(path: path), key: "data.test", use: .utterances)
    #expect(Date().timeIntervalSince(started) < 30)
    #expect(listing.entries.map(\.id) == ["a.wav"])
    #expect(listing.problems.count == 1 && listing.problems[0].line == 2 && "\(listing.problems[0])".contains("at most 100000"))
}

/// The count a checkpoint's metadata is checked with, before any weight is allocated, is the
/// count of the model the layers build, for every kind of configuration.
@Test(arguments: [CellType.gru, .lstm], [false, true])
func parameterCountWithoutBuildingMatchesTheModel(cell: CellType, bidirectional: Bool) {
    for (projection, subsample, layers) in [(0, 1, 1), (5, 1, 2), (0, 3, 2), (7, 2, 3)] {
        var config = ModelConfig()
        config.cell = cell
        config.bidirectional = bidirectional
        config.hiddenSize = 6
        config.projection = projection
        config.subsample = subsample
        config.layers = layers
        let model = AcousticModel(config: config, inputSize: 11, vocabSize: 9)
        #expect(config.parameterCount(inputSize: 11, vocabSize: 9) == model.parameterCount, "\(config)")
    }
    var huge = ModelConfig()
    huge.subsample = 8
    #expect(huge.parameterCount(inputSize: Int.max / 4, vocabSize: 9) == nil)
}
