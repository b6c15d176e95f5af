import Foundation
import Testing
@testable import ASR

/// The whole loop learns: a small model trained on ten FSDD recordings for 60 steps drives its
/// CTC loss down and then transcribes those recordings right (greedy). Needs the FSDD
/// recordings beside the checkout (../shared/data/fsdd), as CI has them.
struct TrainingLoopTests {
    static let words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

    /// A trainer for `recipe` with its run folder `dir/output`, read back from `dir/output.json`
    /// as `asr train` reads a recipe file.
    func trainer(_ recipe: Recipe, output: String, in dir: URL) throws -> Trainer {
        var r = recipe
        r.output = dir.appendingPathComponent(output).path
        let path = dir.appendingPathComponent("\(output).json").path
        try JSONEncoder().encode(r).write(to: URL(fileURLWithPath: path))
        return try Trainer(recipe: try Recipe.load(path), recipePath: path) { _ in }
    }

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

    /// The model trained on the ten recordings for 60 epochs, once for all the tests that need
    /// a trained model (this suite's and RecognizerTests). Its folder is a scratch folder.
    static let trained: Result<(checkpoint: String, history: [EpochRecord]), Error> = Result {
        guard let recordings = Fixtures.fsdd else { throw CocoaError(.fileNoSuchFile) }
        let dir = Fixtures.scratch("trained")
        let (recipe, recipePath) = try TrainingLoopTests().smallRecipe(in: dir, recordings: recordings, epochs: 60)
        let trainer = try Trainer(recipe: try Recipe.load(recipePath), recipePath: recipePath) { _ in }
        let history = try trainer.run(resume: false)
        return ("\(recipe.output!)/best.safetensors", history)
    }

    @Test func trainingLearnsAHandfulOfUtterances() throws {
        let recordings = try #require(Fixtures.fsdd, "FSDD recordings not found beside the checkout (../shared/data/fsdd)")
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let words = Self.words
        let started = Date()
        let (checkpoint, history) = try Self.trained.get()
        #expect(history.count == 60)
        let first = history.first!.trainLoss, last = history.last!.trainLoss
        #expect(last < first / 10, "loss went from \(first) to \(last)")

        let recognizer = try Recognizer(checkpoint: checkpoint)
        var right = 0
        for (digit, word) in words.enumerated() {
            let text = try recognizer.recognize(file: "\(recordings)/\(digit)_jackson_7.wav").text
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
        var options = RecognizerOptions()
        options.chunkSeconds = 1
        options.contextSeconds = 0
        let windowed = try Recognizer(checkpoint: checkpoint, options: options).recognize(file: longPath)
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
            try trainer(recipe, output: output, in: dir).run(resume: resume, stopAfter: stopAfter)
            return try SafetensorsFile.read(dir.appendingPathComponent(output).path + "/last.safetensors").tensors.mapValues(\.values)
        }
        let straight = try weights("straight", stopAfter: nil, resume: false)
        let stopped = try weights("stopped", stopAfter: 3, resume: false)
        #expect(stopped != straight, "stopping after epoch 3 should leave different weights")
        let resumed = try weights("stopped", stopAfter: nil, resume: true)
        #expect(resumed == straight, "resumed run differs from the uninterrupted one")
    }

    /// A kill at each step of an epoch's commit (a fault hook stops the run there, as a kill
    /// would, so no luck of timing is involved): --resume then finishes the run with the weights,
    /// best model and log of a run that was never stopped, and no temporary file is left.
    @Test func aKillAtAnyStepOfTheEpochCommitResumesToTheSameRun() throws {
        struct Killed: Error {}
        let recordings = try #require(Fixtures.fsdd, "FSDD recordings not found beside the checkout (../shared/data/fsdd)")
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var (recipe, _) = try smallRecipe(in: dir, recordings: recordings, epochs: 3)
        recipe.model.dropout = 0.2
        recipe.training.batchSize = 4
        /// Runs into `output`; with `kill`, stops at that step of epoch `killEpoch` (returns
        /// whether the step was reached: "best" runs only in epochs that improve).
        @discardableResult
        func run(_ output: String, resume: Bool, kill: String? = nil, killEpoch: Int = 0) throws -> Bool {
            let trainer = try trainer(recipe, output: output, in: dir)
            if let kill { trainer.faultHook = { step, epoch in if step == kill && epoch == killEpoch { throw Killed() } } }
            do { _ = try trainer.run(resume: resume) } catch is Killed { return true }
            return false
        }
        func files(_ folder: String) throws -> (last: [String: [Float]], best: [String: [Float]], log: [Int]) {
            let log = try String(contentsOfFile: "\(folder)/log.jsonl", encoding: .utf8).split(separator: "\n").map { line in
                (try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])["epoch"] as! Int
            }
            return (try SafetensorsFile.read("\(folder)/last.safetensors").tensors.mapValues(\.values),
                    try SafetensorsFile.read("\(folder)/best.safetensors").tensors.mapValues(\.values), log)
        }
        try run("straight", resume: false)
        let straight = try files(dir.appendingPathComponent("straight").path)
        #expect(straight.log == [1, 2, 3])
        var killed = 0
        for epoch in [1, 2] {
            for step in ["checkpoint", "optimizer", "last", "best", "log", "state", "cleanup"] {
                let output = "killed-\(step)-\(epoch)"
                guard try run(output, resume: false, kill: step, killEpoch: epoch) else {
                    #expect(step == "best", "epoch \(epoch) never reached step \(step)")
                    continue
                }
                killed += 1
                try run(output, resume: true)
                let resumed = try files(dir.appendingPathComponent(output).path)
                #expect(resumed.last == straight.last, "killed at \(step) of epoch \(epoch): the resumed run's weights differ")
                #expect(resumed.best == straight.best, "killed at \(step) of epoch \(epoch): best.safetensors differs")
                #expect(resumed.log == [1, 2, 3], "killed at \(step) of epoch \(epoch): log.jsonl holds epochs \(resumed.log)")
                let left = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(output).path)
                #expect(!left.contains { $0.contains(".tmp-") }, "killed at \(step) of epoch \(epoch): \(left)")
            }
        }
        #expect(killed >= 13)
    }

    /// `training.average_last` 3 over 5 epochs keeps epochs 3-5, writes their mean to
    /// averaged.safetensors and reports on it; `average` refuses checkpoints of another model.
    @Test func averageLastScoresTheMeanOfTheLastEpochs() throws {
        let recordings = try #require(Fixtures.fsdd, "FSDD recordings not found beside the checkout (../shared/data/fsdd)")
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var (recipe, path) = try smallRecipe(in: dir, recordings: recordings, epochs: 5)
        recipe.training.averageLast = 3
        try JSONEncoder().encode(recipe).write(to: URL(fileURLWithPath: path))
        try Trainer(recipe: try Recipe.load(path), recipePath: path) { _ in }.run(resume: false)
        let run = recipe.output!
        let kept = (1...5).filter { FileManager.default.fileExists(atPath: String(format: "\(run)/epoch-%03d.safetensors", $0)) }
        #expect(kept == [3, 4, 5])
        let keptOptimizers = (1...5).filter { FileManager.default.fileExists(atPath: String(format: "\(run)/epoch-%03d.optimizer.safetensors", $0)) }
        #expect(keptOptimizers == [4, 5], "only resuming needs optimizer states, and only the last")

        let epochs = try [3, 4, 5].map { try SafetensorsFile.read(String(format: "\(run)/epoch-%03d.safetensors", $0)) }
        let averaged = try SafetensorsFile.read("\(run)/averaged.safetensors")
        #expect(averaged.metadata["asr.averaged_from"] == "epoch-003.safetensors,epoch-004.safetensors,epoch-005.safetensors")
        #expect(averaged.tensors.count == epochs[0].tensors.count)
        var largest: Float = 0, spread: Float = 0
        for (name, tensor) in averaged.tensors {
            let values = epochs.map { $0.tensors[name]!.values }
            for i in tensor.values.indices {
                let mean = (values[0][i] + values[1][i] + values[2][i]) / 3
                largest = max(largest, abs(tensor.values[i] - mean))
                spread = max(spread, abs(values[0][i] - values[2][i]))
            }
        }
        #expect(largest < 1e-6, "averaged weights are off the mean by up to \(largest)")
        #expect(spread > 1e-3, "epochs 3 and 5 should differ, or the test shows nothing")
        let report = try String(contentsOfFile: "\(run)/report.md", encoding: .utf8)
        #expect(report.contains("## Results (average of epochs 3-5)"))

        // Averaging checkpoints of two different models is refused, naming the odd one.
        var other = recipe
        other.model.hiddenSize = 32
        other.training.epochs = 1
        other.training.averageLast = 0
        other.output = dir.appendingPathComponent("other").path
        let otherPath = dir.appendingPathComponent("other.json").path
        try JSONEncoder().encode(other).write(to: URL(fileURLWithPath: otherPath))
        try Trainer(recipe: try Recipe.load(otherPath), recipePath: otherPath) { _ in }.run(resume: false)
        let odd = "\(other.output!)/last.safetensors"
        #expect {
            _ = try CheckpointAveraging.average([odd, "\(run)/last.safetensors"])
        } throws: { "\($0)".hasPrefix(odd) && "\($0)".contains("only checkpoints of one training run can be averaged") }
    }

    /// `cmvn: global` with no statistics file: the trainer gathers them over the training set,
    /// every checkpoint carries them, inference uses them with no other file, and a run
    /// stopped after epoch 1 resumes.
    @Test func globalCMVNStatisticsTravelWithTheModel() throws {
        let recordings = try #require(Fixtures.fsdd, "FSDD recordings not found beside the checkout (../shared/data/fsdd)")
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var (recipe, path) = try smallRecipe(in: dir, recordings: recordings, epochs: 2)
        recipe.features.cmvn = .global
        try JSONEncoder().encode(recipe).write(to: URL(fileURLWithPath: path))
        #expect { try FeaturePipeline(config: recipe.features) } throws: {
            "\($0)".contains("features.cmvn_stats: cmvn is 'global' but no statistics are given")
        }
        try Trainer(recipe: try Recipe.load(path), recipePath: path) { _ in }.run(resume: false, stopAfter: 1)
        try Trainer(recipe: try Recipe.load(path), recipePath: path) { _ in }.run(resume: true)
        #expect(FileManager.default.fileExists(atPath: "\(recipe.output!)/epoch-002.safetensors"))

        // The statistics are those of the ten training files' features.
        let checkpoint = try Checkpoint.load(from: "\(recipe.output!)/best.safetensors")
        let stats = try #require(checkpoint.features.cmvnStatistics)
        var plain = recipe.features
        plain.cmvn = .none
        let files = (0..<10).map { "\(recordings)/\($0)_jackson_7.wav" }
        var expected = CMVNStats(dimension: plain.dimension)
        for file in files { expected.accumulate(try FeaturePipeline(config: plain).features(ofFile: file)) }
        #expect(stats.count == expected.count)
        #expect(zip(stats.mean, expected.mean).allSatisfy { abs($0 - $1) < 1e-9 * max(1, abs($1)) })
        #expect(zip(stats.variance, expected.variance).allSatisfy { abs($0 - $1) < 1e-6 * max(1, abs($1)) })
        #expect(stats.variance.allSatisfy { $0 > 0 })

        // The model's features are normalised with them, and no file is needed to do so.
        let ours = try FeaturePipeline(config: checkpoint.features).features(ofFile: files[3])
        var byHand = try FeaturePipeline(config: plain).features(ofFile: files[3])
        stats.apply(to: &byHand, normVars: true)
        #expect(ours == byHand)
        _ = try Recognizer(checkpoint: "\(recipe.output!)/best.safetensors").recognize(file: files[3])
    }
}
