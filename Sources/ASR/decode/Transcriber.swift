import Foundation

/// A loaded model ready to transcribe audio: the plain API behind `asr transcribe`.
///
///     let t = try Transcriber(checkpoint: "runs/digits/best.safetensors")
///     let result = try t.transcribe(file: "seven.wav")
///     print(result.text)
public final class Transcriber {
    public let checkpoint: Checkpoint
    public let decoding: DecodingConfig
    private let pipeline: FeaturePipeline
    private let symbols: SymbolTable
    private let greedy: GreedyDecoder
    private let beam: BeamSearchDecoder?

    public struct Result: Sendable {
        public var text: String
        public var words: [TimedWord]
        public var confidence: Double
        /// Seconds of audio.
        public var duration: Double
    }

    /// Loads `path`. The decoding is the one stored with the model (the recipe's), unless
    /// `decoding` is given.
    public convenience init(checkpoint path: String, decoding: DecodingConfig? = nil) throws {
        let checkpoint = try Checkpoint.load(from: path)
        try self.init(checkpoint: checkpoint, decoding: decoding ?? Transcriber.storedDecoding(of: checkpoint, path: path))
    }

    public init(checkpoint: Checkpoint, decoding: DecodingConfig) throws {
        self.checkpoint = checkpoint
        self.decoding = decoding
        pipeline = try FeaturePipeline(config: checkpoint.features)
        symbols = try SymbolTable(checkpoint.tokens)
        greedy = GreedyDecoder(symbols: symbols)
        beam = try Evaluator.makeBeamDecoder(decoding, symbols: symbols, base: "")
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

    /// Transcribes one audio file.
    public func transcribe(file: String) throws -> Result {
        let features = try pipeline.features(ofFile: file)
        return try transcribe(features: features, duration: pipeline.lastDuration)
    }

    /// Transcribes features computed with the model's feature configuration.
    public func transcribe(features: FeatureMatrix, duration: Double) throws -> Result {
        let model = checkpoint.model
        let V = checkpoint.tokens.count, T = features.rows
        var logProbs = features.data.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: model.forward($0.baseAddress!, T: T, B: 1, lengths: [T], training: false), count: T * V))
        }
        logProbs.withUnsafeMutableBufferPointer { logSoftmaxRows($0.baseAddress!, rows: T, cols: V) }
        let hypothesis = logProbs.withUnsafeBufferPointer { p in
            beam.map { $0.decode(p.baseAddress!, frames: T, V: V) } ?? greedy.decode(p.baseAddress!, frames: T, V: V).hypothesis
        }
        let timed = try TimedTranscript(hypothesis: hypothesis, logProbs: try LogProbs(frames: T, V: V, values: logProbs),
                                        symbols: symbols, frameShift: checkpoint.features.frameShiftMs / 1000)
        return Result(text: hypothesis.text, words: timed.words, confidence: timed.confidence, duration: duration)
    }
}
