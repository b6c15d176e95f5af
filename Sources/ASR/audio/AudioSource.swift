/// Mono samples in [-1, 1) at a known rate, handed out in chunks: a file (`AudioReader`) or
/// samples already in memory (`SampleBuffer`). The recognizer's windows and voice activity
/// detection read audio through this, so a file and the same samples in memory give the
/// same transcript.
public protocol AudioSource: AnyObject {
    /// Where the samples come from, for error messages: a file's path or a caller's name.
    var path: String { get }
    /// The rate of the samples `next()` returns.
    var sampleRate: Int { get }
    /// Seconds of audio in all.
    var duration: Double { get }
    /// The next chunk, or nil once the audio is exhausted (a chunk may be empty).
    func next() throws -> [Float]?
}

extension AudioReader: AudioSource {}

/// Samples in memory as an `AudioSource`, resampled to `sampleRate` up front when their rate
/// differs. Non-finite samples are refused: they would silently turn every feature to NaN.
public final class SampleBuffer: AudioSource {
    public let path: String
    public let sampleRate: Int
    private let samples: [Float]
    private var position = 0
    private let chunk = 1 << 16

    public init(_ samples: [Float], sampleRate inputRate: Int, to sampleRate: Int, name: String = "<samples>") throws {
        try SampleRateLimits.validate(target: inputRate, path: name)
        if let bad = samples.firstIndex(where: { !$0.isFinite }) {
            throw AudioError.nonFiniteSample(path: name, index: bad, value: samples[bad])
        }
        self.path = name
        self.sampleRate = sampleRate
        self.samples = inputRate == sampleRate ? samples
            : try Resampler(from: inputRate, to: sampleRate).process(samples, endOfInput: true)
    }

    public var duration: Double { Double(samples.count) / Double(sampleRate) }

    public func next() throws -> [Float]? {
        guard position < samples.count else { return nil }
        let end = min(samples.count, position + chunk)
        defer { position = end }
        return Array(samples[position..<end])
    }
}

/// Raw PCM bytes as they arrive (from standard input, a socket) -> mono Float samples. A
/// sample split between two chunks is kept until its other bytes come.
public struct PCMDecoder: Sendable {
    public enum Encoding: String, CaseIterable, Sendable {
        /// 16-bit signed little-endian integers (what `arecord -f S16_LE` and sox `-t raw -e signed -b 16` write).
        case s16le
        /// 32-bit IEEE float little-endian.
        case f32le

        public var bytesPerSample: Int { self == .s16le ? 2 : 4 }
    }

    public let encoding: Encoding
    /// Interleaved channels, mixed down to mono by averaging.
    public let channels: Int
    private var pending: [UInt8] = []

    public init(encoding: Encoding, channels: Int = 1) {
        precondition(channels >= 1)
        self.encoding = encoding
        self.channels = channels
    }

    /// The samples that the bytes received so far complete.
    public mutating func decode<Bytes: Collection>(_ bytes: Bytes) -> [Float] where Bytes.Element == UInt8 {
        pending.append(contentsOf: bytes)
        let frameBytes = encoding.bytesPerSample * channels
        let frames = pending.count / frameBytes
        var out = [Float](repeating: 0, count: frames)
        pending.withUnsafeBytes { raw in
            for f in 0..<frames {
                var sum: Float = 0
                for c in 0..<channels {
                    let at = (f * channels + c) * encoding.bytesPerSample
                    switch encoding {
                    case .s16le: sum += Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int16.self))) / 32768
                    case .f32le: sum += Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                    }
                }
                out[f] = sum / Float(channels)
            }
        }
        pending.removeFirst(frames * frameBytes)
        return out
    }

    /// Bytes of an incomplete sample left at the end (a stream that ends here was cut short).
    public var leftoverBytes: Int { pending.count }
}
