import Foundation

/// How a `Recognizer` cuts audio for the model and the decoder.
public struct RecognizerOptions: Sendable, Equatable {
    /// Audio longer than `chunkSeconds + contextSeconds` goes through the model in windows of
    /// at most this many seconds, each ending at the quietest moment of its second half, so
    /// memory stays bounded whatever the file's length and no word is cut. Default 30.
    public var chunkSeconds: Double = 30
    /// Seconds of audio the model also sees on each side of a window (their outputs are
    /// dropped), so the bidirectional encoder has context at the window's edges. Default 2.
    public var contextSeconds: Double = 2
    /// Voice activity detection: recognize only the stretches with speech, each on its own
    /// (leading and trailing silence trimmed, long recordings split at pauses). nil (default):
    /// the whole recording.
    public var vad: VADOptions? = nil

    public init() {}

    public func validate() throws {
        try checkSeconds(chunkSeconds, "chunk_seconds", 1...3600)
        try checkSeconds(contextSeconds, "context_seconds", 0...60)
    }
}

/// Throws, naming `key`, unless `value` seconds lie in `range`.
func checkSeconds(_ value: Double, _ key: String, _ range: ClosedRange<Double>) throws {
    guard range.contains(value) else {
        throw ConfigError(path: key, message: "\(value) is out of range; expected \(range.lowerBound)...\(range.upperBound) seconds")
    }
}

/// Where a session's time went, in seconds of one thread.
public struct StageSeconds: Sendable {
    /// Reading, resampling and features.
    public var features = 0.0
    /// The acoustic model and the log-softmax.
    public var model = 0.0
    /// Decoding and word alignment.
    public var decoding = 0.0

    public init() {}

    public static func + (a: StageSeconds, b: StageSeconds) -> StageSeconds {
        var s = StageSeconds()
        s.features = a.features + b.features
        s.model = a.model + b.model
        s.decoding = a.decoding + b.decoding
        return s
    }
}

/// What was recognized in one recording (or one utterance of a stream).
public struct RecognitionResult: Sendable, Equatable {
    public var text: String
    /// The words with their start and end in seconds from the start of the audio.
    public var words: [TimedWord]
    /// Geometric mean over the model's frames of the best alignment's posteriors.
    public var confidence: Double
    /// Seconds of audio.
    public var duration: Double

    public init(text: String, words: [TimedWord], confidence: Double, duration: Double) {
        self.text = text
        self.words = words
        self.confidence = confidence
        self.duration = duration
    }
}

/// A trained model ready to recognize speech: the engine behind `asr transcribe`, `asr
/// evaluate`, the training report and streams.
///
///     let recognizer = try Recognizer(checkpoint: "runs/digits/best.safetensors")
///     let result = try recognizer.recognize(samples: samples, sampleRate: 16_000)
///     print(result.text, result.words.map(\.start))
///
/// A recognizer is its weights and settings: immutable and `Sendable`, shared by any number
/// of threads. Each thread that recognizes many recordings makes a `RecognizerSession` of its
/// own (the buffers of one caller); the `recognize` calls here make one per call.
public final class Recognizer: Sendable {
    public let model: AcousticModel
    public let features: FeatureConfig
    /// The vocabulary, index 0 the CTC blank.
    public let tokens: [String]
    public let options: RecognizerOptions
    /// The decoder in use (`decoder.name` says which: "greedy", "beam 8 + lexicon", ...).
    public var decoder: any CTCDecoder { segments.decoder }
    let segments: SegmentDecoder

    /// Loads the checkpoint at `path`. The decoding is the one stored with the model (its
    /// recipe's), unless `decoding` is given.
    public convenience init(checkpoint path: String, decoding: DecodingConfig? = nil, options: RecognizerOptions = .init()) throws {
        let checkpoint = try Checkpoint.load(from: path)
        try self.init(checkpoint: checkpoint, decoding: decoding ?? Recognizer.storedDecoding(of: checkpoint, path: path), options: options)
    }

    public convenience init(checkpoint: Checkpoint, decoding: DecodingConfig, options: RecognizerOptions = .init()) throws {
        try self.init(model: checkpoint.model, features: checkpoint.features, tokens: checkpoint.tokens, decoding: decoding,
                      options: options)
    }

    /// A model in memory. `decoding`'s lexicon and LM paths are used as they are: relative
    /// paths start from the working folder.
    public convenience init(model: AcousticModel, features: FeatureConfig, tokens: [String], decoding: DecodingConfig,
                            options: RecognizerOptions = .init()) throws {
        let decoder = try makeDecoder(decoding, symbols: try Vocabulary(tokens))
        try self.init(model: model, features: features, decoder: decoder, options: options)
    }

    /// With the decoder built already (the evaluator builds its lexicon and LM once).
    public init(model: AcousticModel, features: FeatureConfig, decoder: any CTCDecoder, options: RecognizerOptions = .init()) throws {
        try options.validate()
        guard decoder.symbols.count == model.vocabSize else {
            throw ConfigError(path: "decoder", message: "\(decoder.symbols.count) symbols for a model with \(model.vocabSize) outputs")
        }
        self.model = model
        self.features = features
        self.tokens = decoder.symbols.symbols
        self.options = options
        segments = SegmentDecoder(decoder: decoder, frameShift: features.frameShiftMs / 1000 * Double(model.subsampling))
    }

    /// The decoding a checkpoint was trained with (its recipe's `decoding`, metadata
    /// `asr.decoding`), or greedy decoding if it has none.
    public static func storedDecoding(of checkpoint: Checkpoint, path: String) throws -> DecodingConfig {
        guard let json = checkpoint.extra["asr.decoding"] else {
            var greedy = DecodingConfig()
            greedy.method = .greedy
            return greedy
        }
        let stored: DecodingConfig
        do { stored = try JSONDecoder().decode(DecodingConfig.self, from: Data(json.utf8)) } catch {
            throw CheckpointError(path: path, message: "metadata 'asr.decoding': \(describeDecodingError(error, json: Data(json.utf8)))")
        }
        // A checkpoint is a stranger's file: a path inside it is never opened.
        if let file = stored.files.first {
            throw CheckpointError(path: path, message: "metadata 'asr.decoding' names the file '\(file)'; asr never opens a path "
                                  + "found inside a checkpoint (a stored lexicon is a word list, a stored LM its ARPA text). "
                                  + "Give the file on the command line (--lexicon, --lm) or retrain")
        }
        return stored
    }

    /// Seconds of audio per output frame of the model.
    public var frameSeconds: Double { segments.frameShift }

    /// One thread's buffers for recognizing with this model.
    public func makeSession() throws -> RecognizerSession { try RecognizerSession(self) }

    /// Recognizes samples in memory: mono, in [-1, 1), at `sampleRate` (resampled to the
    /// model's rate when it differs). `name` appears in errors.
    public func recognize(samples: [Float], sampleRate: Int, name: String = "<samples>") throws -> RecognitionResult {
        try makeSession().recognize(samples: samples, sampleRate: sampleRate, name: name)
    }

    /// Recognizes an audio file of any length in any format libsndfile reads.
    public func recognize(file: String) throws -> RecognitionResult {
        try makeSession().recognize(file: file)
    }

    /// A live stream: push samples of any chunk size as they arrive (at `sampleRate`), get
    /// partial hypotheses and, at each end of speech, final results. See `RecognitionStream`.
    /// `name` says where the audio comes from in errors.
    public func makeStream(sampleRate: Int, options: StreamOptions = .init(), name: String = "stream") throws -> RecognitionStream {
        try RecognitionStream(recognizer: self, sampleRate: sampleRate, options: options, name: name)
    }

    /// Recognizes files; see `RecognizerSession.recognize(files:batchSize:)`.
    public func recognize(files: [String], batchSize: Int = 32) throws -> [Swift.Result<RecognitionResult, Error>] {
        try makeSession().recognize(files: files, batchSize: batchSize)
    }
}

/// One thread's state for a `Recognizer`: the model's workspace, the feature pipeline and
/// the time spent. Not thread-safe; make one per thread (they share the recognizer's model).
public final class RecognizerSession {
    public let recognizer: Recognizer
    /// Time spent so far, by stage.
    public internal(set) var seconds = StageSeconds()
    let workspace: ModelWorkspace
    let pipeline: FeaturePipeline
    var model: AcousticModel { recognizer.model }
    var V: Int { recognizer.tokens.count }

    init(_ recognizer: Recognizer) throws {
        self.recognizer = recognizer
        workspace = recognizer.model.makeWorkspace()
        pipeline = try FeaturePipeline(config: recognizer.features)
    }

    /// Run the two directions of each layer on two threads (for a thread with a spare core).
    public var parallelDirections: Bool {
        get { workspace.parallelDirections }
        set { workspace.parallelDirections = newValue }
    }

    public func recognize(samples: [Float], sampleRate: Int, name: String = "<samples>") throws -> RecognitionResult {
        let started = now()
        let source = try SampleBuffer(samples, sampleRate: sampleRate, to: recognizer.features.sampleRate, name: name)
        seconds.features += now() - started
        return try recognize(source)
    }

    public func recognize(file: String) throws -> RecognitionResult {
        try recognize(files: [file])[0].get()
    }

    /// Recognizes files and returns their results in order; a file that fails gets its error
    /// and the others go on. Short files are sorted by length and run through the model at
    /// most `batchSize` at a time, so each forward pass holds files of about the same length.
    public func recognize(files: [String], batchSize: Int = 32) -> [Swift.Result<RecognitionResult, Error>] {
        var results = [Swift.Result<RecognitionResult, Error>?](repeating: nil, count: files.count)
        var short: [(index: Int, features: FeatureMatrix, duration: Double)] = []
        for (i, file) in files.enumerated() {
            do {
                let started = now()
                let reader = try AudioReader(path: file, sampleRate: recognizer.features.sampleRate)
                seconds.features += now() - started
                if needsWindows(reader) {
                    results[i] = .success(try recognize(reader))
                } else {
                    let started = now()
                    let features = try pipeline.features(of: reader)
                    short.append((i, features, pipeline.lastDuration))
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
            let group = short[start..<min(short.count, start + size)]
            let decoded = recognize(features: group.map(\.features), durations: group.map(\.duration))
            for (file, result) in zip(group, decoded) { results[file.index] = result }
        }
        return results.map { $0! }
    }

    /// Whether a source goes through windows or the VAD rather than the model whole.
    private func needsWindows(_ source: AudioSource) -> Bool {
        recognizer.options.vad != nil || source.duration > recognizer.options.chunkSeconds + recognizer.options.contextSeconds
    }

    /// One recording of any length: whole, in windows, or through the VAD.
    func recognize(_ source: AudioSource) throws -> RecognitionResult {
        if recognizer.options.vad != nil { return try recognizeWithVAD(source) }
        if needsWindows(source) { return try recognizeLong(source) }
        let started = now()
        let features = try pipeline.features(of: source)
        seconds.features += now() - started
        return try recognize(features: [features], durations: [pipeline.lastDuration])[0].get()
    }

    /// The one path from features to transcripts, shared by files, samples, windows and the
    /// evaluator: one forward pass over `features` (each (T_i, F), any order), then each
    /// utterance's log-softmax and decoding. Results come in the order of `features`.
    /// `logits` sees the model's output first (the evaluator computes the CTC loss there).
    public func recognize(features: [FeatureMatrix], durations: [Double],
                          logits: ((AcousticModel.Output, Batch) throws -> Void)? = nil) -> [Swift.Result<RecognitionResult, Error>] {
        var started = now()
        let batch = Batch(features.enumerated().map { (id: String($0.offset), features: $0.element, labels: []) })
        let out = batch.features.withUnsafeBufferPointer {
            model.forward($0.baseAddress!, T: batch.T, B: batch.B, lengths: batch.lengths, workspace: workspace, pass: .inference)
        }
        seconds.model += now() - started
        var results = [Swift.Result<RecognitionResult, Error>?](repeating: nil, count: features.count)
        do { try logits?(out, batch) } catch { return features.map { _ in .failure(error) } }
        let V = self.V
        var rows: [Float] = []
        for b in 0..<batch.B {
            started = now()
            let frames = out.lengths[b]
            rows.removeAll(keepingCapacity: true)
            rows.reserveCapacity(frames * V)
            for t in 0..<frames {
                rows.append(contentsOf: UnsafeBufferPointer(start: out.logits + (t * batch.B + b) * V, count: V))
            }
            rows.withUnsafeMutableBufferPointer { logSoftmaxRows($0.baseAddress!, rows: frames, cols: V) }
            seconds.model += now() - started
            let index = batch.order[b]
            results[index] = Swift.Result {
                var transcript = TranscriptAssembler()
                try rows.withUnsafeBufferPointer { try decode($0.baseAddress!, frames: frames, start: 0, into: &transcript) }
                return transcript.result(duration: durations[index])
            }
        }
        return results.map { $0! }
    }

    /// Decodes log-probabilities (frames, V) of model frames from `start` on.
    func decode(_ rows: UnsafePointer<Float>, frames: Int, start: Int, into transcript: inout TranscriptAssembler) throws {
        let started = now()
        transcript.add(try recognizer.segments.decode(rows, frames: frames, start: start))
        seconds.decoding += now() - started
    }
}
