import ASR
import ArgumentParser
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model from a recipe (a JSON file; see recipes/digits.json).",
        discussion: """
            Writes checkpoints, a JSON-lines log, report.md and curves.svg into the recipe's output \
            folder (runs/<name> by default). A run that was stopped continues with --resume.

            Data-parallel training: `mpirun -np N asr train recipe.json` (asr built with Open MPI). \
            Each global batch of training.batch_size utterances is split between the N ranks, the \
            gradients are summed, and every rank takes the same step: the result is that of one \
            process. Rank 0 writes the files. If any rank fails, the whole job ends; --resume then \
            continues from the last finished epoch with any number of ranks.
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
        let resolved = try ResolvedRecipe(file: recipe, overrides: overrides)
        let communicator = try Distributed.start()
        // The run's record is its folder (log.jsonl, the checkpoints); standard output is only a
        // view of it. A closed or full pipe (`asr train ... | head`) must not stop or crash the
        // training: SIGPIPE is ignored and a failed write only ends the printing.
        signal(SIGPIPE, SIG_IGN)
        nonisolated(unsafe) var printing = true
        let log: (String) -> Void = { line in
            guard printing else { return }
            do { try FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8)) } catch { printing = false }
        }
        do {
            let trainer: Trainer
            do {
                trainer = try Trainer(recipe: resolved, communicator: communicator, log: log)
            } catch let error as ConfigError {
                // Data errors name the recipe key; say which recipe too.
                throw ConfigError(path: recipe, message: error.description)
            }
            try trainer.run(resume: resume)
        } catch {
            // One failed rank ends the job (MPI_Abort) rather than leaving the others waiting
            // in the next collective. The run folder holds the last finished epoch.
            if communicator.size > 1 {
                communicator.abort("asr train: rank \(communicator.rank) of \(communicator.size): error: \(error)\n"
                                   + "asr train: ending all ranks; the run folder keeps the last finished epoch, if any (continue with --resume)", code: 1)
            }
            throw error
        }
        communicator.finish()
    }
}
