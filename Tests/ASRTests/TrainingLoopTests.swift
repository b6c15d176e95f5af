import Foundation
import Testing
@testable import ASR

/// The whole loop learns: a small model trained on ten FSDD recordings for 60 steps drives its
/// CTC loss down and then transcribes those recordings right (greedy). Needs the FSDD
/// recordings beside the checkout (../shared/data/fsdd), as CI has them.
struct TrainingLoopTests {
    static let words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

    /// A small recipe over ten recordings (digits 0-9 of one speaker, take 7), written to `dir`.
    func smallRecipe(in dir: URL, recordings: String, epochs: Int) throws -> (recipe: Recipe, path: String) {
        let manifest = Self.words.enumerated().map { "\(recordings)/\($0.offset)_jackson_7.wav\t\($0.element)" }.joined(separator: "\n")
        try manifest.write(to: dir.appendingPathComponent("train.tsv"), atomically: true, encoding: .utf8)
        var recipe = Recipe(data: DataConfig(train: DataSetConfig(path: "train.tsv")))
        recipe.name = "loop-test"
        recipe.output = dir.appendingPathComponent("run").path
        recipe.data.validation = DataSetConfig(path: "train.tsv")
        recipe.features.sampleRate = 8000
        recipe.features.deltaOrder = 2
        recipe.features.cmvn = .utterance
        recipe.features.cmvnNormVars = true
        recipe.model.hiddenSize = 48
        recipe.model.layers = 1
        recipe.training.epochs = epochs      // one batch of 10 per epoch
        recipe.training.batchSize = 10
        recipe.training.optimizer.lr = 0.01
        recipe.training.earlyStoppingPatience = 0
        recipe.training.threads = 1
        recipe.decoding.method = .greedy
        let recipePath = dir.appendingPathComponent("recipe.json").path
        try JSONEncoder().encode(recipe).write(to: URL(fileURLWithPath: recipePath))
        return (recipe, recipePath)
    }

    @Test func trainingLearnsAHandfulOfUtterances() throws {
        let recordings = try #require(Fixtures.fsdd, "FSDD recordings not found beside the checkout (../shared/data/fsdd)")
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (recipe, recipePath) = try smallRecipe(in: dir, recordings: recordings, epochs: 60)
        let words = Self.words
        let started = Date()
        let trainer = try Trainer(recipe: try Recipe.load(recipePath), recipePath: recipePath) { _ in }
        let history = try trainer.run(resume: false)
        #expect(history.count == 60)
        let first = history.first!.trainLoss, last = history.last!.trainLoss
        #expect(last < first / 10, "loss went from \(first) to \(last)")

        let transcriber = try Transcriber(checkpoint: "\(recipe.output!)/best.safetensors")
        var right = 0
        for (digit, word) in words.enumerated() {
            let text = try transcriber.transcribe(file: "\(recordings)/\(digit)_jackson_7.wav").text
            if text == word { right += 1 } else { print("\(word): transcribed '\(text)'") }
        }
        #expect(right == 10, "\(right) of 10 transcribed right")

        // A long recording (the ten, three times over, with 0.3 s of silence between words),
        // streamed through the model in windows of at most 1 s, each ending at the quietest
        // moment of its second half: every window then holds one word, so a window cut inside
        // a word (two pieces), a word lost at a window's edge, or a window placed at the wrong
        // time shows. (What this tiny model, trained on ten trimmed files, makes of a word with
        // silence around it is another matter: often a letter short. The text is not checked.)
        var long: [Float] = []
        var spans: [ClosedRange<Double>] = []
        for _ in 0..<3 {
            for digit in 0..<10 {
                let x = try AudioReader.read("\(recordings)/\(digit)_jackson_7.wav", sampleRate: 8000).samples
                spans.append(Double(long.count) / 8000...Double(long.count + x.count) / 8000)
                long += x + [Float](repeating: 0, count: 2400)
            }
        }
        let longPath = dir.appendingPathComponent("long.wav").path
        try AudioWriter.write(long, to: longPath, sampleRate: 8000)
        var options = TranscriberOptions()
        options.chunkSeconds = 1
        options.contextSeconds = 0
        let windowed = try Transcriber(checkpoint: "\(recipe.output!)/best.safetensors", options: options).transcribe(file: longPath)
        #expect(windowed.words.count == 30, "windowed: '\(windowed.text)'")
        for (word, span) in zip(windowed.words, spans) {
            #expect(word.start >= span.lowerBound - 0.1 && word.end <= span.upperBound + 0.1, "\(word) spoken at \(span)")
        }
        #expect(abs(windowed.duration - Double(long.count) / 8000) < 1e-9)
        print("training loop: loss \(first) -> \(last), \(right)/10 right, \(Int(Date().timeIntervalSince(started))) s")
    }

    /// A run stopped after epoch 3 and resumed ends with the same weights, bit for bit, as a
    /// run that was never stopped (dropout, SpecAugment and shuffling included).
    @Test func resumeGivesTheSameWeights() throws {
        let recordings = try #require(Fixtures.fsdd, "FSDD recordings not found beside the checkout (../shared/data/fsdd)")
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var (recipe, _) = try smallRecipe(in: dir, recordings: recordings, epochs: 6)
        recipe.model.layers = 2
        recipe.model.dropout = 0.2
        recipe.training.specAugment.freqMasks = 1
        recipe.training.specAugment.freqWidth = 3
        recipe.training.batchSize = 4
        recipe.training.schedule.kind = .cosine
        func weights(_ output: String, stopAfter: Int?, resume: Bool) throws -> [String: [Float]] {
            var r = recipe
            r.output = dir.appendingPathComponent(output).path
            let path = dir.appendingPathComponent("\(output).json").path
            try JSONEncoder().encode(r).write(to: URL(fileURLWithPath: path))
            try Trainer(recipe: try Recipe.load(path), recipePath: path) { _ in }.run(resume: resume, stopAfter: stopAfter)
            return try SafetensorsFile.read("\(r.output!)/last.safetensors").tensors.mapValues(\.values)
        }
        let straight = try weights("straight", stopAfter: nil, resume: false)
        let stopped = try weights("stopped", stopAfter: 3, resume: false)
        #expect(stopped != straight, "stopping after epoch 3 should leave different weights")
        let resumed = try weights("stopped", stopAfter: nil, resume: true)
        #expect(resumed == straight, "resumed run differs from the uninterrupted one")
    }
}
