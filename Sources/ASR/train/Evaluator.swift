import Foundation

/// Scores of a model on one set.
public struct EvaluationResult: Sendable {
    /// Mean CTC loss per utterance (PyTorch's `mean` reduction), when computed.
    public var loss: Double?
    public var score: CorpusScore
    /// (id, reference, hypothesis) per utterance, in the set's order of evaluation.
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
/// end-of-training test and `asr evaluate`.
public final class Evaluator {
    let tokenizer: Tokenizer
    /// Best path, for validation (`.greedyOnly`).
    let greedy: any CTCDecoder
    /// The recipe's `decoding` (`.recipe`): `greedy` itself when it says greedy.
    let recipe: any CTCDecoder
    let decoding: DecodingConfig
    private let source: FeatureSource
    private let batchSize = 32

    /// `base`: the folder that relative lexicon and LM paths of `decoding` are relative to.
    public init(features: FeatureConfig, decoding: DecodingConfig, tokenizer: Tokenizer, base: String = "") throws {
        self.tokenizer = tokenizer
        self.decoding = decoding
        let symbols = try SymbolTable(tokenizer.symbols)
        greedy = GreedyDecoder(symbols: symbols)
        let decoder = try makeDecoder(decoding, symbols: symbols) { path in
            path.hasPrefix("/") || base.isEmpty ? path : "\(base)/\(path)"
        }
        recipe = decoder is GreedyDecoder ? greedy : decoder
        source = try FeatureSource(config: features, cacheFeatures: true)
    }

    public convenience init(recipe: Recipe, recipePath: String, tokenizer: Tokenizer) throws {
        try self.init(features: recipe.features, decoding: recipe.decoding, tokenizer: tokenizer,
                      base: (recipePath as NSString).deletingLastPathComponent)
    }

    /// Whether the recipe's decoding is other than greedy, so that `.recipe` scores differ
    /// from `.greedyOnly` ones.
    public var hasRecipeDecoder: Bool { !(recipe is GreedyDecoder) }

    /// The decoder `mode` uses.
    func decoder(_ mode: EvaluationDecoding) -> any CTCDecoder { mode == .recipe ? recipe : greedy }

    /// A short name of the decoding in use, for reports (`CTCDecoder.name`).
    public func describe(_ mode: EvaluationDecoding) -> String { decoder(mode).name }

    /// Transcribes `set` (under `condition`: the robustness sets) and scores it.
    public func evaluate(model: AcousticModel, set: EvaluationSet, decoding mode: EvaluationDecoding, ctc: CTCLoss? = nil,
                         condition: TestCondition = .clean) throws -> EvaluationResult {
        var result = EvaluationResult(loss: nil, score: CorpusScore(), hypotheses: [])
        var lossSum = 0.0
        let V = tokenizer.count
        for start in stride(from: 0, to: set.items.count, by: batchSize) {
            let chunk = set.items[start..<min(start + batchSize, set.items.count)]
            let batch = Batch(try chunk.map { ($0.id, try source.features(of: $0, condition: condition), $0.labels) })
            let logits = batch.features.withUnsafeBufferPointer {
                model.forward($0.baseAddress!, T: batch.T, B: batch.B, lengths: batch.lengths, training: false)
            }
            if let ctc {
                let (losses, _) = try ctc.compute(logits: logits, T: batch.T, B: batch.B, V: V, inputLengths: batch.lengths,
                                                  targets: batch.targets, gradLogits: nil)
                for (b, l) in losses.enumerated() {
                    let perSymbol = Double(l) / Double(max(batch.targets[b].count, 1))
                    lossSum += perSymbol
                    result.losses.append(perSymbol)
                }
            }
            let references = Dictionary(uniqueKeysWithValues: chunk.map { ($0.id, $0.text) })
            var rows = [Float](repeating: 0, count: batch.T * V)
            for b in 0..<batch.B {
                let frames = batch.lengths[b]
                for t in 0..<frames {
                    (rows.withUnsafeMutableBufferPointer { $0.baseAddress! } + t * V).update(from: logits + (t * batch.B + b) * V, count: V)
                }
                let text = rows.withUnsafeMutableBufferPointer { p -> String in
                    logSoftmaxRows(p.baseAddress!, rows: frames, cols: V)
                    return decoder(mode).best(p.baseAddress!, frames: frames, V: V).text
                }
                let reference = references[batch.ids[b]] ?? ""
                _ = result.score.add(reference: reference, hypothesis: text)
                result.hypotheses.append((batch.ids[b], reference, text))
            }
        }
        if ctc != nil { result.loss = lossSum / Double(max(set.items.count, 1)) }
        return result
    }
}
