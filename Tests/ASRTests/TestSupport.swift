import Foundation
import Testing
@testable import ASR

/// Paths of the committed fixtures and scratch folders for tests.
enum Fixtures {
    static var root: URL { Bundle.module.resourceURL!.appendingPathComponent("fixtures") }
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// A fresh temporary folder, removed by the caller's `defer`.
    static func scratch(_ name: String = #function) -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("asr-tests-\(getpid())-\(name.filter(\.isLetter))-\(UInt32.random(in: 0...UInt32.max))")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The folder holding the built `asr` executable (swift test builds it too).
    static var productsFolder: URL { Bundle.module.bundleURL.deletingLastPathComponent() }

    /// Runs the built `asr` with `arguments`; returns its exit status, stdout and stderr.
    static func runASR(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let asr = Fixtures.productsFolder.appendingPathComponent("asr").path
        try #require(FileManager.default.isExecutableFile(atPath: asr), "asr not built at \(asr)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: asr)
        process.arguments = arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let out = stdout.fileHandleForReading.readDataToEndOfFile(), err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// FSDD recordings beside the checkout, if present.
    static var fsdd: String? {
        let candidates: [String?] = [ProcessInfo.processInfo.environment["FSDD_DIR"].map { $0 + "/recordings" },
                          URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                              .appendingPathComponent("../../../shared/data/fsdd/recordings").standardized.path]
        return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0) }
    }
}

/// Largest |a - b| and the largest |a - b| / max(|b|, floor) over two arrays of equal length.
func maxErrors(_ a: [Float], _ b: [Float], relativeFloor: Float = 1) -> (absolute: Float, relative: Float) {
    precondition(a.count == b.count)
    var absolute: Float = 0, relative: Float = 0
    for (x, y) in zip(a, b) {
        let e = abs(x - y)
        absolute = max(absolute, e)
        relative = max(relative, e / max(abs(y), relativeFloor))
    }
    return (absolute, relative)
}

/// A sine of `frequency` Hz, `seconds` long, amplitude `amplitude`.
func sine(_ frequency: Double, rate: Int, seconds: Double, amplitude: Float = 0.5) -> [Float] {
    (0..<Int(Double(rate) * seconds)).map { amplitude * Float(sin(2 * Double.pi * frequency * Double($0) / Double(rate))) }
}

/// Test convenience: a layer stack with one workspace, run on padded (T, B, ·) arrays. It
/// holds the packed input, which the layers read again in backward.
final class PaddedStack {
    let stack: LayerStack
    let workspace: LayerWorkspace
    private let input = Buffer()
    var inputSize: Int { stack.inputSize }
    var outputSize: Int { stack.outputSize }
    var parameters: [Parameter] { stack.parameters }

    init(_ stack: LayerStack) {
        self.stack = stack
        workspace = stack.makeWorkspace()
    }

    func zeroGrad() { stack.zeroGrad() }
    func reseedDropout(_ seed: UInt64) { stack.reseedDropout(workspace, seed) }

    /// Padded (T, B, I) in, padded (T, B, D·H) out (zeros on padding).
    /// `keep`: keep what backward needs (false: inference's one-step buffers).
    func forwardPadded(_ x: [Float], T: Int, B: Int, lengths: [Int], training: Bool, keep: Bool = true) -> [Float] {
        let layout = PackedLayout(lengths: lengths, T: T)
        let packed = input.reserve(layout.rows * inputSize)
        x.withUnsafeBufferPointer { layout.pack($0.baseAddress!, width: inputSize, into: packed) }
        let y = stack.forward(PackedRows(data: packed, width: inputSize, layout: layout), workspace: workspace,
                              pass: ForwardPass(training: training, keepsActivations: keep))
        var out = [Float](repeating: 0, count: T * B * outputSize)
        out.withUnsafeMutableBufferPointer { y.layout.unpack(y.data, width: outputSize, into: $0.baseAddress!) }
        return out
    }

    /// dy padded (T, B, D·H) -> dx padded (T, B, I).
    func backwardPadded(_ dy: [Float], T: Int, B: Int, lengths: [Int]) -> [Float] {
        let layout = PackedLayout(lengths: lengths, T: T)
        var packed = [Float](repeating: 0, count: layout.rows * outputSize)
        dy.withUnsafeBufferPointer { p in packed.withUnsafeMutableBufferPointer { layout.pack(p.baseAddress!, width: outputSize, into: $0.baseAddress!) } }
        let dx = packed.withUnsafeBufferPointer { stack.backward($0.baseAddress!, workspace: workspace, inputGradient: true)! }
        var out = [Float](repeating: 0, count: T * B * inputSize)
        out.withUnsafeMutableBufferPointer { layout.unpack(dx, width: inputSize, into: $0.baseAddress!) }
        return out
    }
}

extension ForwardPass {
    /// No dropout, activations kept: what a gradient check runs forward and then backward.
    static let checked = ForwardPass(training: false, keepsActivations: true)
}

extension AcousticModel {
    /// The encoder alone (every layer but the classifier), for comparisons with PyTorch.
    var encoderStack: LayerStack { LayerStack(Array(layers.dropLast())) }

    /// Test convenience: a forward pass with a workspace of its own; the logits (T, B, V) as an array.
    func logits(_ x: [Float], T: Int, B: Int, lengths: [Int], workspace: ModelWorkspace? = nil) -> [Float] {
        let ws = workspace ?? makeWorkspace()
        let out = x.withUnsafeBufferPointer { forward($0.baseAddress!, T: T, B: B, lengths: lengths, workspace: ws, pass: .checked) }
        return Array(UnsafeBufferPointer(start: out.logits, count: out.T * B * vocabSize))
    }
}
