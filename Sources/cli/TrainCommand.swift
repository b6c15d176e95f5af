import ASR
import ArgumentParser
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model from a recipe (a JSON file; see recipes/digits.json).",
        discussion: """
            Writes checkpoints, a JSON-lines log, report.md and curves.svg into the recipe's output
            folder (runs/<name> by default). A run that was stopped continues with --resume.
            """)

    @Argument(help: "The recipe (JSON).")
    var recipe: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a recipe field, e.g. --set training.epochs=5 (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []

    @Flag(help: "Continue from the last finished epoch of the run folder.")
    var resume = false

    @Flag(help: "Say more about the set-up.")
    var verbose = false

    func run() throws {
        let loaded = try Recipe.load(recipe, overrides: overrides)
        let log: (String) -> Void = { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        let trainer: Trainer
        do {
            trainer = try Trainer(recipe: loaded, recipePath: recipe, log: log)
        } catch let error as ConfigError {
            // Data errors name the recipe key; say which recipe too.
            throw ConfigError(path: recipe, message: error.description)
        }
        try trainer.run(resume: resume)
    }
}
