import ASR
import ArgumentParser

extension CellType: ExpressibleByArgument {}

struct ParamsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "params",
        abstract: "Parameter counts of a model configuration, GRU and LSTM side by side.")

    @Option(name: .customLong("input-size"), help: "Feature dimensions (39 = 13 MFCC + deltas + delta-deltas).")
    var inputSize = 39
    @Option(name: .customLong("hidden-size"), help: "Units per direction.")
    var hiddenSize = 128
    @Option(help: "Stacked recurrent layers.")
    var layers = 2
    @Option(help: "Input projection size (0: none).")
    var projection = 0
    @Option(name: .customLong("vocab-size"), help: "Output symbols (29 = blank, space, apostrophe, a-z).")
    var vocabSize = 29
    @Flag(help: "One direction only.")
    var unidirectional = false

    func run() throws {
        var config = ModelConfig()
        config.hiddenSize = hiddenSize
        config.layers = layers
        config.projection = projection
        config.bidirectional = !unidirectional
        try config.validate()
        print("\(layers) x \(unidirectional ? "" : "bi")RNN, \(hiddenSize) per direction, \(inputSize) inputs, \(vocabSize) outputs"
              + (projection > 0 ? ", projection \(projection)" : ""))
        var counts: [CellType: (recurrent: Int, total: Int)] = [:]
        for cell in CellType.allCases {
            config.cell = cell
            // Counted on a model built from the configuration (the one count of the layers).
            let model = AcousticModel(config: config, inputSize: inputSize, vocabSize: vocabSize)
            counts[cell] = (model.recurrentParameterCount, model.parameterCount)
            let c = counts[cell]!
            print("  \(cell.rawValue.uppercased().padding(toLength: 5, withPad: " ", startingAt: 0)) recurrent \(c.recurrent), total \(c.total) "
                  + "(\(c.total * 4 / 1024) KiB as float32)")
        }
        let ratio = Double(counts[.gru]!.recurrent) / Double(counts[.lstm]!.recurrent)
        print("  GRU / LSTM recurrent parameters: \(ratio) (3 gates against 4)")
    }
}
