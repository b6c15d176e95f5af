import CSndfile
import Foundation

/// Reads an audio file in chunks as mono `Float` samples in [-1, 1), at the file's own rate
/// or resampled to `sampleRate`.
///
/// Any format libsndfile reads works: WAV (PCM 8/16/24/32-bit, float), FLAC, OGG/Vorbis,
/// AIFF, ... Channels are mixed down to mono by averaging. Memory stays bounded by the chunk
/// size, so an hour-long file never has to be held whole:
///
///     let reader = try AudioReader(path: "long.flac", sampleRate: 16_000)
///     while let chunk = try reader.next() { consume(chunk) }
public final class AudioReader {
    public let path: String
    /// The rate stored in the file.
    public let fileSampleRate: Int
    public let channels: Int
    /// Samples per channel in the file, at `fileSampleRate`.
    public let fileFrameCount: Int
    /// The rate of the samples that `next()` returns.
    public let sampleRate: Int
    /// How many file frames one `next()` reads at most.
    public let chunkFrames: Int
    /// How many it asks libsndfile for: fewer than `chunkFrames` for a short file, whose
    /// buffer would otherwise cost more to clear than the file to decode.
    private var readFrames = 0
    /// File frames returned so far.
    private var framesRead = 0

    private var handle: OpaquePointer?
    private let resampler: Resampler?
    private var interleaved: [Float]
    private var finished = false

    /// Opens `path`. `sampleRate` nil keeps the file's rate.
    public init(path: String, sampleRate: Int? = nil, chunkFrames: Int = 1 << 16) throws {
        self.path = path
        self.chunkFrames = chunkFrames
        try AudioReader.checkFile(path)

        var info = SF_INFO()
        guard var handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw AudioError.unreadable(path: path, reason: String(cString: sf_strerror(nil)))
        }
        // A header may not know the length (a FLAC written to a pipe stores 0 samples, which
        // libsndfile reports as SF_COUNT_MAX): then the file is counted.
        if info.frames == sf_count_t.max {
            let counted = AudioReader.countFrames(handle, channels: Int(info.channels))
            sf_close(handle)
            guard let counted, let reopened = sf_open(path, Int32(SFM_READ), &info) else {
                throw AudioError.unreadable(path: path, reason: "the header gives no length and the samples could not be counted")
            }
            handle = reopened
            info.frames = sf_count_t(counted)
        }
        self.handle = handle
        self.fileSampleRate = Int(info.samplerate)
        self.channels = Int(info.channels)
        self.fileFrameCount = Int(info.frames)
        guard fileFrameCount > 0 else {
            sf_close(handle)
            self.handle = nil
            throw AudioError.noSamples(path: path)
        }
        guard SampleRateLimits.range.contains(fileSampleRate) else {
            sf_close(handle)
            self.handle = nil
            throw AudioError.invalidSampleRate(
                path: path, rate: fileSampleRate, reason: "the file's own rate is out of the supported range")
        }
        let target = sampleRate ?? fileSampleRate
        do {
            try SampleRateLimits.validate(target: target, path: path)
            self.resampler = target == fileSampleRate ? nil : try Resampler(from: fileSampleRate, to: target)
        } catch AudioError.invalidSampleRate(_, let rate, let reason) {
            sf_close(handle)
            self.handle = nil
            throw AudioError.invalidSampleRate(path: path, rate: rate, reason: reason)
        }
        self.sampleRate = target
        // One more frame than the header promises, so a file whose count is right ends in one
        // read; if the count is short, the reads simply go on. (The count is the header's word:
        // a FLAC header may claim Int.max frames.)
        self.readFrames = fileFrameCount < chunkFrames ? fileFrameCount + 1 : chunkFrames
        self.interleaved = [Float](repeating: 0, count: readFrames * channels)
        // Float reads of integer files are scaled to [-1, 1); of float files, left as stored.
        sf_command(handle, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))
    }

    deinit { close() }

    /// Duration of the file in seconds.
    public var duration: Double { Double(fileFrameCount) / Double(fileSampleRate) }

    /// The next chunk of mono samples at `sampleRate`, or nil once the file is exhausted.
    /// A chunk may be empty while the resampler fills its filter; keep calling until nil.
    public func next() throws -> [Float]? {
        guard !finished, let handle else { return nil }
        let got = interleaved.withUnsafeMutableBufferPointer {
            Int(sf_readf_float(handle, $0.baseAddress, sf_count_t(readFrames)))
        }
        if got < 0 || (got == 0 && sf_error(handle) != 0) {
            throw AudioError.readFailed(path: path, reason: String(cString: sf_strerror(handle)))
        }
        let mono = mixDown(frames: got)
        // A float file may hold NaN or infinity, which would silently empty the transcript.
        if let bad = mono.firstIndex(where: { !$0.isFinite }) {
            throw AudioError.nonFiniteSample(path: path, index: framesRead + bad, value: mono[bad])
        }
        framesRead += got
        let atEnd = got < readFrames
        if atEnd { finished = true; close() }
        guard let resampler else { return atEnd && mono.isEmpty ? nil : mono }
        do {
            return try resampler.process(mono, endOfInput: atEnd)
        } catch AudioError.resamplerFailed(_, let reason) {
            throw AudioError.resamplerFailed(path: path, reason: reason)
        }
    }

    /// Frames to the end of an open file, by decoding them (nil on a read error).
    private static func countFrames(_ handle: OpaquePointer, channels: Int) -> Int? {
        let chunk = 1 << 14
        var buffer = [Float](repeating: 0, count: chunk * max(channels, 1))
        var total = 0
        while true {
            let got = buffer.withUnsafeMutableBufferPointer { Int(sf_readf_float(handle, $0.baseAddress, sf_count_t(chunk))) }
            if got < 0 || (got == 0 && sf_error(handle) != 0) { return nil }
            total += got
            if got < chunk { return total }
        }
    }

    /// Reads the rest of the file at once.
    public func readAll() throws -> [Float] {
        var samples: [Float] = []
        // The header's count is a promise, not a fact: reserve at most 2^22 samples (16 MB) on
        // its word; a longer file grows the array as it reads.
        let promised = Double(fileFrameCount) * Double(sampleRate) / Double(fileSampleRate)
        samples.reserveCapacity(Int(min(promised, Double(1 << 22))) + 16)
        while let chunk = try next() { samples.append(contentsOf: chunk) }
        return samples
    }

    /// Convenience: the whole file as mono samples at `sampleRate` (or the file's rate).
    public static func read(_ path: String, sampleRate: Int? = nil) throws -> (samples: [Float], sampleRate: Int) {
        let reader = try AudioReader(path: path, sampleRate: sampleRate)
        return (try reader.readAll(), reader.sampleRate)
    }

    // Averages the channels of the first `frames` interleaved frames.
    private func mixDown(frames: Int) -> [Float] {
        if channels == 1 { return Array(interleaved[0..<frames]) }
        var mono = [Float](repeating: 0, count: frames)
        let scale = 1 / Float(channels)
        interleaved.withUnsafeBufferPointer { src in
            mono.withUnsafeMutableBufferPointer { dst in
                for f in 0..<frames {
                    var sum: Float = 0
                    for c in 0..<channels { sum += src[f &* channels &+ c] }
                    dst[f] = sum * scale
                }
            }
        }
        return mono
    }

    private func close() {
        if let handle { sf_close(handle) }
        handle = nil
    }

    /// Checks what libsndfile would report vaguely: missing file, directory, zero bytes.
    /// One stat(2) call: FileManager's attributes cost more than decoding a short file (they
    /// look up the owner's name, among other things).
    static func checkFile(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw AudioError.fileNotFound(path: path) }
        if info.st_mode & S_IFMT == S_IFDIR { throw AudioError.isDirectory(path: path) }
        if info.st_mode & S_IFMT == S_IFREG && info.st_size == 0 { throw AudioError.emptyFile(path: path) }
    }
}
