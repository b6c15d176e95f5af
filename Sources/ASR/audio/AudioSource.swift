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
