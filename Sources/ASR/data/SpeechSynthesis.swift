import Foundation

/// `data.synthetic` in a recipe: digit strings spoken by the text-to-speech engines Debian
/// packages, in many voices, rates and pitches, mixed into the training data so the model
/// hears more than the recorded speakers. Generated on first use into `folder` (with
/// manifest.jsonl, one speaker per voice), never committed.
public struct SyntheticSpeechConfig: Codable, Equatable, Sendable {
    /// Where the recordings and manifest.jsonl go, relative to the recipe. Default "data/synthetic".
    public var folder = "data/synthetic"
    /// Utterances to make. Default 2000.
    public var count = 2000
    /// Engines to use: "espeak-ng" (about 100 voices: 7 English accents × 15 variants) and
    /// "flite" (5 voices). Default both.
    public var engines: [String] = ["espeak-ng", "flite"]
    /// Digits per utterance. Default 1 to 3.
    public var minDigits = 1
    public var maxDigits = 3
    /// Seed of the texts and voices. Default 1.
    public var seed: UInt64 = 1

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case folder, count, engines, minDigits = "min_digits", maxDigits = "max_digits", seed
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self), d = SyntheticSpeechConfig()
        folder = try c.value(.folder, or: d.folder)
        count = try c.value(.count, or: d.count)
        engines = try c.value(.engines, or: d.engines)
        minDigits = try c.value(.minDigits, or: d.minDigits)
        maxDigits = try c.value(.maxDigits, or: d.maxDigits)
        seed = try c.value(.seed, or: d.seed)
    }

    public func validate() throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(path: "data.synthetic.\(key)", message: message) }
        if !(1...200_000).contains(count) { throw fail("count", "expected 1 to 200000, got \(count)") }
        if engines.isEmpty { throw fail("engines", "expected at least one of \(SpeechSynthesis.knownEngines.joined(separator: ", "))") }
        for (i, e) in engines.enumerated() where !SpeechSynthesis.knownEngines.contains(e) {
            throw fail("engines[\(i)]", "unknown engine '\(e)'; expected one of \(SpeechSynthesis.knownEngines.joined(separator: ", "))")
        }
        if !(1...10).contains(minDigits) || !(minDigits...10).contains(maxDigits) {
            throw fail("max_digits", "expected 1 <= min_digits <= max_digits <= 10, got \(minDigits) and \(maxDigits)")
        }
    }
}

/// Speaks digit strings with espeak-ng and flite.
public enum SpeechSynthesis {
    public static let knownEngines = ["espeak-ng", "flite"]
    static let words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

    /// A voice of an engine, with the command-line arguments that select it.
    struct Voice: Sendable {
        var engine: String
        var name: String
    }

    static func voices(of engine: String) -> [Voice] {
        switch engine {
        case "espeak-ng":
            let accents = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbclan", "en-gb-x-gbcwmd"]
            let variants = (1...7).map { "m\($0)" } + (1...5).map { "f\($0)" } + ["croak", "klatt", "klatt2"]
            return accents.flatMap { a in variants.map { Voice(engine: engine, name: "\(a)+\($0)") } }
        default:
            return ["kal", "kal16", "awb", "rms", "slt"].map { Voice(engine: engine, name: $0) }
        }
    }

    /// The path of `engine` in `searchPath` (default: PATH), or nil.
    static func locate(_ engine: String, searchPath: String? = nil) -> String? {
        (searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(engine)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `ensure(_:in:...)` with `config.folder` resolved against `base` (the recipe's folder; ""
    /// is the working directory) and made absolute, so that the manifest is read from anywhere.
    public static func ensure(_ config: SyntheticSpeechConfig, base: String, sampleRate: Int, jobs: Int = 2,
                              searchPath: String? = nil, log: (String) -> Void) throws -> String {
        let folder = resolvePath(resolvePath(config.folder, against: base), against: FileManager.default.currentDirectoryPath)
        return try ensure(config, in: folder, sampleRate: sampleRate, jobs: jobs, searchPath: searchPath, log: log)
    }

    /// Makes the recordings in `folder` (`config.folder` resolved: absolute) unless it already
    /// holds them for these settings (its settings.json), and returns the path of
    /// manifest.jsonl. `searchPath`: where to look for the engines (default: PATH).
    public static func ensure(_ config: SyntheticSpeechConfig, in folder: String, sampleRate: Int, jobs: Int = 2,
                              searchPath: String? = nil, log: (String) -> Void) throws -> String {
        try config.validate()
        let manifest = "\(folder)/manifest.jsonl", stampPath = "\(folder)/settings.json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var stamp = try encoder.encode(config)
        stamp += Data("\n\(sampleRate)\n".utf8)
        if FileManager.default.contents(atPath: stampPath) == stamp, FileManager.default.fileExists(atPath: manifest) { return manifest }

        var located: [String: String] = [:]
        for (i, engine) in config.engines.enumerated() {
            guard let path = locate(engine, searchPath: searchPath) else {
                throw ConfigError(path: "data.synthetic.engines[\(i)]",
                                  message: "\(engine) is not installed (Debian: apt-get install \(engine)); install it or remove it from the list")
            }
            located[engine] = path
        }
        let paths = located
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: stampPath)
        let voices = config.engines.flatMap(voices(of:))
        log("synthesizing \(config.count) digit strings with \(voices.count) voices (\(config.engines.joined(separator: ", "))) into \(folder)")
        var lines = [String](repeating: "", count: config.count)
        var failure: Error?
        parallelOrdered(count: config.count, jobs: jobs, work: { i, _ -> Result<String, Error> in
            Result {
                var rng = SeededRandom(seed: config.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(i))
                let voice = voices[Int(rng.next() % UInt64(voices.count))]
                let n = config.minDigits + Int(rng.next() % UInt64(config.maxDigits - config.minDigits + 1))
                let text = (0..<n).map { _ in words[Int(rng.next() % 10)] }.joined(separator: " ")
                let name = String(format: "synth-%06d.wav", i)
                let raw = "\(folder)/.\(name).raw.wav"
                defer { unlink(raw) }
                try speak(text, voice: voice, engine: paths[voice.engine]!, rate: 0.75 + 0.5 * Double(rng.uniform()),
                          pitch: Double(rng.uniform()), to: raw)
                let samples = try AudioReader.read(raw, sampleRate: sampleRate).samples
                try AudioWriter.write(samples, to: "\(folder)/\(name)", sampleRate: sampleRate)
                return jsonLine(path: name, text: text, speaker: "tts-\(voice.engine)-\(voice.name)")
            }
        }, emit: { i, result in
            switch result {
            case .success(let line): lines[i] = line
            case .failure(let error): failure = failure ?? error
            }
        })
        if let failure { throw failure }
        try writeFileAtomically(Data((lines.joined(separator: "\n") + "\n").utf8), to: manifest)
        try writeFileAtomically(stamp, to: stampPath)
        return manifest
    }

    /// Runs the engine: `rate` scales the speaking rate (1 = its default), `pitch` in [0, 1].
    static func speak(_ text: String, voice: Voice, engine: String, rate: Double, pitch: Double, to path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: engine)
        switch voice.engine {
        case "espeak-ng":
            process.arguments = ["-v", voice.name, "-s", String(Int(175 * rate)), "-p", String(Int(20 + 60 * pitch)),
                                 "-g", String(Int(2 + 8 * pitch)), "-w", path, text]
        default:
            process.arguments = ["-voice", voice.name, "--setf", "duration_stretch=\(String(format: "%.2f", 1 / rate))",
                                 "--setf", "int_f0_target_mean=\(Int(90 + 90 * pitch))", "-t", text, "-o", path]
        }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw ConfigError(path: "data.synthetic", message: "\(voice.engine) -v \(voice.name) failed (status \(process.terminationStatus)): \(message)")
        }
    }

    static func jsonLine(path: String, text: String, speaker: String) -> String {
        #"{"audio_filepath":\#(jsonString(path)),"speaker":\#(jsonString(speaker)),"text":\#(jsonString(text))}"#
    }
}
