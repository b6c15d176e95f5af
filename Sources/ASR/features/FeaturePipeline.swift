/// Why an utterance gave no features.
public enum FeatureError: Error, Equatable, CustomStringConvertible {
    case tooShort(path: String, samples: Int, sampleRate: Int, frameLength: Int)

    public var description: String {
        switch self {
        case .tooShort(let path, let samples, let rate, let frameLength):
            let ms = Double(samples) * 1000 / Double(rate)
            let frameMs = Double(frameLength) * 1000 / Double(rate)
            return "\(path): \(samples) samples (\(String(format: "%.1f", ms)) ms at \(rate) Hz) is shorter than one frame "
                + "(\(frameLength) samples = \(String(format: "%.1f", frameMs)) ms); no features to compute"
        }
    }
}

/// Audio file (or samples) -> final features: read and resample, base features, deltas, CMVN,
/// all as `config` says. One pipeline per thread.
public final class FeaturePipeline {
    public let config: FeatureConfig
    private let computer: FeatureComputer
    private let globalStats: CMVNStats?

    public init(config: FeatureConfig) throws {
        self.config = config
        computer = try FeatureComputer(config: config)
        if config.cmvn == .global {
            globalStats = try config.cmvnStatistics ?? CMVNStats.load(for: config)
        } else {
            globalStats = nil
        }
    }

    /// Seconds of audio behind the last result (at `config.sampleRate`).
    public private(set) var lastDuration: Double = 0

    /// Output dimension (deltas included).
    public var dimension: Int { config.dimension }

    /// Reads `path` in chunks, resampled to `config.sampleRate`, and returns its features (T, D).
    public func features(ofFile path: String) throws -> FeatureMatrix {
        try features(of: AudioReader(path: path, sampleRate: config.sampleRate))
    }

    /// Features of the rest of an opened file (or samples), which must come at `config.sampleRate`.
    public func features(of reader: AudioSource) throws -> FeatureMatrix {
        precondition(reader.sampleRate == config.sampleRate, "the reader must resample to the features' rate")
        let path = reader.path
        var samples = 0
        while let chunk = try reader.next() {
            computer.accept(chunk)
            samples += chunk.count
        }
        return try finish(computer.finish(), samples: samples, source: path)
    }

    /// Streams a long file: reads `reader` chunk by chunk and hands its base features
    /// (T_block, baseDimension), without deltas or CMVN, to `body` as they are computed, so
    /// memory holds one chunk of audio at a time. `finalize` turns a window of them into model
    /// input. `samples` sees each chunk of audio first. Sets `lastDuration`; throws `tooShort`
    /// if the file gave no frame.
    public func streamBaseFeatures(_ reader: AudioSource, samples onSamples: ([Float]) -> Void = { _ in },
                                   _ body: (FeatureMatrix) throws -> Void) throws {
        var samples = 0, frames = 0
        while let chunk = try reader.next() {
            onSamples(chunk)
            computer.accept(chunk)
            samples += chunk.count
            let block = computer.takeFrames()
            frames += block.rows
            if block.rows > 0 { try body(block) }
        }
        let last = computer.finish()
        frames += last.rows
        lastDuration = Double(samples) / Double(config.sampleRate)
        guard frames > 0 else {
            throw FeatureError.tooShort(path: reader.path, samples: samples, sampleRate: config.sampleRate,
                                        frameLength: config.frameLength)
        }
        if last.rows > 0 { try body(last) }
    }

    /// Deltas and CMVN of base features, as `features(ofFile:)` applies them to a whole file.
    public func finalize(_ base: FeatureMatrix) -> FeatureMatrix {
        var features = addDeltas(base, order: config.deltaOrder, window: config.deltaWindow)
        switch config.cmvn {
        case .none: break
        case .utterance: CMVNStats.normalizeUtterance(&features, normVars: config.cmvnNormVars)
        case .global: globalStats?.apply(to: &features, normVars: config.cmvnNormVars)
        }
        return features
    }

    /// Features of samples in [-1, 1) at `sampleRate` (resampled when it differs from the config's),
    /// with the mel filterbank warped by `vtlnWarp` (1: not warped).
    public func features(ofSamples samples: [Float], sampleRate: Int, name: String = "<samples>",
                         vtlnWarp: Double = 1) throws -> FeatureMatrix {
        var input = samples
        if sampleRate != config.sampleRate {
            input = try Resampler(from: sampleRate, to: config.sampleRate).process(samples, endOfInput: true)
        }
        computer.vtlnWarp = vtlnWarp
        defer { computer.vtlnWarp = 1 }
        return try finish(computer.compute(input), samples: input.count, source: name)
    }

    private func finish(_ base: FeatureMatrix, samples: Int, source: String) throws -> FeatureMatrix {
        lastDuration = Double(samples) / Double(config.sampleRate)
        guard base.rows > 0 else {
            throw FeatureError.tooShort(path: source, samples: samples, sampleRate: config.sampleRate,
                                        frameLength: config.frameLength)
        }
        return finalize(base)
    }
}
