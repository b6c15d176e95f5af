import ASR
import ArgumentParser
import Foundation

// Benchmarks of asr's stages. Run from a release build:
//   swift run -c release asr-bench features --data ../shared/data/fsdd/recordings --threads 1
// Each prints one JSON line; bench/*.sh put them beside the PyTorch reference.

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asr-bench", abstract: "Benchmarks of asr's stages.", subcommands: [FeaturesBench.self, TrainStepBench.self, AllreduceBench.self])

    static func main() {
        BLASSetup.ensureFastKernels(verbose: false)
        Self.main(nil)
    }
}
