import Foundation
import Testing
@testable import ASR

/// What data-parallel training rests on, checked in one process: a batch split into shards,
/// each shard's mean gradient weighted by its share of the utterances, sums to the gradient
/// of the whole batch, dropout included.
struct DataParallelTests {
    /// Six utterances of random features (lengths 9 to 20 frames) with short random transcripts.
    static func utterances() -> [(id: String, features: FeatureMatrix, labels: [Int], seed: UInt64)] {
        var rng = SeededRandom(seed: 11)
        return (0..<6).map { k in
            let rows = 9 + Int(rng.next() % 12)
            let features = FeatureMatrix(rows: rows, cols: 5, data: (0..<(rows * 5)).map { _ in rng.uniform() * 2 - 1 })
            let labels = (0..<(1 + Int(rng.next() % 3))).map { _ in 1 + Int(rng.next() % 6) }
            return ("u\(k)", features, labels, rng.next())
        }
    }

    static func model() -> AcousticModel {
        var config = ModelConfig()
        config.hiddenSize = 8
        config.layers = 3
        config.dropout = 0.4
        config.seed = 5
        return AcousticModel(config: config, inputSize: 5, vocabSize: 7)
    }

    /// The mean-loss gradient of `items` (every parameter's, flattened) with dropout on.
    static func gradient(_ model: AcousticModel, _ items: [(id: String, features: FeatureMatrix, labels: [Int], seed: UInt64)],
                         perSequenceSeeds: Bool) throws -> [Float] {
        let batch = Batch(seeded: items)
        let workspace = model.makeWorkspace()
        model.parameters.zeroGrad()
        if !perSequenceSeeds { model.stack.reseedDropout(workspace.stack, 3) }
        let out = batch.features.withUnsafeBufferPointer {
            model.forward($0.baseAddress!, T: batch.T, B: batch.B, lengths: batch.lengths, workspace: workspace,
                          pass: ForwardPass(training: true, sequenceSeeds: perSequenceSeeds ? batch.seeds : nil))
        }
        var grad = [Float](repeating: 0, count: out.T * batch.B * 7)
        _ = try grad.withUnsafeMutableBufferPointer {
            try CTCLoss(reduction: .mean).compute(logits: out.logits, T: out.T, B: batch.B, V: 7, inputLengths: out.lengths,
                                                  targets: batch.targets, gradLogits: $0.baseAddress!)
        }
        grad.withUnsafeBufferPointer { model.backward($0.baseAddress!, workspace: workspace) }
        return model.parameters.flatMap(\.grad)
    }

    /// Σ over shards of (shard gradient × shard size / batch size), shards as the trainer cuts them.
    static func shardedGradient(_ model: AcousticModel, ranks: Int, perSequenceSeeds: Bool) throws -> [Float] {
        let items = utterances()
        var sum = [Float](repeating: 0, count: model.parameterCount)
        for rank in 0..<ranks {
            let part = stride(from: rank, to: items.count, by: ranks).map { items[$0] }
            let g = try gradient(model, part, perSequenceSeeds: perSequenceSeeds)
            for i in sum.indices { sum[i] += g[i] * Float(part.count) / Float(items.count) }
        }
        return sum
    }

    @Test(arguments: [2, 3])
    func shardsSumToTheWholeBatchGradient(ranks: Int) throws {
        let model = Self.model()
        let whole = try Self.gradient(model, Self.utterances(), perSequenceSeeds: true)
        let sharded = try Self.shardedGradient(model, ranks: ranks, perSequenceSeeds: true)
        let error = maxErrors(sharded, whole, relativeFloor: 1e-3)
        #expect(error.relative < 1e-4, "\(ranks) shards vs whole batch: max abs \(error.absolute), rel \(error.relative)")
        #expect(whole.contains { $0 != 0 })
    }

    /// The check above has teeth: with one dropout stream running through the batch (the masks
    /// depend on which sequences share it), the shards do not add up.
    @Test func oneDropoutStreamPerBatchDoesNotShard() throws {
        let model = Self.model()
        let whole = try Self.gradient(model, Self.utterances(), perSequenceSeeds: false)
        let sharded = try Self.shardedGradient(model, ranks: 2, perSequenceSeeds: false)
        #expect(maxErrors(sharded, whole, relativeFloor: 1e-3).relative > 1e-2)
    }

    /// Per-sequence dropout masks depend on the sequence, not on its place in the batch.
    @Test func batchOrderDoesNotChangeAnUtterancesMasks() throws {
        let model = Self.model()
        let items = Self.utterances()
        let forward = try Self.gradient(model, items, perSequenceSeeds: true)
        let reversed = try Self.gradient(model, items.reversed(), perSequenceSeeds: true)
        #expect(maxErrors(reversed, forward, relativeFloor: 1e-3).relative < 1e-5)
    }
}
