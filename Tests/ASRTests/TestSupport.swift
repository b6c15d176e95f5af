import Foundation
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
