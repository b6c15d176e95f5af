import Foundation
import Testing
@testable import ASR

/// `ResolvedRecipe`: a recipe's paths resolved once, and the trainer reading them from there;
/// the optimizer steps of a run counted from the epochs' own plans, so that the cosine schedule
/// ends with the run.
struct ResolvedRecipeTests {
    /// Writes a 8 kHz tone of `seconds` to `folder/name`.
    func tone(_ folder: URL, _ name: String, seconds: Double) throws {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AudioWriter.write(sine(300, rate: 8000, seconds: seconds, amplitude: 0.3), to: url.path, sampleRate: 8000)
    }

    func write(_ text: String, to folder: URL, _ name: String) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    @Test func everyPathIsAbsoluteAfterResolving() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let recipes = dir.appendingPathComponent("recipes")
        try tone(recipes, "noises/hum.wav", seconds: 0.5)
        let variable = "ASR_RESOLVED_RECIPE_TEST_\(getpid())"
        setenv(variable, dir.path + "/sets", 1)
        defer { unsetenv(variable) }
        try write("""
            {"data": {"train": {"path": "lists/train.tsv"}, "validation": {"path": "${\(variable)}/validation.tsv"},
                      "test": {"path": "./lists//test.tsv"}, "synthetic": {"folder": "synth"}},
             "features": {"cmvn": "global", "cmvn_stats": "stats.json"},
             "training": {"augment": {"noise": {"probability": 0.5, "folder": "noises"}}},
             "decoding": {"lexicon_file": "words.txt", "lm": "../lm.arpa"}}
            """, to: recipes, "r.json")
        let file = recipes.appendingPathComponent("r.json").path
        let resolved = try ResolvedRecipe(file: file, overrides: ["output=runs/resolved-test"])
        let cwd = FileManager.default.currentDirectoryPath
        let folder = recipes.path
        #expect(resolved.file == file && resolved.folder == folder)
        #expect(resolved.outputFolder == cwd + "/runs/resolved-test", "output starts from the working directory")
        #expect(resolved.train.location == folder + "/lists/train.tsv")
        #expect(resolved.train.config.path == "lists/train.tsv" && resolved.train.base == folder, "as written, for messages")
        #expect(resolved.validation?.location == dir.path + "/sets/validation.tsv", "${NAME} from the environment")
        #expect(resolved.test?.location == folder + "/lists/test.tsv")
        #expect(resolved.syntheticFolder == folder + "/synth")
        #expect(resolved.noiseFolder == folder + "/noises")
        #expect(resolved.decoding.lexiconFile == folder + "/words.txt")
        #expect(resolved.decoding.lm == folder + "/../lm.arpa", ".. is kept")
        #expect(resolved.cmvnStatsFile == cwd + "/stats.json", "cmvn_stats starts from the working directory")
        let paths = [resolved.file, resolved.folder, resolved.outputFolder, resolved.train.location, resolved.validation?.location,
                     resolved.test?.location, resolved.syntheticFolder, resolved.noiseFolder, resolved.decoding.lexiconFile,
                     resolved.decoding.lm, resolved.cmvnStatsFile]
        #expect(paths.allSatisfy { $0?.hasPrefix("/") == true }, "\(paths)")
        // The recipe itself stays as written: it is what a run's recipe.json holds.
        #expect(resolved.recipe.data.train.path == "lists/train.tsv" && resolved.recipe.decoding.lm == "../lm.arpa")
        #expect(resolved.recipe == (try Recipe.load(file, overrides: ["output=runs/resolved-test"])))

        // Path errors name the file and the key, as before.
        #expect { try ResolvedRecipe(file: file, overrides: ["training.augment.noise.folder=gone"]) } throws: {
            "\($0)" == "\(file): training.augment.noise.folder: no such folder '\(folder)/gone'"
        }
        #expect { try ResolvedRecipe(file: file, overrides: ["data.train.path=${ASR_UNSET_VARIABLE_\(getpid())}/x.tsv"]) } throws: {
            "\($0)".hasPrefix("\(file): data.train.path: the environment variable ASR_UNSET_VARIABLE_")
        }
    }

    /// A recipe in a folder of its own, with relative paths only: its data (a TSV list of
    /// tones of 0.2 to 1.0 s, plus connected strings of them), a lexicon, a run folder.
    /// Batches of 4 are split by `max_frames_per_batch`, the cosine schedule has no total.
    func splitBatchesRecipe(in dir: URL, epochs: Int) throws -> String {
        let recipes = dir.appendingPathComponent("recipes")
        let words = ["one", "two", "three", "four", "five", "six"]
        var lines: [String] = []
        for i in 0..<12 {
            try tone(recipes, "audio/\(i).wav", seconds: 0.2 + 0.07 * Double(i))
            lines.append("../audio/\(i).wav\t\(words[i % words.count])")
        }
        try write(lines.joined(separator: "\n") + "\n", to: recipes.appendingPathComponent("lists"), "train.tsv")
        try write(words.joined(separator: "\n") + "\n", to: recipes, "words.txt")
        try write("""
            {"name": "split-batches", "output": "\(dir.path)/run",
             "data": {"train": {"path": "lists/train.tsv"},
                      "connected_digits": {"train_per_epoch": 3, "test_count": 0, "max_digits": 2}},
             "features": {"sample_rate": 8000, "cmvn": "utterance"},
             "model": {"hidden_size": 8, "layers": 1},
             "training": {"epochs": \(epochs), "batch_size": 4, "max_frames_per_batch": 150, "threads": 1,
                          "early_stopping_patience": 0,
                          "optimizer": {"lr": 0.01}, "schedule": {"kind": "cosine", "min_lr": 0.001}},
             "decoding": {"method": "beam", "beam_width": 2, "lexicon_file": "words.txt"}}
            """, to: recipes, "split.json")
        return recipes.appendingPathComponent("split.json").path
    }

    /// The cosine schedule reaches `min_lr` when the last step of the last epoch is done, for
    /// batches split by `max_frames_per_batch`. The old estimate (utterances / batch_size per
    /// epoch) counted fewer steps, so the rate sat at its floor for the last ones.
    @Test func cosineReachesItsFloorAtTheLastStepOfTheRun() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let epochs = 3
        let file = try splitBatchesRecipe(in: dir, epochs: epochs)
        let resolved = try ResolvedRecipe(file: file)
        // Resolved once: the trainer reads nothing from the recipe's file or folder name again.
        try FileManager.default.removeItem(atPath: file)
        let trainer = try Trainer(recipe: resolved) { _ in }
        let planned = try trainer.plannedOptimizerSteps()
        let perEpoch = try trainer.data.optimizerSteps(training: trainer.recipe.training)
        #expect(perEpoch.count == epochs && perEpoch.reduce(0, +) == planned)
        let training = trainer.recipe.training
        let estimate = epochs * ((trainer.data.train.count + 3 + training.batchSize - 1) / training.batchSize)
        #expect(planned > estimate, "the batches must be split for this test: \(planned) steps planned, \(estimate) estimated")

        let history = try trainer.run(resume: false)
        #expect(history.count == epochs)
        let state = try TrainerState.load("\(resolved.outputFolder)/state.json")
        #expect(state.step == planned, "\(state.step) steps run, \(planned) planned")

        let minLR = training.schedule.minLr
        let schedule = try LRSchedule(config: training.schedule, baseLR: training.optimizer.lr, totalSteps: planned)
        // The last step ran just above the floor, which comes next: the run ends where the cosine does.
        #expect(history.last!.learningRate == schedule.lr(step: state.step - 1, epoch: epochs - 1))
        #expect(history.last!.learningRate > minLR && schedule.lr(step: state.step, epoch: epochs - 1) == minLR)
        // With the estimate, the rate is at its floor well before the end of the run.
        let old = try LRSchedule(config: training.schedule, baseLR: training.optimizer.lr, totalSteps: estimate)
        #expect(old.lr(step: estimate, epoch: epochs - 1) == minLR && estimate < state.step - 1)

        // The checkpoint carries the words of the lexicon file the recipe names (read from the
        // path resolved against the recipe's folder), not the path: a checkpoint opens no file.
        let checkpoint = try Checkpoint.load(from: "\(resolved.outputFolder)/best.safetensors")
        let decoding = try Recognizer.storedDecoding(of: checkpoint, path: "best.safetensors")
        #expect(resolved.decoding.lexiconFile == dir.path + "/recipes/words.txt")
        #expect(decoding.lexiconFile == nil && decoding.lexicon.map(Set.init) == ["one", "two", "three", "four", "five", "six"])
    }
}
