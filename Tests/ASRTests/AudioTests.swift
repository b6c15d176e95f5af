import Foundation
import Testing
@testable import ASR

struct AudioTests {
    /// Peak bin of a Hann-windowed power spectrum of `n` samples from the middle of `x`.
    func peakBin(_ x: [Float], n: Int) -> Int {
        let fft = PowerSpectrum(length: n)
        let start = (x.count - n) / 2
        for i in 0..<n { fft.input[i] = Double(x[start + i]) * (0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(n - 1))) }
        var power = [Double](repeating: 0, count: n / 2 + 1)
        power.withUnsafeMutableBufferPointer { fft.compute(into: $0.baseAddress!, magnitude: false) }
        return power.indices.max { power[$0] < power[$1] }!
    }

    func rmsDB(_ x: ArraySlice<Float>) -> Double {
        10 * log10(x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count))
    }

    @Test(arguments: [(44_100, 16_000), (44_100, 8_000), (48_000, 16_000), (48_000, 8_000)])
    func resamplingKeepsFrequencyAndLevel(from source: Int, to target: Int) throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("tone.wav").path
        let tone = sine(1000, rate: source, seconds: 1.0, amplitude: 0.5)
        try AudioWriter.write(tone, to: path, sampleRate: source, encoding: .float32)

        let (out, rate) = try AudioReader.read(path, sampleRate: target)
        #expect(rate == target)
        #expect(abs(out.count - target) <= 2, "1 s at \(target) Hz gave \(out.count) samples")

        let n = 4096
        let expectedBin = 1000.0 * Double(n) / Double(target)
        let bin = peakBin(out, n: n)
        #expect(abs(Double(bin) - expectedBin) <= 1, "peak at bin \(bin), expected \(expectedBin)")

        // Level of the middle half (away from the filter's edges) against the source's.
        let levelIn = rmsDB(tone[(source / 4)..<(3 * source / 4)])
        let levelOut = rmsDB(out[(target / 4)..<(3 * target / 4)])
        #expect(abs(levelIn - levelOut) < 0.5, "level \(levelOut) dB vs \(levelIn) dB")
    }

    @Test func chunkedResamplingEqualsOneShot() throws {
        let x = sine(1234, rate: 44_100, seconds: 0.7)
        let whole = try Resampler(from: 44_100, to: 16_000).process(x, endOfInput: true)
        let r = try Resampler(from: 44_100, to: 16_000)
        var chunked: [Float] = []
        var i = 0
        for size in [1, 100, 4097, 9000, 5, 20000] {
            let end = min(i + size, x.count)
            chunked += try r.process(Array(x[i..<end]), endOfInput: false)
            i = end
        }
        chunked += try r.process(Array(x[i...]), endOfInput: true)
        #expect(chunked.count == whole.count)
        #expect(maxErrors(chunked, whole).absolute < 1e-6)
    }

    @Test func stereoMixesDownToMono() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let left = sine(440, rate: 16_000, seconds: 0.2, amplitude: 0.6)
        let right = sine(1500, rate: 16_000, seconds: 0.2, amplitude: 0.3)
        var interleaved: [Float] = []
        for (l, r) in zip(left, right) { interleaved += [l, r] }
        let path = dir.appendingPathComponent("stereo.wav").path
        try AudioWriter.write(interleaved, to: path, sampleRate: 16_000, channels: 2, encoding: .float32)

        let reader = try AudioReader(path: path)
        #expect(reader.channels == 2)
        let mono = try reader.readAll()
        let expected = zip(left, right).map { ($0 + $1) / 2 }
        #expect(mono.count == expected.count)
        #expect(maxErrors(mono, expected).absolute < 1e-6)
    }

    static let formats: [(String, AudioWriter.Encoding, Double)] = [
        ("wav", .pcm16, 1.0 / 32768), ("wav", .pcm24, 1e-6), ("wav", .pcm32, 1e-6), ("wav", .float32, 1e-7),
        ("wav", .pcm8, 1.5 / 128), ("flac", .pcm16, 1.0 / 32768), ("flac", .pcm24, 1e-6), ("aiff", .pcm16, 1.0 / 32768),
    ]

    @Test(arguments: formats)
    func readsFormats(ext: String, encoding: AudioWriter.Encoding, tolerance: Double) throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = sine(700, rate: 8000, seconds: 0.3, amplitude: 0.7)
        let path = dir.appendingPathComponent("x.\(ext)").path
        try AudioWriter.write(x, to: path, sampleRate: 8000, encoding: encoding)
        let (y, rate) = try AudioReader.read(path)
        #expect(rate == 8000)
        #expect(y.count == x.count)
        #expect(Double(maxErrors(y, x).absolute) <= tolerance * 1.01, "\(ext) \(encoding)")
    }

    @Test func readsOggVorbis() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = sine(700, rate: 16_000, seconds: 0.5, amplitude: 0.5)
        let path = dir.appendingPathComponent("x.ogg").path
        try AudioWriter.write(x, to: path, sampleRate: 16_000, encoding: .vorbis)
        let (y, _) = try AudioReader.read(path)
        try #require(abs(y.count - x.count) < 100, "read \(y.count) samples of \(x.count)")
        // Lossy: the tone survives (level within 0.5 dB, same peak).
        #expect(abs(rmsDB(y[2000..<6000]) - rmsDB(x[2000..<6000])) < 0.5)
        #expect(peakBin(y, n: 4096) == peakBin(x, n: 4096))
    }

    @Test(arguments: [true, false])
    func streamedFeaturesEqualWholeSignal(snipEdges: Bool) throws {
        var config = FeatureConfig()
        config.sampleRate = 8000
        config.snipEdges = snipEdges
        let x: [Float] = zip(sine(400, rate: 8000, seconds: 0.75, amplitude: 0.3),
                             sine(2500, rate: 8000, seconds: 0.75, amplitude: 0.1)).map { $0 + $1 }
        let whole = try FeatureComputer(config: config).compute(x)
        let computer = try FeatureComputer(config: config)
        var i = 0
        for size in [7, 150, 1, 333, 2000, 64] {
            computer.accept(Array(x[i..<(i + size)]))
            i += size
        }
        computer.accept(Array(x[i...]))
        let streamed = computer.finish()
        #expect(streamed == whole)
        #expect(whole.rows == computer.frameCount(samples: x.count))
    }

    @Test func readerStreamsInBoundedChunks() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("long.wav").path
        try AudioWriter.write(sine(300, rate: 16_000, seconds: 3), to: path, sampleRate: 16_000)
        let reader = try AudioReader(path: path, chunkFrames: 4096)
        var total = 0, largest = 0
        while let chunk = try reader.next() {
            total += chunk.count
            largest = max(largest, chunk.count)
        }
        #expect(total == 48_000)
        #expect(largest <= 4096)
    }
}
