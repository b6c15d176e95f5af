import ASR
import ArgumentParser
import Foundation

struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Write an int8 copy of a checkpoint: smaller, and faster to recognize with.",
        discussion: "Every weight matrix becomes int8 with one scale per row (symmetric, PyTorch's per-channel "
            + "weight quantization); biases stay float. At run time the activations are quantized on the fly, "
            + "as PyTorch's dynamic quantization does, and the products go through oneDNN's int8 GEMM. "
            + "The file is a safetensors file: each weight is an I8 tensor under its PyTorch name and its scales "
            + "an F32 tensor '<name>_scale' (w = t[name].float() * t[name + '_scale'][:, None]). "
            + "asr transcribe, evaluate and the recognizer read it like any checkpoint. Training from it would train "
            + "the float values it stands for, not the int8 ones.")

    @Argument(help: "A checkpoint written by asr train (or asr average).")
    var checkpoint: String
    @Option(name: .shortAndLong, help: "Where to write the int8 checkpoint.")
    var output: String

    func run() throws {
        var model = try Checkpoint.load(from: checkpoint)
        let before = model.model.isQuantized
        model.model.quantize()
        model.extra["asr.quantized_from"] = URL(fileURLWithPath: checkpoint).lastPathComponent
        try model.save(to: output)
        let size = { (path: String) in ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0 }
        print(before ? "\(checkpoint) is int8 already; wrote a copy to \(output)"
              : "wrote \(output): int8 weights, \(size(output) / 1024) KB (was \(size(checkpoint) / 1024) KB)")
    }
}
