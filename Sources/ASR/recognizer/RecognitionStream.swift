import Foundation

/// How a `RecognitionStream` cuts live audio into utterances and how often it reports.
public struct StreamOptions: Sendable, Equatable {
    /// Seconds of new audio between two decodings of the open utterance (partial results).
    /// Default 0.25.
    public var partialSeconds: Double = 0.25
    /// Non-speech after the last word (beyond the VAD's padding) that ends an utterance: its
    /// final result is sent and the next utterance starts. Default 0.5.
    public var endSilenceSeconds: Double = 0.5
    /// An utterance that reaches this length without a pause is cut at its quietest moment
    /// in the second half (bounds the cost of re-decoding it). Default 20.
    public var maxUtteranceSeconds: Double = 20
    /// How speech is told from silence (the same detector as `--vad`).
    public var vad = VADOptions()

    public init() {}

    public func validate() throws {
        try checkSeconds(partialSeconds, "partial_seconds", 0.02...10)
        try checkSeconds(endSilenceSeconds, "end_silence_seconds", 0.05...10)
        try checkSeconds(maxUtteranceSeconds, "max_utterance_seconds", 2...120)
    }
}

/// What a stream reports as audio arrives.
public enum StreamEvent: Sendable, Equatable {
    /// The open utterance's best hypothesis so far; it may still change.
    case partial(RecognitionResult)
    /// An utterance ended (a pause, or the end of the stream): its words, final. Times count
    /// from the start of the stream; `duration` is the audio received so far.
    case final(RecognitionResult)
}

/// Live recognition: push samples of any chunk size as they arrive, get partial hypotheses
/// and, at each end of speech, a final result with word times.
///
///     let stream = try recognizer.makeStream(sampleRate: 16_000)
///     for chunk in microphone { for event in try stream.accept(chunk) { show(event) } }
///     for event in try stream.finish() { show(event) }
///
/// The encoder is bidirectional, so a word's outputs depend on the audio after it: the stream
/// keeps the open utterance (since the last end of speech) and decodes it whole again every
/// `partialSeconds` of new audio. An utterance ends where the voice activity detector, run on
/// the open utterance, finds `endSilenceSeconds` of silence after the last speech; it is then
/// recognized exactly as `asr transcribe --vad` recognizes its segments. One stream per caller
/// (it holds a session); many streams may share one recognizer.
public final class RecognitionStream {
    public let recognizer: Recognizer
    /// The rate of the samples the caller pushes.
    public let sampleRate: Int
    public let options: StreamOptions
    /// Where the audio comes from, for errors ("standard input", a client's address).
    public let name: String
    private let session: RecognizerSession
    private let computer: FeatureComputer
    private let resampler: Resampler?
    private var meter: EnergyMeter
    private let D: Int

    private var base: [Float] = []          // (frames, D) base features of the open utterance
    private var utteranceStart = 0          // its first frame, counted from the stream's start
    private var samplesReceived = 0         // at the model's rate
    private var samplesSinceDecode = 0
    private var lastPartial = ""
    private var finished = false

    init(recognizer: Recognizer, sampleRate: Int, options: StreamOptions, name: String) throws {
        try options.validate()
        try SampleRateLimits.validate(target: sampleRate, path: name)
        self.name = name
        self.recognizer = recognizer
        self.sampleRate = sampleRate
        self.options = options
        session = try recognizer.makeSession()
        computer = try FeatureComputer(config: recognizer.features)
        resampler = sampleRate == recognizer.features.sampleRate ? nil
            : try Resampler(from: sampleRate, to: recognizer.features.sampleRate)
        meter = EnergyMeter(blockSamples: recognizer.features.frameShift)
        D = recognizer.features.baseDimension
    }

    /// Time the stream has spent, by stage.
    public var seconds: StageSeconds { session.seconds }

    private var openFrames: Int { base.count / D }
    private var frameSeconds: Double { recognizer.features.frameShiftMs / 1000 }
    /// Energies (dB per frame) of the open utterance.
    private var openEnergies: [Float] { Array(meter.energies[min(utteranceStart, meter.energies.count)...]) }

    /// The speech segments of the open utterance's first `frames` frames (ranges of its
    /// frames). The detector's noise floor and speech level come from the last 30 s of the
    /// stream, not from the open utterance alone: after a phrase has ended, a stretch of pure
    /// noise then shows as noise rather than as a recording with no contrast.
    private func openSegments(frames: Int) -> [Range<Int>] {
        let history = max(0, utteranceStart - Int(30 / frameSeconds))
        let energies = Array(meter.energies[min(history, meter.energies.count)...])
        let shift = utteranceStart - history
        return speechSegments(energies, blockSeconds: frameSeconds, frames: shift + frames, options: options.vad).compactMap {
            let lower = session.aligned(max(0, $0.lowerBound - shift)), upper = $0.upperBound - shift
            return upper > lower ? lower..<upper : nil
        }
    }

    /// Takes the next samples (mono, in [-1, 1), at `sampleRate`); returns what changed.
    public func accept(_ samples: [Float]) throws -> [StreamEvent] {
        precondition(!finished, "accept after finish")
        if let bad = samples.firstIndex(where: { !$0.isFinite }) {
            throw AudioError.nonFiniteSample(path: name, index: samplesReceived + bad, value: samples[bad])
        }
        let started = now()
        let chunk = try resampler?.process(samples, endOfInput: false) ?? samples
        take(chunk)
        session.seconds.features += now() - started
        var events = try endpoint()
        if samplesSinceDecode >= Int(options.partialSeconds * Double(recognizer.features.sampleRate)) {
            samplesSinceDecode = 0
            if let partial = try decodeOpen() { events.append(.partial(partial)) }
        }
        return events
    }

    /// Ends the stream: the rest of the audio is recognized and its final result returned.
    public func finish() throws -> [StreamEvent] {
        precondition(!finished, "finish twice")
        finished = true
        let started = now()
        if let resampler { take(try resampler.process([], endOfInput: true)) }
        let last = computer.finish()
        base += last.data
        meter.finish()
        session.seconds.features += now() - started
        guard openFrames > 0 else { return [] }
        // A stream that never paused is one recording: recognized as `asr transcribe`
        // recognizes a file (whole, in windows if long; by its speech segments with --vad).
        // After a pause, the rest is recognized by its speech segments, as each phrase was.
        let speechOnly = utteranceStart > 0 || recognizer.options.vad != nil
        let result = try recognizeOpen(frames: openFrames, segments: speechOnly ? openSegments(frames: openFrames) : nil)
        return result.text.isEmpty ? [] : [.final(result)]
    }

    private func take(_ chunk: [Float]) {
        meter.accept(chunk)
        computer.accept(chunk)
        base += computer.takeFrames().data
        samplesReceived += chunk.count
        samplesSinceDecode += chunk.count
    }

    /// Ends the open utterance where the detector finds enough silence after speech, or cuts
    /// it when it grows too long.
    private func endpoint() throws -> [StreamEvent] {
        let frames = openFrames
        guard frames > 0 else { return [] }
        let silence = Int(options.endSilenceSeconds / frameSeconds), longest = Int(options.maxUtteranceSeconds / frameSeconds)
        let segments = openSegments(frames: frames)
        var cut: Int?
        if let last = segments.last, frames - last.upperBound >= silence {
            cut = last.upperBound
        } else if segments.isEmpty && frames >= silence {
            cut = frames   // nothing but silence so far: drop it
        } else if frames >= longest {
            cut = session.quietestBlock(openEnergies, in: (frames / 2)..<frames)
        }
        guard let cut = cut.map(session.aligned), cut > 0 else { return [] }
        let result = try recognizeOpen(frames: cut, segments: segments.filter { $0.lowerBound < cut }.map { $0.clamped(to: 0..<cut) })
        return result.text.isEmpty ? [] : [.final(result)]
    }

    /// Recognizes the first `frames` frames of the open utterance, then starts the next
    /// utterance after them: its speech `segments` each on its own, as `--vad` recognizes a
    /// recording, or (nil) all of it.
    private func recognizeOpen(frames: Int, segments: [Range<Int>]?) throws -> RecognitionResult {
        var transcript = TranscriptAssembler()
        let open = Array(base[..<(frames * D)]), energies = openEnergies
        for range in segments ?? [0..<frames] {
            try session.recognizeRange(open, range, energies: energies, into: &transcript)
        }
        let result = shifted(transcript.result(duration: Double(samplesReceived) / Double(recognizer.features.sampleRate)))
        base.removeFirst(frames * D)
        utteranceStart += frames
        lastPartial = ""
        return result
    }

    /// The open utterance decoded whole, if its text changed since the last partial.
    private func decodeOpen() throws -> RecognitionResult? {
        let frames = openFrames
        guard frames > 0 else { return nil }
        var transcript = TranscriptAssembler()
        let (_, context) = session.windowFrames
        try session.runWindow(base, baseStart: 0, frames: 0..<frames, bounds: 0..<frames, context: context, into: &transcript)
        let result = shifted(transcript.result(duration: Double(samplesReceived) / Double(recognizer.features.sampleRate)))
        guard result.text != lastPartial else { return nil }
        lastPartial = result.text
        return result
    }

    /// Word times counted from the start of the stream rather than of the open utterance.
    private func shifted(_ result: RecognitionResult) -> RecognitionResult {
        var r = result
        let frames = utteranceStart / recognizer.model.subsampling, seconds = Double(utteranceStart) * frameSeconds
        r.words = r.words.map { w in
            TimedWord(word: w.word, frames: (w.frames.lowerBound + frames)...(w.frames.upperBound + frames),
                      start: w.start + seconds, end: w.end + seconds, confidence: w.confidence)
        }
        return r
    }
}
