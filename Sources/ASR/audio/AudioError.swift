/// What can go wrong when reading audio. Every case names the file, so a batch over
/// thousands of files can say which one failed and why, and carry on with the rest.
public enum AudioError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    case isDirectory(path: String)
    case emptyFile(path: String)
    /// libsndfile could not open the file; `reason` is its own message.
    case unreadable(path: String, reason: String)
    case noSamples(path: String)
    case readFailed(path: String, reason: String)
    case invalidSampleRate(path: String?, rate: Int, reason: String)
    case resamplerFailed(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    /// A NaN or infinite sample, at sample `index` (0-based).
    case nonFiniteSample(path: String, index: Int, value: Float)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file"
        case .isDirectory(let path):
            return "\(path): is a directory, not an audio file (pass the files inside it, e.g. \(path)/*.wav)"
        case .emptyFile(let path):
            return "\(path): the file is empty (0 bytes)"
        case .unreadable(let path, let reason):
            return "\(path): not a readable audio file (libsndfile: \(reason))"
        case .noSamples(let path):
            return "\(path): the audio file holds no samples"
        case .readFailed(let path, let reason):
            return "\(path): reading the audio failed: \(reason)"
        case .invalidSampleRate(let path, let rate, let reason):
            return "\(path.map { "\($0): " } ?? "")sample rate \(rate) Hz: \(reason)"
        case .resamplerFailed(let path, let reason):
            return "\(path): resampling failed (libsamplerate: \(reason))"
        case .writeFailed(let path, let reason):
            return "\(path): writing the audio failed: \(reason)"
        case .nonFiniteSample(let path, let index, let value):
            return "\(path): sample \(index) is \(value); audio samples must be finite numbers"
        }
    }
}

/// The sample rates `asr` accepts, as a target or as a source: 1 kHz to 768 kHz, and a
/// ratio between them that libsamplerate supports (at most 256 either way).
public enum SampleRateLimits {
    public static let range = 1_000...768_000

    public static func validate(target: Int, path: String? = nil) throws {
        guard range.contains(target) else {
            throw AudioError.invalidSampleRate(
                path: path, rate: target,
                reason: "out of range (expected \(range.lowerBound) to \(range.upperBound) Hz)")
        }
    }
}
