import Foundation

/// Scores of a model on one set.
public struct EvaluationResult: Sendable {
    /// Mean CTC loss per utterance (PyTorch's `mean` reduction), when computed.
    public var loss: Double?
    public var score: CorpusScore
    /// (id, reference, hypothesis) per utterance, in the order of the set.
    public var hypotheses: [(id: String, reference: String, hypothesis: String)]
    /// Each utterance's CTC loss over its target length, in the order of `hypotheses`, when computed.
    public var losses: [Double] = []

    public var wer: Double { score.wordErrorRate }
    public var cer: Double { score.characterErrorRate }
    public var utterances: Int { score.utterances }
    public var substitutions: Int { score.words.substitutions }
    public var deletions: Int { score.words.deletions }
    public var insertions: Int { score.words.insertions }
}

/// Which decoder an evaluation uses.
public enum EvaluationDecoding: Sendable {
    /// Best path: fast, used for validation every epoch.
    case greedyOnly
    /// The recipe's `decoding` section (beam search, lexicon, language model).
    case recipe
}

/// Runs a model over a set and scores its transcripts: the loop shared by validation, the
/// end-of-training test and `asr evaluate`. The transcripts come from a `Recognizer` over the
/// model, the same engine `asr transcribe` runs, so a score is the score of what it outputs.
///
/// Two ways through it:
/// - `recognizerOptions` nil (training): the set's features (cached across epochs, connected
///   strings and perturbed conditions built from samples) go through the recognizer's batch
///   path, 32 utterances a forward pass, with the CTC loss on the same logits when asked.
/// - `recognizerOptions` set (`asr evaluate`): each recording is recognized as `asr
///   transcribe` would recognize it, long-file windows and `--vad` included: files as files,
///   perturbed or joined audio as samples.
public final class Evaluator {
    let tokenizer: Vocabulary
    let features: FeatureConfig
    /// Best path, for validation (`.greedyOnly`).
    let greedy: any CTCDecoder
    /// The recipe's `decoding` (`.recipe`): `greedy` itself when it says greedy.
    let recipe: any CTCDecoder
    private let source: FeatureSource
    private let batchSize = 32
    /// Run the two directions of each layer on two threads.
    public var parallelDirections = false
    /// How `asr evaluate` recognizes recordings (windows, VAD); nil in training.
    public var recognizerOptions: RecognizerOptions?

    /// `decoding`'s lexicon and LM paths are used as they are (a `ResolvedRecipe` has made them
    /// absolute).
    public init(features: FeatureConfig, decoding: DecodingConfig, tokenizer: Vocabulary) throws {
        self.tokenizer = tokenizer
        self.features = features
        greedy = GreedyDecoder(symbols: tokenizer)
        let decoder = try makeDecoder(decoding, symbols: tokenizer)
        recipe = decoder is GreedyDecoder ? greedy : decoder
        source = try FeatureSource(config: features, cacheFeatures: true)
    }

    /// Whether the recipe's decoding is more than greedy (beam search, lexicon, LM).
    public var hasRecipeDecoder: Bool { !(recipe is GreedyDecoder) }

    /// The decoder `mode` uses.
    func decoder(_ mode: EvaluationDecoding) -> any CTCDecoder { mode == .recipe ? recipe : greedy }

    /// A short name of the decoding in use, for reports (`CTCDecoder.name`).
    public func describe(_ mode: EvaluationDecoding) -> String { decoder(mode).name }

    /// The recognizer of `model` with the decoder of `mode`.
    func recognizer(_ model: AcousticModel, _ mode: EvaluationDecoding) throws -> Recognizer {
        try Recognizer(model: model, features: features, decoder: decoder(mode), options: recognizerOptions ?? RecognizerOptions())
    }

    /// Transcribes `set` (under `condition`: the robustness sets) and scores it.
    public func evaluate(model: AcousticModel, set: EvaluationSet, decoding mode: EvaluationDecoding, ctc: CTCLoss? = nil,
                         condition: TestCondition = .clean) throws -> EvaluationResult {
        let session = try recognizer(model, mode).makeSession()
        session.parallelDirections = parallelDirections
        var result = EvaluationResult(loss: nil, score: CorpusScore(), hypotheses: [])
        var lossSum = 0.0
        let V = tokenizer.count
        for start in stride(from: 0, to: set.items.count, by: batchSize) {
            let chunk = Array(set.items[start..<min(start + batchSize, set.items.count)])
            let transcripts: [Swift.Result<RecognitionResult, Error>]
            if recognizerOptions != nil {
                transcripts = try recognizeRecordings(chunk, condition: condition, session: session)
            } else {
                let features = try chunk.map { try source.features(of: $0, condition: condition) }
                let seconds = Double(self.features.frameShiftMs) / 1000
                transcripts = session.recognize(features: features, durations: features.map { Double($0.rows) * seconds }) { out, batch in
                    guard let ctc else { return }
                    let targets = batch.order.map { chunk[$0].labels }
                    let (losses, _) = try ctc.compute(logits: out.logits, T: out.T, B: batch.B, V: V, inputLengths: out.lengths,
                                                      targets: targets, gradLogits: nil)
                    var inOrder = [Double](repeating: 0, count: chunk.count)
                    for (b, l) in losses.enumerated() {
                        let perSymbol = Double(l) / Double(max(targets[b].count, 1))
                        lossSum += perSymbol
                        inOrder[batch.order[b]] = perSymbol
                    }
                    result.losses += inOrder
                }
            }
            for (item, transcript) in zip(chunk, transcripts) {
                let text = try transcript.get().text
                _ = result.score.add(reference: item.text, hypothesis: text)
                result.hypotheses.append((item.id, item.text, text))
            }
        }
        if ctc != nil { result.loss = lossSum / Double(max(set.items.count, 1)) }
        return result
    }

    /// Each item as `asr transcribe` recognizes a recording: a plain file through the file
    /// path (windows, VAD), joined or perturbed audio as samples.
    private func recognizeRecordings(_ items: [TrainingItem], condition: TestCondition,
                                     session: RecognizerSession) throws -> [Swift.Result<RecognitionResult, Error>] {
        if condition == .clean && items.allSatisfy({ $0.parts.count == 1 }) {
            return session.recognize(files: items.map { $0.parts[0] }, batchSize: batchSize)
        }
        return try items.map { item in
            var x = try source.audio(of: item)
            if condition != .clean { x = try condition.apply(x, sampleRate: features.sampleRate, id: item.id) }
            return Swift.Result { try session.recognize(samples: x, sampleRate: features.sampleRate, name: item.parts.joined(separator: "+")) }
        }
    }
}
