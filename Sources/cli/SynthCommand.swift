import ASR
import ArgumentParser
import Foundation

/// `asr synth`: the recipe's `data.synthetic` step on its own, for a data set to listen to,
/// share between recipes or mix in by hand (a recipe reads the manifest as any data set).
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Speak digit strings with espeak-ng and flite into a folder with a manifest.",
        discussion: """
            Writes FOLDER/synth-NNNNNN.wav at --sample-rate and FOLDER/manifest.jsonl (audio_filepath, \
            text, speaker: one per voice). The same settings reuse what is there. The options are \
            the keys of a recipe's data.synthetic, with the same defaults.
            """)

    @Option(help: "Where the recordings and manifest.jsonl go.")
    var output = SyntheticSpeechConfig().folder
    @Option(help: "Utterances to make.")
    var count = SyntheticSpeechConfig().count
    @Option(help: "Engines, comma-separated: \(SpeechSynthesis.knownEngines.joined(separator: ", ")).")
    var engines = SyntheticSpeechConfig().engines.joined(separator: ",")
    @Option(name: .customLong("min-digits"), help: "Fewest digits per utterance.")
    var minDigits = SyntheticSpeechConfig().minDigits
    @Option(name: .customLong("max-digits"), help: "Most digits per utterance.")
    var maxDigits = SyntheticSpeechConfig().maxDigits
    @Option(help: "Seed of the texts, voices, rates and pitches.")
    var seed = SyntheticSpeechConfig().seed
    @Option(name: .customLong("sample-rate"), help: "Sample rate of the files written.")
    var sampleRate = 8000
    @Option(help: "Engines run at once (default: the cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        var config = SyntheticSpeechConfig()
        config.folder = output
        config.count = count
        config.engines = engines.split(separator: ",").map { String($0) }
        config.minDigits = minDigits
        config.maxDigits = maxDigits
        config.seed = seed
        guard (4000...48000).contains(sampleRate) else { throw ValidationError("--sample-rate: expected 4000 to 48000 Hz, got \(sampleRate)") }
        do {
            let manifest = try SpeechSynthesis.ensure(config, base: "", sampleRate: sampleRate, jobs: max(1, jobs)) {
                FileHandle.standardError.write(Data(($0 + "\n").utf8))
            }
            print(manifest)
        } catch let error as ConfigError where error.path.hasPrefix("data.synthetic.") {
            // Name the option, not the recipe key: data.synthetic.engines[0] -> --engines.
            let key = error.path.dropFirst("data.synthetic.".count).prefix { $0 != "[" }
            throw ValidationError("--\(key.replacingOccurrences(of: "_", with: "-")): \(error.message)")
        }
    }
}
