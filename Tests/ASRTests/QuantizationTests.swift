import Foundation
import Testing
@testable import ASR

/// int8 weights (`asr quantize`): the quantizer's bounds, the int8 product against the float
/// one, and the checkpoint format.
struct QuantizationTests {
    func randomMatrix(_ rows: Int, _ cols: Int, seed: UInt64, bound: Float = 1) -> [Float] {
        var rng = SeededRandom(seed: seed)
        return rng.uniformArray(rows * cols, bound: bound)
    }

    @Test func weightsKeepHalfAStepPerRow() {
        let (rows, cols) = (7, 33)
        var w = randomMatrix(rows, cols, seed: 1)
        for c in 0..<cols { w[2 * cols + c] = 0 }          // an all-zero row
        w[3 * cols + 5] = 40                               // one row with an outlier
        let q = Int8Matrix(quantizing: w, rows: rows, cols: cols)
        let back = q.dequantized()
        for r in 0..<rows {
            let largest = w[(r * cols)..<((r + 1) * cols)].map(abs).max()!
            if largest > 0 { #expect(abs(q.scales[r] - largest / 127) <= largest * 1e-6) }
            for c in 0..<cols {
                #expect(abs(back[r * cols + c] - w[r * cols + c]) <= q.scales[r] / 2 * 1.0001, "row \(r) col \(c)")
                #expect(abs(Int(q.values[r * cols + c])) <= 127)
            }
        }
        #expect(back[(2 * cols)..<(3 * cols)].allSatisfy { $0 == 0 })
        // The largest magnitude of a row maps to ±127 exactly.
        #expect(q.values[3 * cols + 5] == 127)
    }

    /// x Wᵀ through oneDNN's int8 GEMM against the float product of the dequantized weights:
    /// the only error left is the activations' rounding, at most half a step each.
    @Test func int8ProductMatchesTheFloatProduct() {
        let (n, k, m) = (37, 129, 45)
        var x = randomMatrix(n, k, seed: 2, bound: 3)
        x[5] = 7.5                                        // a wide range, not symmetric
        let w = Int8Matrix(quantizing: randomMatrix(m, k, seed: 3, bound: 0.2), rows: m, cols: k)
        let wf = w.dequantized()
        let scratch = Int8Scratch()
        for (range, bias) in [(nil, Float(0)), (nil, Float(0.25))] as [(ClosedRange<Float>?, Float)] {
            var y = [Float](repeating: bias, count: n * m)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer {
                    w.multiply(xp.baseAddress!, rows: n, ldx: k, into: $0.baseAddress!, ldy: m, accumulate: bias != 0, range: range, scratch: scratch)
                }
            }
            let lo = min(0, x.min()!), hi = max(0, x.max()!), step = (hi - lo) / 127
            for i in 0..<n {
                for j in 0..<m {
                    var exact: Float = bias, bound: Float = 0
                    for c in 0..<k {
                        exact += x[i * k + c] * wf[j * k + c]
                        bound += abs(wf[j * k + c]) * step / 2
                    }
                    #expect(abs(y[i * m + j] - exact) <= bound * 1.01 + 1e-4, "(\(i), \(j)): \(y[i * m + j]) vs \(exact)")
                }
            }
        }
        // A fixed range (the recurrent state): values in [-1, 1], the product still within bounds.
        let h = randomMatrix(4, k, seed: 4, bound: 1)
        var y = [Float](repeating: 0, count: 4 * m)
        h.withUnsafeBufferPointer { hp in
            y.withUnsafeMutableBufferPointer {
                w.multiply(hp.baseAddress!, rows: 4, ldx: k, into: $0.baseAddress!, ldy: m, accumulate: false, range: -1...1, scratch: scratch)
            }
        }
        for i in 0..<4 {
            for j in 0..<m {
                let exact = (0..<k).reduce(Float(0)) { $0 + h[i * k + $1] * wf[j * k + $1] }
                let bound = (0..<k).reduce(Float(0)) { $0 + abs(wf[j * k + $1]) } * (2 / 127) / 2
                #expect(abs(y[i * m + j] - exact) <= bound * 1.01 + 1e-4)
            }
        }
    }

    /// A quantized model's logits stay close to the float model's, and its greedy output is the same.
    @Test func quantizedModelFollowsTheFloatModel() {
        for cell in CellType.allCases {
            var config = ModelConfig()
            config.cell = cell
            config.hiddenSize = 32
            config.layers = 2
            config.subsample = 2
            let float = AcousticModel(config: config, inputSize: 13, vocabSize: 6)
            let quantized = AcousticModel(config: config, inputSize: 13, vocabSize: 6)
            quantized.quantize()
            #expect(quantized.isQuantized && !float.isQuantized)
            let (T, B) = (40, 3), lengths = [40, 31, 9]
            let x = randomMatrix(T * B, 13, seed: 5, bound: 2)
            let a = float.logits(x, T: T, B: B, lengths: lengths), b = quantized.logits(x, T: T, B: B, lengths: lengths)
            let largest = a.map(abs).max()!
            let error = zip(a, b).map { abs($0 - $1) }.max()!
            #expect(error < 0.02 * largest + 0.01, "\(cell): logits differ by \(error) (largest \(largest))")
            // Training never uses the int8 weights: the forward pass in training is the float one.
            let ws = quantized.makeWorkspace()
            let trained = x.withUnsafeBufferPointer {
                quantized.forward($0.baseAddress!, T: T, B: B, lengths: lengths, workspace: ws, pass: ForwardPass(training: true))
            }
            let c = Array(UnsafeBufferPointer(start: trained.logits, count: trained.T * B * 6))
            let dequantizedFloat = AcousticModel(config: config, inputSize: 13, vocabSize: 6)
            for (p, q) in zip(dequantizedFloat.parameters, quantized.parameters) { p.value = q.value }
            #expect(c == dequantizedFloat.logits(x, T: T, B: B, lengths: lengths))
        }
    }

    /// The checkpoint stores I8 weights and F32 scales under PyTorch's names and loads back
    /// to the same integers; bad scales are refused with the tensor named.
    @Test func int8CheckpointRoundTrip() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = ModelConfig()
        config.hiddenSize = 64
        config.layers = 1
        let model = AcousticModel(config: config, inputSize: FeatureConfig().dimension, vocabSize: 29)
        model.quantize()
        let path = dir.appendingPathComponent("int8.safetensors").path
        try Checkpoint(model: model, features: FeatureConfig(), tokens: Vocabulary.characters.symbols).save(to: path)
        let file = try SafetensorsFile.read(path)
        #expect(file.tensors["encoder.weight_ih_l0"]?.dtype == "I8")
        #expect(file.tensors["encoder.weight_ih_l0_scale"]?.shape == [192])
        #expect(file.tensors["encoder.bias_ih_l0"]?.dtype == "F32")
        #expect(file.tensors["classifier.weight"]?.dtype == "I8")
        let loaded = try Checkpoint.load(from: path)
        for (p, q) in zip(model.parameters, loaded.model.parameters) {
            #expect(p.int8 == q.int8, "\(p.name)")
            #expect(p.value == q.value, "\(p.name)")
        }
        // An int8 file is under a third of the float one (biases and scales stay float).
        let floatPath = dir.appendingPathComponent("float.safetensors").path
        try Checkpoint(model: AcousticModel(config: config, inputSize: FeatureConfig().dimension, vocabSize: 29), features: FeatureConfig(),
                       tokens: Vocabulary.characters.symbols).save(to: floatPath)
        let size = { (p: String) in (try FileManager.default.attributesOfItem(atPath: p)[.size] as! Int) }
        #expect(try size(path) * 3 < size(floatPath))

        var bad = file
        bad.tensors["encoder.weight_hh_l0_scale"]!.values[3] = -1
        let badPath = dir.appendingPathComponent("bad.safetensors").path
        try bad.write(to: badPath)
        #expect { try Checkpoint.load(from: badPath) } throws: { error in
            let text = "\(error)"
            return text.contains("bad.safetensors") && text.contains("encoder.weight_hh_l0") && text.contains("finite and positive")
        }
        bad = file
        bad.tensors["classifier.weight_scale"] = nil
        try bad.write(to: badPath)
        #expect { try Checkpoint.load(from: badPath) } throws: { "\($0)".contains("classifier.weight_scale") }
    }
}
