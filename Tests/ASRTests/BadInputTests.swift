import Foundation
import Testing
@testable import ASR

/// Every kind of bad input gives one clear error that names the file and the problem.
/// A class, so that `deinit` removes each test's scratch folder.
final class BadInputTests {
    let dir = Fixtures.scratch()
    deinit { try? FileManager.default.removeItem(at: dir) }

    func file(_ name: String, _ bytes: [UInt8]) -> String {
        let path = dir.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    func validWAV(samples: Int, name: String = "ok.wav") throws -> String {
        let path = dir.appendingPathComponent(name).path
        try AudioWriter.write(sine(440, rate: 8000, seconds: Double(samples) / 8000), to: path, sampleRate: 8000)
        return path
    }

    func features(_ path: String, rate: Int = 8000) throws -> FeatureMatrix {
        var config = FeatureConfig()
        config.sampleRate = rate
        return try FeaturePipeline(config: config).features(ofFile: path)
    }

    /// The error's message for `path`, checking that it names the file.
    func message(_ path: String, rate: Int = 8000) -> String {
        do {
            _ = try features(path, rate: rate)
            return "no error"
        } catch {
            let text = "\(error)"
            #expect(text.contains(path), "message does not name the file: \(text)")
            return text
        }
    }

    @Test func missingFile() {
        #expect(message(dir.appendingPathComponent("nope.wav").path).contains("no such file"))
    }

    @Test func directory() {
        #expect(message(dir.path).contains("is a directory"))
    }

    @Test func emptyFile() {
        #expect(message(file("empty.wav", [])).contains("empty (0 bytes)"))
    }

    @Test func truncatedHeader() throws {
        let good = try Data(contentsOf: URL(fileURLWithPath: try validWAV(samples: 800)))
        let m = message(file("cut.wav", Array(good.prefix(20))))
        #expect(m.contains("not a readable audio file"), "\(m)")
    }

    @Test func textFileNamedWav() {
        let m = message(file("notes.wav", Array("this is not audio, just text\n".utf8)))
        #expect(m.contains("not a readable audio file"), "\(m)")
    }

    @Test func zeroSamples() throws {
        let path = dir.appendingPathComponent("zero.wav").path
        try AudioWriter.write([], to: path, sampleRate: 8000)
        #expect(message(path).contains("holds no samples"))
    }

    @Test func shorterThanOneFrame() throws {
        let m = message(try validWAV(samples: 150, name: "short.wav"))
        #expect(m.contains("shorter than one frame"), "\(m)")
        #expect(m.contains("150 samples"))
    }

    @Test(arguments: [0, -16000, 10_000_000])
    func absurdTargetRate(_ rate: Int) throws {
        let path = try validWAV(samples: 4000)
        do {
            _ = try AudioReader(path: path, sampleRate: rate)
            Issue.record("rate \(rate) accepted")
        } catch {
            #expect("\(error)".contains(path) && "\(error)".contains("\(rate) Hz"), "\(error)")
        }
        // The feature configuration refuses it before any file is opened.
        var config = FeatureConfig()
        config.sampleRate = rate
        #expect(throws: (any Error).self) { try config.validate() }
    }

    @Test func badFilesInBatchAreCountedAndGoodOnesProcessed() throws {
        let good1 = try validWAV(samples: 4000, name: "a.wav")
        let good2 = try validWAV(samples: 3000, name: "b.wav")
        let bad = file("bad.wav", Array("text".utf8))
        let missing = dir.appendingPathComponent("missing.wav").path
        let outDir = dir.appendingPathComponent("out").path

        let (status, out, err) = try Fixtures.runASR(["features", good1, bad, missing, good2, "--output", outDir, "--jobs", "2"])
        #expect(status == 1)
        #expect(err.contains(bad) && err.contains(missing), "stderr: \(err)")
        #expect(out.contains("2 files") && out.contains("2 failed"), "stdout: \(out)")
        let a = try NPY.read(outDir + "/a.npy"), b = try NPY.read(outDir + "/b.npy")
        #expect(a.shape == [48, 13] && b.shape == [36, 13])
    }
}
