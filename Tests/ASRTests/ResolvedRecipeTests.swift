import Foundation
import Testing
@testable import ASR

/// `ResolvedRecipe`: a recipe's paths resolved once, and the trainer reading them from there.
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
}
