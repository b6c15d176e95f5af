import Foundation

/// How a `Transcriber` cuts audio for the model and the decoder.
public struct TranscriberOptions: Sendable, Equatable {
    /// A file longer than `chunkSeconds + contextSeconds` goes through the model in windows of
    /// at most this many seconds, each ending at the quietest moment of its second half, so
    /// memory stays bounded whatever the file's length and no word is cut. Default 30.
    public var chunkSeconds: Double = 30
    /// Seconds of audio the model also sees on each side of a window (their outputs are
    /// dropped), so the bidirectional encoder has context at the window's edges. Default 2.
    public var contextSeconds: Double = 2
    /// Voice activity detection: transcribe only the stretches with speech, each on its own
    /// (leading and trailing silence trimmed, long recordings split at pauses). nil (default):
    /// the whole file.
    public var vad: VADOptions? = nil

    public init() {}

    public func validate() throws {
        func check(_ value: Double, _ name: String, _ range: ClosedRange<Double>) throws {
            guard range.contains(value) else {
                throw ConfigError(path: name, message: "\(value) is out of range; expected \(range.lowerBound)...\(range.upperBound) seconds")
            }
        }
        try check(chunkSeconds, "chunk_seconds", 1...3600)
        try check(contextSeconds, "context_seconds", 0...60)
    }
}

/// Where a transcriber's time went, in seconds of one thread.
public struct StageSeconds: Sendable {
    /// Reading, resampling and features.
    public var features = 0.0
    /// The acoustic model and the log-softmax.
    public var model = 0.0
    /// Decoding and word alignment.
    public var decoding = 0.0

    public static func + (a: StageSeconds, b: StageSeconds) -> StageSeconds {
        StageSeconds(features: a.features + b.features, model: a.model + b.model, decoding: a.decoding + b.decoding)
    }
}

/// A loaded model ready to transcribe audio: the plain API behind `asr transcribe`.
///
///     let t = try Transcriber(checkpoint: "runs/digits/best.safetensors")
///     let result = try t.transcribe(file: "seven.wav")
///     print(result.text)
///
/// Short files are run through the model whole; `transcribe(files:)` runs several in one
/// forward pass. Long files are streamed in overlapping windows (`TranscriberOptions`) and
/// decoded in pieces cut between words. Not thread-safe: one transcriber per thread.
public final class Transcriber {
    public let checkpoint: Checkpoint
    public let decoding: DecodingConfig
    public let options: TranscriberOptions
    /// Time spent so far, by stage.
    public internal(set) var seconds = StageSeconds()
    let pipeline: FeaturePipeline
    private let symbols: SymbolTable
    private let decoder: SegmentDecoder
    var model: AcousticModel { checkpoint.model }
    var V: Int { checkpoint.tokens.count }

    public struct Result: Sendable {
        public var text: String
        public var words: [TimedWord]
        public var confidence: Double
        /// Seconds of audio.
        public var duration: Double
    }

    /// Loads `path`. The decoding is the one stored with the model (the recipe's), unless
    /// `decoding` is given.
    public convenience init(checkpoint path: String, decoding: DecodingConfig? = nil, options: TranscriberOptions = .init()) throws {
        let checkpoint = try Checkpoint.load(from: path)
        try self.init(checkpoint: checkpoint, decoding: decoding ?? Transcriber.storedDecoding(of: checkpoint, path: path), options: options)
    }

    public init(checkpoint: Checkpoint, decoding: DecodingConfig, options: TranscriberOptions = .init()) throws {
        try options.validate()
        self.checkpoint = checkpoint
        self.decoding = decoding
        self.options = options
        pipeline = try FeaturePipeline(config: checkpoint.features)
        symbols = try SymbolTable(checkpoint.tokens)
        decoder = SegmentDecoder(decoder: try makeDecoder(decoding, symbols: symbols),
                                 frameShift: checkpoint.features.frameShiftMs / 1000)
    }

    /// The decoding a checkpoint was trained with (its recipe's `decoding`, metadata
    /// `asr.decoding`), or greedy decoding if it has none.
    public static func storedDecoding(of checkpoint: Checkpoint, path: String) throws -> DecodingConfig {
        guard let json = checkpoint.extra["asr.decoding"] else {
            var greedy = DecodingConfig()
            greedy.method = .greedy
            return greedy
        }
        do { return try JSONDecoder().decode(DecodingConfig.self, from: Data(json.utf8)) } catch {
            throw CheckpointError(path: path, message: "metadata 'asr.decoding': \(describeDecodingError(error, json: Data(json.utf8)))")
        }
    }

    /// Transcribes one audio file of any length.
    public func transcribe(file: String) throws -> Result {
        try transcribe(files: [file])[0].get()
    }

    /// Transcribes files and returns their results in order; a file that fails gets its error
    /// and the others go on. The short files are sorted by length and run through the model
    /// at most `batchSize` at a time, so each forward pass holds files of about the same length.
    public func transcribe(files: [String], batchSize: Int = 32) -> [Swift.Result<Result, Error>] {
        var results = [Swift.Result<Result, Error>?](repeating: nil, count: files.count)
        var short: [ShortFile] = []
        for (i, file) in files.enumerated() {
            do {
                let started = now()
                let reader = try AudioReader(path: file, sampleRate: checkpoint.features.sampleRate)
                if options.vad != nil {
                    seconds.features += now() - started
                    results[i] = .success(try transcribeWithVAD(reader))
                } else if reader.duration > options.chunkSeconds + options.contextSeconds {
                    seconds.features += now() - started
                    results[i] = .success(try transcribeLong(reader))
                } else {
                    let features = try pipeline.features(of: reader)
                    short.append(ShortFile(index: i, features: features, duration: pipeline.lastDuration))
                    seconds.features += now() - started
                }
            } catch {
                results[i] = .failure(error)
            }
        }
        // Sorted by length, in batches of equal size (not 32 + 5: a small batch wastes the
        // matrix products), each at most batchSize.
        short.sort { $0.features.rows > $1.features.rows }
        let batches = (short.count + max(1, batchSize) - 1) / max(1, batchSize)
        let size = batches == 0 ? 1 : (short.count + batches - 1) / batches
        for start in stride(from: 0, to: short.count, by: size) {
            for (file, result) in transcribeBatch(short[start..<min(short.count, start + size)]) {
                results[file.index] = result
            }
        }
        return results.map { $0! }
    }

    private struct ShortFile {
        var index: Int
        var features: FeatureMatrix
        var duration: Double
    }

    /// One forward pass over `files` (longest first), then each file decoded on its own.
    private func transcribeBatch(_ files: ArraySlice<ShortFile>) -> [(ShortFile, Swift.Result<Result, Error>)] {
        var started = now()
        let batch = Batch(files.map { (id: "", features: $0.features, labels: []) })
        let logits = batch.features.withUnsafeBufferPointer {
            model.forward($0.baseAddress!, T: batch.T, B: batch.B, lengths: batch.lengths, training: false)
        }
        seconds.model += now() - started
        return files.enumerated().map { b, file in
            started = now()
            let frames = file.features.rows
            var rows = [Float](repeating: 0, count: frames * V)
            rows.withUnsafeMutableBufferPointer { out in
                for t in 0..<frames { (out.baseAddress! + t * V).update(from: logits + (t * batch.B + b) * V, count: V) }
                logSoftmaxRows(out.baseAddress!, rows: frames, cols: V)
            }
            seconds.model += now() - started
            return (file, Swift.Result { try decodeWhole(rows, duration: file.duration) })
        }
    }

    /// Decodes a file's log-probabilities (frames, V).
    private func decodeWhole(_ rows: [Float], duration: Double) throws -> Result {
        var transcript = TranscriptAssembler()
        try decode(rows.withUnsafeBufferPointer { $0.baseAddress! }, frames: rows.count / V, start: 0, into: &transcript)
        return transcript.result(duration: duration)
    }

    func decode(_ rows: UnsafePointer<Float>, frames: Int, start: Int, into transcript: inout TranscriptAssembler) throws {
        let started = now()
        transcript.add(try decoder.decode(rows, frames: frames, start: start))
        seconds.decoding += now() - started
    }
}

/// Seconds on a monotonic clock.
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
