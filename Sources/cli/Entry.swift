import ASR
import ArgumentParser
import Foundation

@main
enum Entry {
    static func main() {
        // Must come before any BLAS work: may restart the process with faster kernels.
        BLASSetup.ensureFastKernels(verbose: CommandLine.arguments.contains("--verbose"))
        // asr runs its own threads; OpenBLAS's would only spin beside them.
        BLASThreads.set(1)
        ASRCommand.main()
    }
}

struct ASRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asr",
        abstract: "Small-footprint CTC speech recognition: features, training, transcription.",
        subcommands: [TrainCommand.self, TranscribeCommand.self, EvaluateCommand.self, ScoreCommand.self, AverageCommand.self, QuantizeCommand.self, SynthCommand.self, CompareCommand.self, FeaturesCommand.self, CMVNStatsCommand.self, ParamsCommand.self, InfoCommand.self]
    )
}

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print the versions of the native libraries in use.")

    @Flag(help: "Also say whether asr restarted itself for faster OpenBLAS kernels.")
    var verbose = false

    func run() throws {
        for (name, version) in LibraryVersions.all { print("\(name): \(version)") }
    }
}
