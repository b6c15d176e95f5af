import Foundation

/// Trains a recipe: loads its data, runs the epochs, validates, checkpoints, resumes, reports.
///
/// Files in the run folder (`ResolvedRecipe.outputFolder`):
///   recipe.json                 the recipe as run (after --set overrides)
///   speakers.json               the speakers of each data set (when its utterances name them)
///   state.json                  what --resume needs; written last, atomically, after each epoch
///   epoch-NNN.safetensors       the model after epoch NNN (the last two, or the last
///                               `training.average_last`, are kept)
///   epoch-NNN.optimizer.safetensors   its optimiser state (the last two are kept)
///   best.safetensors            the model with the best validation WER so far
///   last.safetensors            the model after the last finished epoch
///   averaged.safetensors        with `training.average_last`: the mean of the last epochs
///   log.jsonl                   one JSON line per epoch
///   report.md, curves.svg       written at the end
///
/// Under MPI (`mpirun -np N asr train`), every rank runs this same loop on its share of each
/// global batch (see DistributedTraining.swift); rank 0 alone logs and writes the files.
public final class Trainer {
    /// The recipe with its paths resolved and, for global CMVN, its statistics.
    public let resolved: ResolvedRecipe
    /// The recipe as run: after the --set overrides, with CMVN statistics.
    public var recipe: Recipe { resolved.recipe }
    /// The run folder, absolute.
    public var folder: String { resolved.outputFolder }
    let tokenizer: Vocabulary
    let data: TrainingSets
    let log: (String) -> Void
    let progress: ProgressReporter?
    let communicator: any Communicator
    /// The model's output frames for a number of feature frames.
    let outputFrames: @Sendable (Int) -> Int
    /// Metadata `asr.decoding` of every checkpoint (`decodingMetadata(_:symbols:)`).
    private let decodingMetadata: String

    /// Loads the data `recipe` names. `log` is called on rank 0 only.
    public init(recipe: ResolvedRecipe, communicator: any Communicator = SingleProcess(),
                log: @escaping (String) -> Void) throws {
        self.communicator = communicator
        self.log = communicator.isRoot ? log : { _ in }
        tokenizer = try recipe.recipe.tokens.makeVocabulary()
        data = try TrainingSets(recipe: recipe, tokenizer: tokenizer, log: self.log)
        // The model's frame rate decides what fits (a model that subsamples has fewer frames).
        let shape = AcousticModel(config: recipe.recipe.model, inputSize: recipe.features.dimension, vocabSize: tokenizer.count)
        outputFrames = { shape.outputFrames($0) }
        try data.dropUnfitItems(outputFrames: outputFrames, log: self.log)
        resolved = try recipe.withGlobalCMVN(over: data.train, log: self.log)
        progress = communicator.isRoot ? ProgressReporter() : nil
        decodingMetadata = try Trainer.decodingMetadata(resolved.decoding, symbols: tokenizer.symbols)
    }

    /// Resolves `recipe`, read from `recipePath` (`ResolvedRecipe(_:file:)`), and loads its data.
    public convenience init(recipe: Recipe, recipePath: String, communicator: any Communicator = SingleProcess(),
                            log: @escaping (String) -> Void) throws {
        try self.init(recipe: try ResolvedRecipe(recipe, file: recipePath), communicator: communicator, log: log)
    }

    /// The optimizer steps of the whole run (every epoch of `training.epochs`), from the plans
    /// the epochs run: where the cosine schedule reaches its floor.
    func plannedOptimizerSteps() throws -> Int {
        try data.optimizerSteps(training: recipe.training).reduce(0, +)
    }

    /// Runs (or, with `resume`, continues) the training. Returns the history of epochs.
    /// `stopAfter` ends the run after that epoch as if it had been killed there (no report).
    @discardableResult
    public func run(resume: Bool, stopAfter: Int? = nil) throws -> [EpochRecord] {
        let training = recipe.training
        let runStarted = Date()
        let root = communicator.isRoot, ranks = communicator.size
        if root { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        BLASThreads.set(1)

        // Rank 0 starts or resumes; the other ranks get its state (shareRootState, below).
        var state = TrainerState()
        let model: AcousticModel
        let optimizer: Adam
        let statePath = "\(folder)/state.json"
        if root && resume && FileManager.default.fileExists(atPath: statePath) {
            state = try TrainerState.load(statePath)
            guard let checkpointFile = state.checkpoint, let optimizerFile = state.optimizer else {
                throw ConfigError(path: statePath, message: "no finished epoch to resume from")
            }
            let checkpoint = try Checkpoint.load(from: "\(folder)/\(checkpointFile)")
            guard checkpoint.model.config == recipe.model, checkpoint.features == recipe.features,
                  checkpoint.tokens == tokenizer.symbols else {
                throw ConfigError(path: "\(folder)/\(checkpointFile)",
                                  message: "the checkpoint's model, features or tokens differ from the recipe's; resume with the recipe it was trained with")
            }
            model = checkpoint.model
            // Training changes the float values; int8 copies (an `asr quantize`d file) would go stale.
            for p in model.parameters { p.int8 = nil }
            optimizer = try training.optimizer.makeOptimizer(for: model.parameters)
            try optimizer.load(state: try SafetensorsFile.read("\(folder)/\(optimizerFile)"), path: "\(folder)/\(optimizerFile)")
            log("resuming after epoch \(state.epochsDone) (step \(state.step)) from \(folder)/\(checkpointFile)")
        } else {
            if root && resume { log("nothing to resume in \(folder); starting from scratch") }
            model = AcousticModel(config: recipe.model, inputSize: recipe.features.dimension, vocabSize: tokenizer.count)
            optimizer = try training.optimizer.makeOptimizer(for: model.parameters)
        }
        try shareRootState(model: model, optimizer: optimizer, state: &state, communicator: communicator)
        // This thread's buffers for the model; the two directions of a layer on two threads.
        let workspace = model.makeWorkspace()
        workspace.parallelDirections = training.threads >= 2
        if root {
            removeTemporaryFiles()
            try saveRecipe()
        }
        log("model: \(recipe.model.layers) x \(recipe.model.bidirectional ? "bi" : "")\(recipe.model.cell.rawValue.uppercased()) "
            + "\(recipe.model.hiddenSize), \(model.parameterCount) parameters; \(data.train.count) training utterances"
            + (recipe.data.connectedDigits.map { " + \($0.trainPerEpoch) connected per epoch" } ?? "")
            + (ranks > 1 ? "; \(ranks) MPI ranks share each batch of \(training.batchSize)" : ""))
        if ranks > 1 && training.threads > 1 {
            log("note: training.threads=\(training.threads) on each of \(ranks) ranks; with one core per rank (Open MPI binds up to "
                + "2 ranks to a core each by default) --set training.threads=1 is usually faster")
        }

        // The cosine ends with the run: after the batches of every epoch's plan (the other
        // schedules need no total; planning the epochs to count them takes little time).
        var scheduleConfig = training.schedule
        let totalSteps = try scheduleConfig.totalSteps ?? (scheduleConfig.kind == .cosine ? plannedOptimizerSteps() : 0)
        if scheduleConfig.kind == .cosine && scheduleConfig.totalSteps == nil && scheduleConfig.warmupSteps >= totalSteps {
            // A short run (e.g. --set training.epochs=1): keep a tenth of it for the warm-up.
            scheduleConfig.warmupSteps = totalSteps / 10
            log("note: training.schedule.warmup_steps lowered to \(scheduleConfig.warmupSteps) for a run of \(totalSteps) steps")
        }
        let schedule = try LRSchedule(config: scheduleConfig, baseLR: training.optimizer.lr, totalSteps: totalSteps)
        if !state.schedule.isEmpty { try schedule.load(state: state.schedule, path: statePath) }

        // No zero_infinity: utterances too short for their transcripts never reach the loss
        // (dropped when loading and in the feature thread), so an infinite loss means divergence.
        let ctc = CTCLoss(blank: 0, reduction: .mean, zeroInfinity: false)
        let source = try FeatureSource(config: recipe.features, cacheFeatures: true)
        // Batches are planned on the lengths of the plain audio; silence added by
        // `training.augment` may take a batch a little past `max_frames_per_batch`.
        let augmenter = training.augment.enabled
            ? try Augmenter(config: training.augment, sampleRate: recipe.features.sampleRate, noiseFolder: resolved.noiseFolder) : nil
        // The decoding's lexicon and LM paths are absolute already.
        let evaluator = try Evaluator(features: recipe.features, decoding: resolved.decoding, tokenizer: tokenizer)
        evaluator.parallelDirections = training.threads >= 2
        var gradLogits: [Float] = []
        let reducer = GradientReducer()

        for epoch in (state.epochsDone + 1)...max(training.epochs, state.epochsDone + 1) where epoch <= training.epochs {
            let started = Date()
            if ranks > 1 && root { StopNotice.set(stopNotice(state)) }
            let plan = try data.plan(epoch: epoch, training: training)
            try communicator.checkSame(planHash(items: plan.items, lengths: plan.lengths, plan: plan.batches),
                                       "training data or batches in epoch \(epoch)")
            let producer = EpochProducer(source: source, training: training, augmenter: augmenter, outputFrames: outputFrames)
            producer.start(items: plan.items, plan: plan.batches.map { shard($0, rank: communicator.rank, size: ranks) }, seeds: plan.seeds)
            reducer.resetTimer()

            var lossSum = 0.0, lossCount = 0, utterances = 0, waited = 0.0, normSum = 0.0
            progress?.start(epoch: epoch, of: training.epochs, batches: plan.batches.count)
            while true {
                let waitStart = Date()
                guard let next = producer.queue.take() else { break }
                waited += Date().timeIntervalSince(waitStart)
                let batch: Batch
                do { batch = try next.get() } catch { producer.queue.cancel(); throw error }
                // With several ranks, a rank with no share of this batch still takes part in the sum.
                guard batch.B > 0 || ranks > 1 else { continue }

                let lr = schedule.lr(step: state.step, epoch: epoch - 1)
                optimizer.lr = lr
                model.parameters.zeroGrad()
                var loss: Float = 0
                if batch.B > 0 {
                    let out = batch.features.withUnsafeBufferPointer {
                        model.forward($0.baseAddress!, T: batch.T, B: batch.B, lengths: batch.lengths, workspace: workspace,
                                      pass: ForwardPass(training: true, sequenceSeeds: batch.seeds))
                    }
                    if gradLogits.count < out.T * batch.B * tokenizer.count {
                        gradLogits = [Float](repeating: 0, count: out.T * batch.B * tokenizer.count)
                    }
                    // CTC over the model's frames (fewer than the features' when it subsamples).
                    loss = try gradLogits.withUnsafeMutableBufferPointer {
                        try ctc.compute(logits: out.logits, T: out.T, B: batch.B, V: tokenizer.count, inputLengths: out.lengths,
                                        targets: batch.targets, gradLogits: $0.baseAddress!)
                    }.loss
                    guard loss.isFinite else {
                        producer.queue.cancel()
                        throw TrainingError.nonFiniteLoss(epoch: epoch, step: state.step, lastGood: state.checkpoint.map { "\(folder)/\($0)" })
                    }
                    gradLogits.withUnsafeBufferPointer { model.backward($0.baseAddress!, workspace: workspace) }
                }
                var batchSize = batch.B, batchLossSum = Double(loss) * Double(batch.B)
                if ranks > 1 {
                    (batchSize, batchLossSum) = reducer.reduce(model.parameters, utterances: batch.B, loss: loss, communicator: communicator)
                    guard batchSize > 0 else { continue }
                }
                let norm = training.clipNorm > 0 ? clipGradNorm(model.parameters, maxNorm: Float(training.clipNorm)) : 0
                guard norm.isFinite else {
                    producer.queue.cancel()
                    throw TrainingError.nonFiniteLoss(epoch: epoch, step: state.step, lastGood: state.checkpoint.map { "\(folder)/\($0)" })
                }
                optimizer.step()
                state.step += 1
                lossSum += batchLossSum
                lossCount += batchSize
                normSum += Double(norm)
                utterances += batchSize
                if let progress {
                    progress.update(batchesDone: progress.batchesDone + 1, loss: lossSum / Double(max(lossCount, 1)), utterances: utterances)
                }
            }
            let seconds = Date().timeIntervalSince(started)
            progress?.finish()
            try communicator.checkSame(weightsHash(model.parameters), "weights after epoch \(epoch)")

            // Validation: loss and greedy error rates.
            // Validation sets are not filtered for length: an utterance too short for its
            // transcript scores 0 rather than making the mean infinite.
            let validationLoss = CTCLoss(blank: 0, reduction: .mean, zeroInfinity: true)
            let validation = try data.validation.map {
                try evaluateShared(evaluator, model: model, set: $0, decoding: .greedyOnly, ctc: validationLoss, communicator: communicator)
            }
            let record = EpochRecord(
                epoch: epoch, trainLoss: lossSum / Double(max(lossCount, 1)), validationLoss: validation?.loss,
                validationWER: validation?.wer, validationCER: validation?.cer, learningRate: optimizer.lr,
                seconds: seconds, utterances: utterances, utterancesPerSecond: Double(utterances) / seconds,
                dataWaitShare: waited / seconds, gradientNorm: normSum / Double(max(plan.batches.count, 1)),
                ranks: ranks > 1 ? ranks : nil, allreduceSeconds: ranks > 1 ? reducer.seconds : nil)
            state.history.append(record)
            if let wer = validation?.wer { _ = schedule.epochEnded(metric: wer) }
            state.schedule = schedule.state()
            let improved = validation.map { v in state.bestWER.map { v.wer < $0 } ?? true } ?? true
            if improved {
                state.bestWER = validation?.wer
                state.bestEpoch = epoch
                state.epochsWithoutImprovement = 0
            } else {
                state.epochsWithoutImprovement += 1
            }
            try saveEpoch(epoch: epoch, model: model, optimizer: optimizer, state: &state, best: improved)
            log(describe(record, best: improved))
            if let stopAfter, epoch >= stopAfter { return state.history }
            if training.earlyStoppingPatience > 0 && state.epochsWithoutImprovement >= training.earlyStoppingPatience {
                log("early stopping: no better validation WER for \(state.epochsWithoutImprovement) epochs (best \(pct(state.bestWER)) at epoch \(state.bestEpoch ?? 0))")
                break
            }
        }
        if ranks > 1 && root {
            StopNotice.set("asr train: rank 0 stopped while scoring the test sets because the job ended; training had finished "
                           + "(\(folder)/best.safetensors); run it again with --resume to write the report.")
        }
        try finish(state: state, evaluator: evaluator, started: runStarted)
        return state.history
    }

    /// Scores the best checkpoint (or, with `average_last`, the average of the last epochs) on
    /// the test sets (greedy and the recipe's decoding) and writes report.md and curves.svg.
    private func finish(state: TrainerState, evaluator: Evaluator, started: Date) throws {
        let scored = try averageLastEpochs(state: state) ?? "\(folder)/best.safetensors"
        let model = try loadSharedModel(scored, recipe: recipe, vocabSize: tokenizer.count, communicator: communicator)
        var results: [(set: String, decoding: String, result: EvaluationResult)] = []
        for set in data.tests {
            for mode in [EvaluationDecoding.greedyOnly, .recipe] where mode == .greedyOnly || evaluator.hasRecipeDecoder {
                let r = try evaluateShared(evaluator, model: model, set: set, decoding: mode, communicator: communicator)
                results.append((set.name, evaluator.describe(mode), r))
                log("\(set.name), \(evaluator.describe(mode)): WER \(pct(r.wer)) (\(r.score.words.errors) errors in \(r.score.words.referenceLength) words), CER \(pct(r.cer))")
            }
        }
        // Robustness (data.robustness): the first test set perturbed, with the recipe's decoding.
        if let test = data.tests.first {
            let mode: EvaluationDecoding = evaluator.hasRecipeDecoder ? .recipe : .greedyOnly
            for condition in try recipe.data.robustness.map(TestCondition.init) {
                let r = try evaluateShared(evaluator, model: model, set: test, decoding: mode, condition: condition, communicator: communicator)
                results.append(("\(test.name), \(condition)", evaluator.describe(mode), r))
                log("\(test.name), \(condition), \(evaluator.describe(mode)): WER \(pct(r.wer)), CER \(pct(r.cer))")
            }
        }
        guard communicator.isRoot else { return }
        var skipped = data.skipped
        skipped = skipped.filter { $0.value > 0 }
        let report = TrainingReport(
            recipe: recipe, parameters: model.parameterCount, history: state.history, bestEpoch: state.bestEpoch,
            scoredModel: averagedEpochs(state: state).map { "average of epochs \($0.lowerBound)-\($0.upperBound)" } ?? "best checkpoint",
            results: results, skipped: skipped, peakMemoryMB: peakResidentMemoryMB(), totalSeconds: Date().timeIntervalSince(started))
        try writeFileAtomically(Data(report.markdown().utf8), to: "\(folder)/report.md")
        try writeFileAtomically(try report.resultsJSON(), to: "\(folder)/results.json")
        try writeFileAtomically(Data(report.svg().utf8), to: "\(folder)/curves.svg")
        log("report: \(folder)/report.md; model scored: \(scored)")
    }

    /// The epochs `average_last` averages: the last N that ran; nil when averaging is off.
    private func averagedEpochs(state: TrainerState) -> ClosedRange<Int>? {
        let n = recipe.training.averageLast, last = state.epochsDone
        return n > 0 && last > 0 ? max(1, last - n + 1)...last : nil
    }

    /// With `training.average_last` N, rank 0 writes the mean of the last N epochs' weights
    /// to averaged.safetensors and returns its path; nil when averaging is off.
    private func averageLastEpochs(state: TrainerState) throws -> String? {
        guard let epochs = averagedEpochs(state: state) else { return nil }
        let path = "\(folder)/averaged.safetensors"
        if communicator.isRoot {
            let averaged = try CheckpointAveraging.average(epochs.map { String(format: "\(folder)/epoch-%03d.safetensors", $0) })
            try averaged.save(to: path)
            log("averaged the weights of epochs \(epochs.lowerBound)-\(epochs.upperBound) into \(path)")
        }
        return path
    }

    /// Commits an epoch as one step. Every file is written (each atomically: temporary file,
    /// fsync, rename) before state.json, which points at them, is replaced last: the
    /// checkpoint, the optimiser state, last.safetensors, best.safetensors, then log.jsonl
    /// rewritten whole from the state's history. A kill or a full disk anywhere before
    /// state.json leaves the previous epoch's state, which --resume continues from (the epoch
    /// is run again and gives the same weights); after it, the new one. Ranks other than 0 only
    /// record in `state` what rank 0 wrote. `faultHook` sees each step's name.
    private func saveEpoch(epoch: Int, model: AcousticModel, optimizer: Adam, state: inout TrainerState, best: Bool) throws {
        let name = String(format: "epoch-%03d", epoch)
        guard communicator.isRoot else {
            state.epochsDone = epoch
            state.checkpoint = "\(name).safetensors"
            state.optimizer = "\(name).optimizer.safetensors"
            return
        }
        func step(_ name: String, _ write: () throws -> Void) throws {
            try faultHook?(name, epoch)
            try write()
        }
        let checkpoint = Checkpoint(model: model, features: recipe.features, tokens: tokenizer.symbols,
                                    extra: ["asr.epoch": String(epoch), "asr.recipe": recipe.name,
                                            "asr.decoding": decodingMetadata])
        try step("checkpoint") { try checkpoint.save(to: "\(folder)/\(name).safetensors") }
        var optimizerState = optimizer.state()
        optimizerState.metadata["asr.epoch"] = String(epoch)
        try step("optimizer") { try optimizerState.write(to: "\(folder)/\(name).optimizer.safetensors") }
        try step("last") { try checkpoint.save(to: "\(folder)/last.safetensors") }
        if best { try step("best") { try checkpoint.save(to: "\(folder)/best.safetensors") } }
        var next = state
        next.epochsDone = epoch
        next.checkpoint = "\(name).safetensors"
        next.optimizer = "\(name).optimizer.safetensors"
        try step("log") { try writeLog(next.history) }
        try step("state") { try next.save("\(folder)/state.json") }
        state = next
        try step("cleanup") {
            // Keep the last two epochs' files, and more models when the report averages the last N.
            let staleModel = String(format: "epoch-%03d", epoch - max(2, recipe.training.averageLast))
            let staleOptimizer = String(format: "epoch-%03d", epoch - 2)
            try? FileManager.default.removeItem(atPath: "\(folder)/\(staleModel).safetensors")
            try? FileManager.default.removeItem(atPath: "\(folder)/\(staleOptimizer).optimizer.safetensors")
        }
    }

    /// Called with the name of each step of an epoch's commit before it runs ("checkpoint",
    /// "optimizer", "last", "best", "log", "state", "cleanup"): tests throw from it to stop a
    /// run at that step, as a kill would. nil (always, outside tests).
    var faultHook: ((_ step: String, _ epoch: Int) throws -> Void)?

    /// The recipe's decoding, self-contained (its lexicon and LM inside), as JSON: read once,
    /// stored in every checkpoint.
    private static func decodingMetadata(_ decoding: DecodingConfig, symbols: [String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let stored = try decoding.selfContained(symbols: try Vocabulary(symbols))
        return String(decoding: try encoder.encode(stored), as: UTF8.self)
    }

    /// What rank 0 says when mpirun stops it because another rank failed.
    private func stopNotice(_ state: TrainerState) -> String {
        let last = state.checkpoint.map { "Epoch \(state.epochsDone) (\(folder)/\($0)) is the last finished one; continue from it with --resume" }
            ?? "no epoch had finished; start again"
        return "asr train: rank 0 stopped during epoch \(state.epochsDone + 1) because the job was ended (a rank failed or was killed, or mpirun was interrupted). \(last)."
    }

    private func saveRecipe() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeFileAtomically(try encoder.encode(recipe), to: "\(folder)/recipe.json")
        // Who each set's speakers are: which were held out is part of every result.
        if !data.speakers.isEmpty { try writeFileAtomically(try encoder.encode(data.speakers), to: "\(folder)/speakers.json") }
    }

    /// Removes what an earlier run killed mid-write left: the temporary files of atomic writes
    /// (".NAME.tmp-PID"), never read by anything.
    private func removeTemporaryFiles() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in names where name.hasPrefix(".") && name.range(of: #"\.tmp-[0-9]+$"#, options: .regularExpression) != nil {
            try? FileManager.default.removeItem(atPath: "\(folder)/\(name)")
        }
    }

    /// log.jsonl: one JSON line per finished epoch, rewritten whole (atomically) from the
    /// history, so it always agrees with state.json.
    private func writeLog(_ history: [EpochRecord]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = Data()
        for record in history {
            data.append(try encoder.encode(record))
            data.append(0x0A)
        }
        try writeFileAtomically(data, to: "\(folder)/log.jsonl")
    }

    private func describe(_ r: EpochRecord, best: Bool) -> String {
        var s = "epoch \(r.epoch): train loss \(String(format: "%.4f", r.trainLoss))"
        if let l = r.validationLoss { s += ", validation loss \(String(format: "%.4f", l))" }
        if let w = r.validationWER, let c = r.validationCER { s += ", WER \(pct(w)), CER \(pct(c))" }
        s += ", \(String(format: "%.1f", r.seconds)) s (\(Int(r.utterancesPerSecond)) utt/s, waited for data \(pct(r.dataWaitShare))"
        if let a = r.allreduceSeconds { s += ", in allreduce \(pct(a / r.seconds))" }
        s += ")"
        return s + (best ? " *best" : "")
    }
}

public enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(epoch: Int, step: Int, lastGood: String?)

    public var description: String {
        switch self {
        case .nonFiniteLoss(let epoch, let step, let lastGood):
            return "the loss became NaN or infinite at epoch \(epoch), step \(step); training stopped. "
                + (lastGood.map { "The last good checkpoint is \($0) (continue from it with --resume, perhaps with a lower training.optimizer.lr)." }
                   ?? "No epoch had finished, so there is no checkpoint.")
        }
    }
}

func pct(_ x: Double?) -> String { x.map { String(format: "%.2f%%", $0 * 100) } ?? "-" }
