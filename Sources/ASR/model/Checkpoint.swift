import Foundation

/// A trained model on disk: one safetensors file that PyTorch can read.
///
/// Tensors carry the names of PyTorch's `nn.GRU`/`nn.LSTM`/`nn.Linear` state dicts
/// (`encoder.weight_ih_l0`, `encoder.weight_hh_l1_reverse`, `classifier.weight`, ...), so
/// `model.load_state_dict(safetensors.torch.load_file(path))` works on a module with attributes
/// `projection` (if any), `encoder` and `classifier`. The `__metadata__` holds, as JSON strings,
/// everything needed to use the model: `asr.model` (ModelConfig), `asr.features`
/// (FeatureConfig), `asr.tokens` (the vocabulary, index 0 = blank), `asr.input_size`, and
/// `asr.format` (the checkpoint format version). The optimiser state for resuming training goes
/// in a second file, written by the trainer (`Adam.state()`).
public struct Checkpoint {
    public static let formatVersion = "1"
    /// The largest model a checkpoint may describe (400 MB of float weights).
    public static let maxParameters = 100_000_000

    public var model: AcousticModel
    public var features: FeatureConfig
    public var tokens: [String]
    /// Any other metadata (training progress, provenance), kept as is.
    public var extra: [String: String]

    public init(model: AcousticModel, features: FeatureConfig, tokens: [String], extra: [String: String] = [:]) {
        self.model = model
        self.features = features
        self.tokens = tokens
        self.extra = extra
    }

    /// Writes the checkpoint atomically (temporary file, fsync, rename). A weight that is not
    /// a finite number (a run that diverged, an average of such runs) is refused, not written.
    public func save(to path: String) throws {
        for p in model.parameters {
            if let bad = p.value.firstIndex(where: { !$0.isFinite }) {
                throw CheckpointError(path: path, message: "not written: \(p.name)[\(bad)] is \(p.value[bad]); a checkpoint holds finite "
                                      + "weights only (did training diverge?)")
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        var metadata = extra
        metadata["asr.format"] = Checkpoint.formatVersion
        metadata["asr.model"] = try json(model.config)
        metadata["asr.features"] = try json(features)
        metadata["asr.tokens"] = try json(tokens)
        metadata["asr.input_size"] = String(model.inputSize)
        try SafetensorsFile(parameters: model.parameters, metadata: metadata).write(to: path)
    }

    /// Reads and validates a checkpoint: the metadata must describe a model whose every tensor
    /// is present with its exact shape.
    /// A run folder (what `asr train` writes) stands for its best.safetensors.
    public static func load(from path: String) throws -> Checkpoint {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            let best = (path.hasSuffix("/") ? path : path + "/") + "best.safetensors"
            guard FileManager.default.fileExists(atPath: best) else {
                throw CheckpointError(path: path, message: "a folder without best.safetensors; pass a checkpoint file or a run folder of asr train")
            }
            return try load(from: best)
        }
        let file = try SafetensorsFile.read(path)
        func field(_ key: String) throws -> String {
            guard let value = file.metadata[key] else {
                throw CheckpointError(path: path, message: "no '\(key)' in the metadata; this safetensors file was not written by asr "
                                      + "(expected the keys asr.format, asr.model, asr.features, asr.tokens, asr.input_size)")
            }
            return value
        }
        func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
            let text = try field(key)
            do {
                return try JSONDecoder().decode(T.self, from: Data(text.utf8))
            } catch {
                throw CheckpointError(path: path, message: "metadata '\(key)': " + describeDecodingError(error, json: Data(text.utf8)))
            }
        }
        let version = try field("asr.format")
        guard version == formatVersion else {
            throw CheckpointError(path: path, message: "checkpoint format \(version); this asr reads format \(formatVersion)")
        }
        let config = try decode(ModelConfig.self, "asr.model")
        let features = try decode(FeatureConfig.self, "asr.features")
        let tokens = try decode([String].self, "asr.tokens")
        guard let inputSize = Int(try field("asr.input_size")), inputSize > 0 else {
            throw CheckpointError(path: path, message: "metadata 'asr.input_size' is not a positive integer")
        }
        do {
            try features.validate()
        } catch {
            throw CheckpointError(path: path, message: "metadata 'asr.features': \(error)")
        }
        guard features.dimension == inputSize else {
            throw CheckpointError(path: path, message: "metadata 'asr.features' gives \(features.dimension)-dim features but the model "
                                  + "takes \(inputSize) inputs (asr.input_size); the file is inconsistent, was it edited?")
        }
        guard tokens.count >= 2 else {
            throw CheckpointError(path: path, message: "metadata 'asr.tokens' lists \(tokens.count) tokens; expected the blank and at least one more")
        }
        do {
            try config.validate()
        } catch {
            throw CheckpointError(path: path, message: "metadata 'asr.model': \(error)")
        }
        // The metadata must describe the tensors the file holds before a model is built from it
        // (building allocates every weight): same number of values, and at most maxParameters.
        let held = file.tensors.filter { !$0.key.hasSuffix(SafetensorsFile.scaleSuffix) }.values.reduce(0) { $0 + $1.values.count }
        guard let needed = config.parameterCount(inputSize: inputSize, vocabSize: tokens.count), needed <= maxParameters else {
            throw CheckpointError(path: path, message: "metadata 'asr.model' describes a model of more than \(maxParameters) parameters; "
                                  + "asr loads models up to that size")
        }
        guard needed == held else {
            throw CheckpointError(path: path, message: "metadata 'asr.model' describes a model of \(needed) parameters, but the file "
                                  + "holds \(held) weight values; the file is inconsistent, was it edited?")
        }
        let model = AcousticModel(config: config, inputSize: inputSize, vocabSize: tokens.count)
        try loadParameters(model.parameters, from: file, path: path)
        let known: Set<String> = ["asr.format", "asr.model", "asr.features", "asr.tokens", "asr.input_size"]
        return Checkpoint(model: model, features: features, tokens: tokens,
                          extra: file.metadata.filter { !known.contains($0.key) })
    }
}

public struct CheckpointError: Error, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}
