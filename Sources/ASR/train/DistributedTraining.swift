import Foundation

// Data-parallel training over a `Communicator` (MPI ranks; one process is the case size = 1).
//
// Every rank builds the same epoch plan from the same seed and trains on its share of each
// global batch (`shard`). The CTC loss is a mean over the batch, so a rank's gradient is
// weighted by its share of the utterances before the sum; after the allreduce every rank holds
// the gradient of the whole global batch and takes the same optimiser step. Rank 0 alone
// writes files; the others hold the same state in memory.

/// Sums the ranks' gradients in one flat buffer: each parameter's gradient times the rank's
/// utterance count, then the count and the loss sum, all in one `MPI_Allreduce`.
final class GradientReducer {
    private var buffer: [Float] = []
    /// Wall time spent in the allreduce (and packing), for the log.
    private(set) var seconds = 0.0

    /// Replaces every parameter's gradient (the mean over the rank's `utterances`) by the mean
    /// over the global batch. Returns the global batch size and the sum of the loss over it
    /// (`loss` is the rank's mean). Every rank must call it for every global batch, also with
    /// no utterances of its own (then its gradients must be zero).
    func reduce(_ parameters: [Parameter], utterances: Int, loss: Float, communicator: any Communicator) -> (utterances: Int, lossSum: Double) {
        let started = Date()
        let total = parameters.reduce(0) { $0 + $1.count }
        if buffer.count != total + 2 { buffer = [Float](repeating: 0, count: total + 2) }
        let weight = Float(utterances)
        buffer.withUnsafeMutableBufferPointer { flat in
            var offset = 0
            for p in parameters {
                p.grad.withUnsafeBufferPointer { g in
                    for i in 0..<g.count { flat[offset + i] = g[i] * weight }
                }
                offset += p.count
            }
            flat[total] = weight
            flat[total + 1] = utterances > 0 ? loss * weight : 0
        }
        communicator.allreduceSum(&buffer)
        let count = buffer[total]
        if count > 0 {
            let scale = 1 / count
            buffer.withUnsafeBufferPointer { flat in
                var offset = 0
                for p in parameters {
                    p.grad.withUnsafeMutableBufferPointer { g in
                        for i in 0..<g.count { g[i] = flat[offset + i] * scale }
                    }
                    offset += p.count
                }
            }
        }
        seconds += Date().timeIntervalSince(started)
        return (Int(count), Double(buffer[total + 1]))
    }

    func resetTimer() { seconds = 0 }
}

/// Gives every rank rank 0's weights, optimiser state and training state (fresh or read from
/// rank 0's run folder by --resume), so the ranks start identical and only rank 0 needs the
/// run folder.
func shareRootState(model: AcousticModel, optimizer: Adam, state: inout TrainerState, communicator: any Communicator) throws {
    guard communicator.size > 1 else { return }
    var values = flatValues(model.parameters)
    communicator.broadcast(&values, root: 0)
    setValues(model.parameters, from: values)

    var optimizerBytes = communicator.isRoot ? [UInt8](try optimizer.state().encoded()) : []
    communicator.broadcast(&optimizerBytes, root: 0)
    if !communicator.isRoot {
        let file = try optimizerBytes.withUnsafeBytes { try SafetensorsFile.parse($0, path: "optimizer state from rank 0") }
        try optimizer.load(state: file, path: "optimizer state from rank 0")
    }

    var stateBytes = communicator.isRoot ? [UInt8](try JSONEncoder().encode(state)) : []
    communicator.broadcast(&stateBytes, root: 0)
    if !communicator.isRoot { state = try JSONDecoder().decode(TrainerState.self, from: Data(stateBytes)) }
}

/// The model of `path` on rank 0 (e.g. best.safetensors), and on every other rank a model of
/// the recipe's shape that receives rank 0's weights.
func loadSharedModel(_ path: String, recipe: Recipe, vocabSize: Int, communicator: any Communicator) throws -> AcousticModel {
    if communicator.size == 1 { return try Checkpoint.load(from: path).model }
    let model = communicator.isRoot ? try Checkpoint.load(from: path).model
        : AcousticModel(config: recipe.model, inputSize: recipe.features.dimension, vocabSize: vocabSize)
    var values = flatValues(model.parameters)
    communicator.broadcast(&values, root: 0)
    setValues(model.parameters, from: values)
    return model
}

func flatValues(_ parameters: [Parameter]) -> [Float] { parameters.flatMap(\.value) }

func setValues(_ parameters: [Parameter], from values: [Float]) {
    var offset = 0
    for p in parameters {
        p.value.withUnsafeMutableBufferPointer { v in
            for i in 0..<v.count { v[i] = values[offset + i] }
        }
        offset += p.count
    }
}

/// FNV-1a over bytes, for cheap checks that the ranks agree.
struct FNVHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add<T>(_ x: T) { withUnsafeBytes(of: x) { for b in $0 { value = (value ^ UInt64(b)) &* 0x100_0000_01b3 } } }
    mutating func add(_ s: String) { for b in s.utf8 { add(b) }; add(UInt8(0)) }
}

/// A hash of the weights' bit patterns: equal on all ranks while they stay in step.
func weightsHash(_ parameters: [Parameter]) -> UInt64 {
    var h = FNVHash()
    for p in parameters { for x in p.value { h.add(x.bitPattern) } }
    return h.value
}

/// A hash of an epoch's plan: the items (ids and frame counts) and the batches.
func planHash(items: [TrainingItem], lengths: [Int], plan: [[Int]]) -> UInt64 {
    var h = FNVHash()
    for (item, n) in zip(items, lengths) { h.add(item.id); h.add(n) }
    for batch in plan { for i in batch { h.add(i) }; h.add(-1) }
    return h.value
}

/// `Evaluator.evaluate` with the set shared out between the ranks: each scores every size-th
/// utterance, the transcripts and losses are gathered, and every rank scores the whole set
/// in the set's order, so all ranks get the same result (the one a single process gets, up
/// to float rounding of the batched forward pass).
func evaluateShared(_ evaluator: Evaluator, model: AcousticModel, set: EvaluationSet, decoding: EvaluationDecoding,
                    ctc: CTCLoss? = nil, condition: TestCondition = .clean, communicator: any Communicator) throws -> EvaluationResult {
    guard communicator.size > 1 else {
        return try evaluator.evaluate(model: model, set: set, decoding: decoding, ctc: ctc, condition: condition)
    }
    let gathered = try communicator.shareWork(count: set.items.count) { mine in
        let part = try evaluator.evaluate(model: model, set: EvaluationSet(name: set.name, items: mine.map { set.items[$0] }),
                                          decoding: decoding, ctc: ctc, condition: condition)
        // The part's transcripts and losses come in the order of its items.
        return part.hypotheses.indices.map { k in
            SharedHypothesis(hypothesis: part.hypotheses[k].hypothesis, loss: part.losses.isEmpty ? nil : part.losses[k])
        }
    }
    var result = EvaluationResult(loss: nil, score: CorpusScore(), hypotheses: [])
    for (item, line) in zip(set.items, gathered) {
        result.score.add(reference: item.text, hypothesis: line.hypothesis)
        result.hypotheses.append((item.id, item.text, line.hypothesis))
        if let loss = line.loss { result.losses.append(loss) }
    }
    if ctc != nil { result.loss = result.losses.reduce(0, +) / Double(max(set.items.count, 1)) }
    return result
}

private struct SharedHypothesis: Codable {
    var hypothesis: String
    var loss: Double?
}
