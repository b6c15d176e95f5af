import ASR
import ArgumentParser

struct AverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "average",
        abstract: "Average the weights of checkpoints of one training run into one model.",
        discussion: "The element-wise mean of the weights, as ESPnet's and fairseq's checkpoint averaging: "
            + "the last few epochs of a run (runs/NAME/epoch-*.safetensors, kept by training.average_last) "
            + "usually average into a model better than any one of them. The metadata is the last checkpoint's.")

    @Argument(help: "Checkpoints written by asr train, all of the same model.")
    var checkpoints: [String]
    @Option(name: .shortAndLong, help: "Where to write the averaged checkpoint.")
    var output: String

    func run() throws {
        guard !checkpoints.isEmpty else { throw ValidationError("give at least one checkpoint to average") }
        try CheckpointAveraging.average(checkpoints).save(to: output)
        print("averaged \(checkpoints.count) checkpoints into \(output)")
    }
}
