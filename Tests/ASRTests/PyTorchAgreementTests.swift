import Foundation
import Testing
@testable import ASR

/// With weights written by PyTorch (safetensors), asr's 2-layer bidirectional GRU and LSTM give
/// the outputs of `nn.GRU`/`nn.LSTM` on a packed ragged batch, and the logits of the classifier.
/// Fixtures: scripts/fixtures/make_rnn_fixtures.py.
struct PyTorchAgreementTests {
    struct Manifest: Decodable {
        let T: Int, B: Int, input_size: Int, hidden_size: Int, layers: Int, vocab: Int
        let lengths: [Int]
    }

    static let manifest: Manifest = try! JSONDecoder().decode(
        Manifest.self, from: Data(contentsOf: Fixtures.root.appendingPathComponent("rnn/manifest.json")))

    func model(_ cell: CellType) throws -> AcousticModel {
        let m = Self.manifest
        var config = ModelConfig()
        config.cell = cell
        config.hiddenSize = m.hidden_size
        config.layers = m.layers
        let model = AcousticModel(config: config, inputSize: m.input_size, vocabSize: m.vocab)
        let path = Fixtures.path("rnn/\(cell.rawValue).safetensors")
        try loadParameters(model.parameters, from: try SafetensorsFile.read(path), path: path)
        return model
    }

    @Test(arguments: [CellType.gru, .lstm])
    func forwardMatchesPackedPyTorch(cell: CellType) throws {
        let m = Self.manifest
        let model = try model(cell)
        let (x, xShape) = try NPY.read(Fixtures.path("rnn/\(cell.rawValue)_input.npy"))
        let (encoderRef, _) = try NPY.read(Fixtures.path("rnn/\(cell.rawValue)_encoder_output.npy"))
        let (logitsRef, logitsShape) = try NPY.read(Fixtures.path("rnn/\(cell.rawValue)_logits.npy"))
        #expect(xShape == [m.T, m.B, m.input_size] && logitsShape == [m.T, m.B, m.vocab])

        let encoded = PaddedStack(model.encoderStack).forwardPadded(x, T: m.T, B: m.B, lengths: m.lengths, training: false)
        let logits = model.logits(x, T: m.T, B: m.B, lengths: m.lengths)
        #expect(logits.count == logitsRef.count)
        // Logits of padding frames: PyTorch applies the classifier to the zero padding (giving
        // its bias); asr does not compute them (zeros). Compare the real frames.
        var ours: [Float] = [], theirs: [Float] = []
        for t in 0..<m.T { for b in 0..<m.B where t < m.lengths[b] {
            let start = (t * m.B + b) * m.vocab
            ours += logits[start..<(start + m.vocab)]
            theirs += logitsRef[start..<(start + m.vocab)]
        } }
        for t in 0..<m.T { for b in 0..<m.B where t >= m.lengths[b] {
            #expect(logits[((t * m.B + b) * m.vocab)..<((t * m.B + b + 1) * m.vocab)].allSatisfy { $0 == 0 })
        } }
        let e = maxErrors(encoded, encoderRef).absolute, l = maxErrors(ours, theirs).absolute
        print("\(cell): max abs error encoder \(e), logits \(l)")
        #expect(e < 1e-4, "encoder output differs from PyTorch by \(e)")
        #expect(l < 1e-4, "logits differ from PyTorch by \(l)")
    }

    /// A checkpoint asr writes holds exactly PyTorch's state_dict names and shapes, and reads
    /// back to the same model. (make_rnn_fixtures.py --check-swift FILE loads such a file into
    /// nn.GRU/nn.Linear with load_state_dict(strict=True); see the script.)
    @Test(arguments: [CellType.gru, .lstm])
    func checkpointRoundTripKeepsPyTorchNames(cell: CellType) throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try model(cell)
        var features = FeatureConfig()
        features.sampleRate = 8000
        features.numCeps = model.inputSize   // the features must give the model's input size
        let tokens = ["<blank>", " ", "'", "a", "b", "c", "d"]
        let path = dir.appendingPathComponent("model.safetensors").path
        try Checkpoint(model: model, features: features, tokens: tokens, extra: ["epoch": "3"]).save(to: path)

        let file = try SafetensorsFile.read(path)
        let torchFile = try SafetensorsFile.read(Fixtures.path("rnn/\(cell.rawValue).safetensors"))
        #expect(Set(file.tensors.keys) == Set(torchFile.tensors.keys))
        for (name, tensor) in torchFile.tensors {
            #expect(file.tensors[name] == tensor, "\(name) differs from what PyTorch saved")
        }
        try loadInPyTorchIfAvailable(path, cell: cell)
        let loaded = try Checkpoint.load(from: path)
        #expect(loaded.model.config == model.config)
        #expect(loaded.features == features && loaded.tokens == tokens && loaded.extra["epoch"] == "3")
        for (a, b) in zip(loaded.model.parameters, model.parameters) { #expect(a.name == b.name && a.value == b.value) }
    }

    /// With ASR_TORCH_PYTHON set to a Python that has torch and safetensors, loads the file asr
    /// wrote into nn.GRU/nn.LSTM + nn.Linear with load_state_dict(strict=True) and checks the
    /// logits PyTorch then computes. (CI has no torch; run it by hand, see README.)
    func loadInPyTorchIfAvailable(_ path: String, cell: CellType) throws {
        guard let python = ProcessInfo.processInfo.environment["ASR_TORCH_PYTHON"] else { return }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scripts/fixtures/make_rnn_fixtures.py").standardized.path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--check-swift", path, "--cell", cell.rawValue]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        #expect(process.terminationStatus == 0, "PyTorch could not load the checkpoint")
        struct Report: Decodable { let loaded: [String]; let logits_sum: Double }
        let report = try JSONDecoder().decode(Report.self, from: output)
        // Sum of the logits of the real frames (padding frames excluded on both sides).
        let m = Self.manifest
        let (reference, _) = try NPY.read(Fixtures.path("rnn/\(cell.rawValue)_logits.npy"))
        var expected = 0.0
        for t in 0..<m.T { for b in 0..<m.B where t < m.lengths[b] {
            for v in 0..<m.vocab { expected += Double(reference[(t * m.B + b) * m.vocab + v]) }
        } }
        #expect(abs(report.logits_sum - expected) < 1e-3, "PyTorch's logits from asr's checkpoint: sum \(report.logits_sum), expected \(expected)")
        #expect(report.loaded.count == 18)
        print("PyTorch loaded asr's \(cell) checkpoint: \(report.loaded.count) tensors, logits sum \(report.logits_sum) (expected \(expected))")
    }

    @Test func checkpointErrorsAreClear() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A PyTorch-written weights file is not an asr checkpoint: the message says what is missing.
        do {
            _ = try Checkpoint.load(from: Fixtures.path("rnn/gru.safetensors"))
            Issue.record("loaded a file without asr metadata")
        } catch {
            #expect("\(error)".contains("no 'asr.format' in the metadata"), "\(error)")
        }
        // A checkpoint cut short.
        let model = try model(.gru)
        let path = dir.appendingPathComponent("m.safetensors").path
        var features = FeatureConfig()
        features.numCeps = model.inputSize
        try Checkpoint(model: model, features: features, tokens: ["<blank>", "a", "b", "c", "d", "e", "f"]).save(to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = dir.appendingPathComponent("cut.safetensors").path
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        #expect(throws: (any Error).self) { try Checkpoint.load(from: cut) }
        // Not a safetensors file at all.
        let text = dir.appendingPathComponent("notes.safetensors").path
        try Data("hello".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: (any Error).self) { try Checkpoint.load(from: text) }
    }
}
