import ASR
import ArgumentParser

struct AverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "average",
        abstract: "Average the weights of checkpoints of one training run into one model.",
        discussion: "The element-wise mean of the weights, as ESPnet's and fairseq's checkpoint averaging, "
            + "meant for the last few epochs of a run (runs/NAME/epoch-*.safetensors, kept by training.average_last): "
            + "it smooths out which epoch happens to be picked. On FSDD's held-out speakers it scored about as well "
            + "as the best epoch, no better. The metadata is the last checkpoint's.")

    @Argument(help: "Checkpoints written by asr train, all of the same model.")
    var checkpoints: [String]
    @Option(name: .shortAndLong, help: "Where to write the averaged checkpoint.")
    var output: String

    func run() throws {
        try CheckpointAveraging.average(checkpoints).save(to: output)
        print("averaged \(checkpoints.count) checkpoints into \(output)")
    }
}
