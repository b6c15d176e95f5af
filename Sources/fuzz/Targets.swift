import ASR
import Foundation

/// One fuzz target: a reader of data from a stranger, driven with arbitrary bytes. Each target
/// goes past parsing into what the parsed value is used for (a checkpoint recognizes a tone, an
/// ARPA model or a lexicon decodes scores, audio becomes features), since a value that parses
/// but breaks its user is the same bug.
struct FuzzTarget: Sendable {
    let name: String
    let about: String
    let body: @Sendable (Data) throws -> Void

    /// Runs the target on `bytes`: nil when they were accepted, the error when refused.
    func runOnce(_ bytes: Data) -> Error? {
        do { try body(bytes); return nil } catch { return error }
    }

    static let all: [FuzzTarget] = [checkpoint, arpa, recipe, manifest, lexicon, audio]

    static let checkpoint = FuzzTarget(name: "checkpoint", about: "a safetensors checkpoint with its metadata; recognizes 0.3 s with it") { bytes in
        let path = try Scratch.write(bytes, to: "input.safetensors")
        let checkpoint = try Checkpoint.load(from: path)
        let decoding = try Recognizer.storedDecoding(of: checkpoint, path: path)
        let recognizer = try Recognizer(checkpoint: checkpoint, decoding: decoding)
        _ = try recognizer.recognize(samples: Scratch.tone, sampleRate: 16000)
    }

    static let arpa = FuzzTarget(name: "arpa", about: "an ARPA n-gram file; scores its words and decodes with it") { bytes in
        let lm = try ARPALanguageModel(contentsOf: try Scratch.write(bytes, to: "input.arpa"))
        let words = Array(lm.vocabulary.prefix(16))
        for (i, word) in words.enumerated() { _ = lm.log10Prob(word, context: Array(words[..<i].suffix(lm.order))) }
        let decoder = try BeamSearchDecoder(symbols: Scratch.characters, options: BeamSearchOptions(beamWidth: 4), languageModel: lm)
        _ = try decoder.decode(Scratch.scores(for: Scratch.characters, seed: bytes.count))
    }

    /// The leading lines that start with `--set ` are overrides, as `asr train --set` gives them;
    /// the rest is the recipe file.
    static let recipe = FuzzTarget(name: "recipe", about: "a recipe file, after leading '--set key=value' lines") { bytes in
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)[...]
        var overrides: [String] = []
        while let line = lines.first, line.starts(with: Array("--set ".utf8)) {
            overrides.append(String(decoding: line.dropFirst(6), as: UTF8.self))
            lines = lines.dropFirst()
        }
        let file = Data(lines.joined(separator: [UInt8(ascii: "\n")]))
        _ = try Recipe.parse(try Scratch.write(file, to: "recipe.json"), overrides: overrides)
    }

    /// The first byte picks the reader: a TSV manifest, a JSON-lines manifest, a Kaldi data
    /// folder (wav.scp, text and utt2spk, separated by NUL bytes) or the audio paths of
    /// `asr transcribe --manifest`. The scratch folder holds a.wav and b.wav to name.
    static let manifest = FuzzTarget(name: "manifest", about: "TSV, JSON-lines and Kaldi data sets (first byte picks), audio paths") { bytes in
        guard let kind = bytes.first else { return }
        let rest = bytes.dropFirst()
        switch kind % 4 {
        case 0, 1:
            let name = kind % 4 == 0 ? "input.tsv" : "input.jsonl"
            try Scratch.write(rest, to: name)
            _ = try loadDataSet(DataSetConfig(path: name), key: "data.train", relativeTo: Scratch.folder, tokenizer: Scratch.characters)
        case 2:
            let parts = rest.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false).map { Data($0) }
            let folder = try Scratch.emptyFolder("kaldi")
            for (name, part) in zip(["wav.scp", "text", "utt2spk"], parts) { try Scratch.write(part, to: "kaldi/\(name)") }
            _ = try loadDataSet(DataSetConfig(path: folder), key: "data.train", relativeTo: Scratch.folder, tokenizer: Scratch.characters)
        default:
            _ = try ManifestReader.audioPaths(of: try Scratch.write(rest, to: "input.txt"))
        }
    }

    static let lexicon = FuzzTarget(name: "lexicon", about: "a lexicon file (one word per line); decodes with it") { bytes in
        let lexicon = try Lexicon(contentsOf: try Scratch.write(bytes, to: "lexicon.txt"), symbols: Scratch.characters)
        let decoder = try BeamSearchDecoder(symbols: Scratch.characters, options: BeamSearchOptions(beamWidth: 4), lexicon: lexicon)
        _ = try decoder.decode(Scratch.scores(for: Scratch.characters, seed: bytes.count))
    }

    /// Read whole (resampled to 16 kHz) and streamed in chunks at 8 kHz; features of the start.
    static let audio = FuzzTarget(name: "audio", about: "an audio file of any format libsndfile reads; resampled, streamed, features") { bytes in
        let path = try Scratch.write(bytes, to: "input.audio")
        let (samples, _) = try AudioReader.read(path, sampleRate: 16000)
        let reader = try AudioReader(path: path, sampleRate: 8000, chunkFrames: 512)
        while try reader.next() != nil {}
        _ = Scratch.features.compute(Array(samples.prefix(32000)))
    }
}

/// The files a target writes its input to (one folder per process), and fixed inputs.
enum Scratch {
    static let folder: String = {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("asr-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Scratch.folder) }
        // Two short recordings a manifest may name.
        for name in ["a.wav", "b.wav"] { try? AudioWriter.write(Scratch.tone, to: "\(path)/\(name)", sampleRate: 16000) }
        return path
    }()

    /// 0.3 s of a 440 Hz tone at 16 kHz.
    static let tone: [Float] = (0..<4800).map { 0.3 * sin(2 * Float.pi * 440 * Float($0) / 16000) }

    /// The character vocabulary of the digits recipes.
    static let characters: Vocabulary = try! TokensConfig().makeVocabulary()

    /// One thread runs the targets.
    nonisolated(unsafe) static let features: FeatureComputer = try! FeatureComputer(config: FeatureConfig())

    /// Writes `bytes` to `name` in the scratch folder; returns its path.
    @discardableResult
    static func write(_ bytes: Data, to name: String) throws -> String {
        let path = "\(folder)/\(name)"
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// An empty folder `name` in the scratch folder; returns its path.
    static func emptyFolder(_ name: String) throws -> String {
        let path = "\(folder)/\(name)"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// 24 frames of log-softmax scores over `symbols`, the same for the same seed.
    static func scores(for symbols: Vocabulary, seed: Int) throws -> LogProbs {
        let V = symbols.count, frames = 24
        var state = UInt64(truncatingIfNeeded: seed) &* 6364136223846793005 &+ 1442695040888963407
        var values = [Float](repeating: 0, count: frames * V)
        for t in 0..<frames {
            for v in 0..<V {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                values[t * V + v] = Float(state >> 40) / Float(1 << 24) * 6
            }
            let row = values[(t * V)..<(t * V + V)]
            let logSum = log(row.reduce(0) { $0 + exp($1) })
            for v in 0..<V { values[t * V + v] -= logSum }
        }
        return try LogProbs(frames: frames, V: V, values: values)
    }
}
