import ASR
import Foundation

/// Writes the seeds that are easier to generate than to commit by hand: small checkpoints of
/// each kind (GRU and LSTM, one and two directions, projection, subsampling, int8, a stored
/// decoding with a lexicon and an ARPA model). The fuzzer starts from these so that its first
/// mutations already reach the metadata checks and the model, not only the header parser.
func writeGeneratedSeeds(into folder: String) throws {
    let out = folder + "/checkpoint"
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    var features = FeatureConfig()
    features.deltaOrder = 0
    let tokens = Scratch.characters.symbols

    func model(_ cell: CellType, bidirectional: Bool, projection: Int = 0, subsample: Int = 1) -> AcousticModel {
        var config = ModelConfig()
        config.cell = cell
        config.hiddenSize = 4
        config.layers = 1
        config.bidirectional = bidirectional
        config.projection = projection
        config.subsample = subsample
        return AcousticModel(config: config, inputSize: features.dimension, vocabSize: tokens.count)
    }
    let decoding = """
        {"method":"beam","beam_width":4,"lexicon":["one","two"],\
        "lm_arpa":"\\\\data\\\\\\nngram 1=3\\n\\n\\\\1-grams:\\n-0.5\\tone\\n-0.5\\ttwo\\n-1\\t</s>\\n\\n\\\\end\\\\\\n"}
        """
    let seeds: [(name: String, model: AcousticModel, extra: [String: String])] = [
        ("gru", model(.gru, bidirectional: true), [:]),
        ("lstm-projection", model(.lstm, bidirectional: true, projection: 3), [:]),
        ("gru-forward-subsample2", model(.gru, bidirectional: false, subsample: 2), [:]),
        ("gru-decoding", model(.gru, bidirectional: true), ["asr.decoding": decoding]),
    ]
    for seed in seeds {
        try Checkpoint(model: seed.model, features: features, tokens: tokens, extra: seed.extra).save(to: "\(out)/\(seed.name).safetensors")
    }
    let quantized = model(.gru, bidirectional: true)
    quantized.quantize()
    try Checkpoint(model: quantized, features: features, tokens: tokens).save(to: "\(out)/gru-int8.safetensors")
    print("wrote \(seeds.count + 1) checkpoints to \(out)")
}
