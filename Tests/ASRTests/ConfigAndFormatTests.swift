import Foundation
import Testing
@testable import ASR

struct ConfigAndFormatTests {
    func decode(_ json: String) -> Result<FeatureConfig, Error> {
        Result { try JSONDecoder().decode(FeatureConfig.self, from: Data(json.utf8)) }
    }

    func message(_ json: String) -> String {
        guard case .failure(let error) = decode(json) else { return "decoded" }
        return describeDecodingError(error, json: Data(json.utf8))
    }

    @Test func missingKeysTakeKaldiDefaults() throws {
        let config = try decode(#"{"sample_rate": 8000}"#).get()
        var expected = FeatureConfig()
        expected.sampleRate = 8000
        #expect(config == expected)
        #expect(config.frameLength == 200 && config.frameShift == 80 && config.paddedLength == 256)
        #expect(config.melBins == 23 && config.numCeps == 13 && config.windowType == .povey)
        // Encoding and decoding again gives the same configuration.
        let again = try JSONDecoder().decode(FeatureConfig.self, from: try JSONEncoder().encode(config))
        #expect(again == config)
    }

    @Test func unknownKeyIsNamedWithSuggestion() {
        let m = message(#"{"num_mel_bin": 40}"#)
        #expect(m.contains("num_mel_bin") && m.contains("did you mean 'num_mel_bins'"), "\(m)")
    }

    @Test func wrongTypeNamesKeyAndValue() {
        let m = message(#"{"frame_shift_ms": "10"}"#)
        #expect(m == #"frame_shift_ms: expected a number, got "10""#, "\(m)")
        let window = message(#"{"window_type": "kaiser"}"#)
        #expect(window.hasPrefix("window_type:"), "\(window)")
    }

    @Test func inconsistentValuesNameTheKey() {
        var c = FeatureConfig()
        c.sampleRate = 8000
        c.highFreq = 5000
        #expect(throws: (any Error).self) { try c.validate() }
        do { try c.validate() } catch { #expect("\(error)".hasPrefix("features.high_freq:"), "\(error)") }
        c = FeatureConfig()
        c.numCeps = 40
        do { try c.validate() } catch { #expect("\(error)".hasPrefix("features.num_ceps:"), "\(error)") }
    }

    @Test func npyRoundTrip() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = FeatureMatrix(rows: 3, cols: 4, data: (0..<12).map { Float($0) * 0.5 - 1 })
        let path = dir.appendingPathComponent("m.npy").path
        try NPY.write(m, to: path)
        let (data, shape) = try NPY.read(path)
        #expect(shape == [3, 4] && data == m.data)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect((bytes.count - 12 * 4) % 64 == 0, "header padded to 64 bytes as numpy does")
    }

    @Test func deltaFiltersAreKaldis() {
        let f = deltaFilters(order: 2, window: 2)
        #expect(f[1] == [-0.2, -0.1, 0, 0.1, 0.2])
        // Order 2 is the order-1 filter convolved with itself: [4, 4, 1, -4, -10, -4, 1, 4, 4] / 100.
        let expected: [Float] = [0.04, 0.04, 0.01, -0.04, -0.1, -0.04, 0.01, 0.04, 0.04]
        #expect(maxErrors(f[2], expected).absolute < 1e-7)
    }

    @Test func deltasOfALinearRampAreItsSlope() {
        // Away from the edges, the delta of x_t = 3t is 3 and the delta-delta 0.
        let ramp = FeatureMatrix(rows: 12, cols: 1, data: (0..<12).map { Float(3 * $0) })
        let d = addDeltas(ramp, order: 2, window: 2)
        for t in 4..<8 {
            #expect(abs(d[t, 1] - 3) < 1e-5 && abs(d[t, 2]) < 1e-5)
        }
        // At the first frame the clamped window sees [0, 0, 0, 3, 6]: delta = (0.1·3 + 0.2·6) = 1.5.
        #expect(abs(d[0, 1] - 1.5) < 1e-5)
    }

    @Test func globalCMVNStatsSaveLoadAndApply() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = FeatureMatrix(rows: 2, cols: 2, data: [1, 10, 3, 14])
        let b = FeatureMatrix(rows: 2, cols: 2, data: [5, 18, 7, 22])
        var stats = CMVNStats(dimension: 2)
        stats.accumulate(a)
        stats.accumulate(b)
        #expect(stats.mean == [4, 16])
        #expect(stats.variance == [5, 20])
        let path = dir.appendingPathComponent("cmvn.json").path
        try stats.save(to: path)
        let loaded = try CMVNStats.load(from: path)
        #expect(loaded == stats)
        var x = a
        loaded.apply(to: &x, normVars: true)
        #expect(maxErrors(x.data, [-3 / 5.squareRoot(), -6 / 20.squareRoot(), -1 / 5.squareRoot(), -2 / 20.squareRoot()].map(Float.init)).absolute < 1e-6)
    }
}

extension ConfigAndFormatTests {
    /// Kaldi's NumFrames, including a signal shorter than one frame by less than a shift (0 frames).
    @Test func frameCountsAreKaldis() {
        var c = FeatureConfig()
        c.sampleRate = 8000                       // 200-sample frames, 80-sample shift
        #expect(c.frameCount(samples: 150) == 0)
        #expect(c.frameCount(samples: 200) == 1)
        #expect(c.frameCount(samples: 279) == 1)
        #expect(c.frameCount(samples: 280) == 2)
        c.snipEdges = false
        #expect(c.frameCount(samples: 150) == 2)  // (150 + 40) / 80
        #expect(c.frameCount(samples: 39) == 0)
    }
}
