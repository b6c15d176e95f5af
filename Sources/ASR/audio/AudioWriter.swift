import CSndfile
import Foundation

/// Writes samples in [-1, 1] to an audio file with libsndfile (used by tests, fixtures and
/// data generation). The container follows the extension: .wav, .flac, .ogg, .aiff.
public enum AudioWriter {
    public enum Encoding: Sendable {
        case pcm16, pcm24, pcm32, pcm8, float32, vorbis, ulaw
    }

    /// `samples` is interleaved when `channels` > 1. Written to a temporary file and renamed,
    /// so a reader never sees half a file.
    public static func write(_ samples: [Float], to path: String, sampleRate: Int, channels: Int = 1,
                             encoding: Encoding = .pcm16) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        var format: Int32
        switch ext {
        case "wav": format = Int32(SF_FORMAT_WAV)
        case "flac": format = Int32(SF_FORMAT_FLAC)
        case "ogg": format = Int32(SF_FORMAT_OGG)
        case "aif", "aiff": format = Int32(SF_FORMAT_AIFF)
        default: throw AudioError.writeFailed(path: path, reason: "unknown extension '.\(ext)' (use .wav, .flac, .ogg or .aiff)")
        }
        switch encoding {
        case .pcm8: format |= Int32(ext == "wav" ? SF_FORMAT_PCM_U8 : SF_FORMAT_PCM_S8)
        case .pcm16: format |= Int32(SF_FORMAT_PCM_16)
        case .pcm24: format |= Int32(SF_FORMAT_PCM_24)
        case .pcm32: format |= Int32(SF_FORMAT_PCM_32)
        case .float32: format |= Int32(SF_FORMAT_FLOAT)
        case .vorbis: format |= Int32(SF_FORMAT_VORBIS)
        case .ulaw: format |= Int32(SF_FORMAT_ULAW)
        }
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = format
        let temp = path + ".tmp-\(getpid())"
        guard let handle = sf_open(temp, Int32(SFM_WRITE), &info) else {
            throw AudioError.writeFailed(path: path, reason: String(cString: sf_strerror(nil)))
        }
        let frames = samples.count / channels
        let written = samples.withUnsafeBufferPointer { sf_writef_float(handle, $0.baseAddress, sf_count_t(frames)) }
        sf_close(handle)
        guard written == frames else {
            unlink(temp)
            throw AudioError.writeFailed(path: path, reason: "wrote \(written) of \(frames) frames")
        }
        guard rename(temp, path) == 0 else {
            unlink(temp)
            throw AudioError.writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
    }
}
