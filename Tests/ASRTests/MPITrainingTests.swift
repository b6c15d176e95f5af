import Foundation
import Testing
@testable import ASR

/// `mpirun -np 2 asr train` against one process, through the built `asr`. Needs asr built with
/// MPI and Open MPI's mpirun (CI installs libopenmpi-dev and openmpi-bin), and the FSDD
/// recordings. Both ranks run on this machine, one thread each.
@Suite(.serialized, .enabled(if: Distributed.mpiBuilt, "asr was built without MPI: install libopenmpi-dev and openmpi-bin, then rebuild"))
struct MPITrainingTests {
    /// A small recipe: 20 recordings of one speaker (takes 5-6), validated on 10 others, a
    /// 2-layer GRU with dropout, SpecAugment and speed and volume perturbation all on: the
    /// two ranks must draw the same randomness per utterance as the single process does.
    func recipe(in dir: URL, recordings: String, epochs: Int, batchSize: Int) throws -> String {
        let recipe = """
            {
              "name": "mpi-test",
              "data": {
                "train": { "path": "\(recordings)", "format": "fsdd", "takes": "5-6", "speakers": ["jackson"] },
                "validation": { "path": "\(recordings)", "format": "fsdd", "takes": "45", "speakers": ["jackson"] }
              },
              "features": { "type": "mfcc", "sample_rate": 8000, "delta_order": 2, "cmvn": "utterance", "cmvn_norm_vars": true },
              "model": { "cell": "gru", "hidden_size": 24, "layers": 2, "dropout": 0.2 },
              "training": {
                "epochs": \(epochs), "batch_size": \(batchSize), "optimizer": { "lr": 0.005 }, "clip_norm": 1.0, "seed": 7, "threads": 1,
                "spec_augment": { "freq_masks": 1, "freq_width": 4, "time_masks": 1, "time_width": 5 },
                "speed_perturb": [0.9, 1.0, 1.1], "volume_perturb": [0.5, 2.0], "early_stopping_patience": 0
              },
              "decoding": { "method": "greedy" }
            }
            """
        let path = dir.appendingPathComponent("recipe.json").path
        try recipe.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    var asr: String { Fixtures.productsFolder.appendingPathComponent("asr").path }

    static var mpirun: String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts asr (under `mpirun -np ranks` unless ranks is nil), output to `log`.
    func start(_ arguments: [String], ranks: Int?, log: URL) throws -> Process {
        let process = Process()
        if let ranks {
            let mpirun = try #require(Self.mpirun, "mpirun not found on PATH (Debian: openmpi-bin)")
            process.executableURL = URL(fileURLWithPath: mpirun)
            process.arguments = ["--oversubscribe", "-np", String(ranks), asr] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: asr)
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        // Root in a container (CI): Open MPI refuses root without these, and Docker's default
        // seccomp profile forbids the cross-memory attach its shared-memory transport uses.
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        env["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"
        process.environment = env
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Waits for `process`; kills it (SIGKILL, by its pid) and fails after `timeout` seconds.
    func wait(_ process: Process, timeout: Double, log: URL) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            Issue.record("still running after \(Int(timeout)) s; output:\n\(contents(log))")
        }
        return process.terminationStatus
    }

    func run(_ arguments: [String], ranks: Int?, log: URL) throws {
        let process = try start(arguments, ranks: ranks, log: log)
        let status = try wait(process, timeout: 300, log: log)
        let output = contents(log)
        try #require(status == 0, "asr \(arguments.joined(separator: " ")) on \(ranks ?? 1) rank(s) exited with \(status):\n\(output)")
    }

    func contents(_ file: URL) -> String { (try? String(contentsOf: file, encoding: .utf8)) ?? "(\(file.path) unreadable)" }

    func weights(_ path: String) throws -> [String: [Float]] {
        try SafetensorsFile.read(path).tensors.mapValues(\.values)
    }

    /// Largest |a - b| over every tensor.
    func largestDifference(_ a: [String: [Float]], _ b: [String: [Float]]) -> Float {
        #expect(a.keys.sorted() == b.keys.sorted())
        return a.keys.map { k in maxErrors(a[k]!, b[k]!).absolute }.max() ?? .infinity
    }

    func records(_ folder: URL) throws -> [EpochRecord] {
        try String(contentsOf: folder.appendingPathComponent("log.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(EpochRecord.self, from: Data($0.utf8)) }
    }

    /// One epoch on 2 ranks gives the weights one process gets with the same global batch.
    /// Batches of 7 (20 utterances: 7, 7, 6) split 4+3 and 3+3, so the ranks' shares differ.
    @Test func twoRanksTrainLikeOneProcess() throws {
        let recordings = try #require(Fixtures.fsdd, "FSDD recordings not found (set FSDD_DIR)")
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let recipe = try recipe(in: dir, recordings: recordings, epochs: 1, batchSize: 7)
        let one = dir.appendingPathComponent("one"), two = dir.appendingPathComponent("two")
        try run(["train", recipe, "--set", "output=\(one.path)"], ranks: nil, log: dir.appendingPathComponent("one.log"))
        try run(["train", recipe, "--set", "output=\(two.path)"], ranks: 2, log: dir.appendingPathComponent("two.log"))

        let single = try weights(one.appendingPathComponent("last.safetensors").path)
        let parallel = try weights(two.appendingPathComponent("last.safetensors").path)
        let difference = largestDifference(single, parallel)
        // Only the order of float sums differs (each rank sums its share, then the allreduce).
        // Adam divides by the root of the squared gradient, which magnifies rounding in small
        // gradients: this machine sees about 1e-5 after three steps; allow 1e-4.
        #expect(difference < 1e-4, "largest weight difference between 1 process and 2 ranks: \(difference)")
        // ... and training moved the weights far more than that.
        let loaded = try Recipe.load(recipe)
        let initial = AcousticModel(config: loaded.model, inputSize: loaded.features.dimension, vocabSize: try loaded.tokens.makeVocabulary().count)
        let moved = largestDifference(Dictionary(uniqueKeysWithValues: initial.parameters.map { ($0.name, $0.value) }), single)
        #expect(moved > 100 * 1e-4, "training moved the weights by \(moved) only")

        let (r1, r2) = (try records(one)[0], try records(two)[0])
        #expect(r2.ranks == 2 && r1.ranks == nil)
        #expect(r1.utterances == r2.utterances)
        #expect(abs(r1.trainLoss - r2.trainLoss) < 1e-4 * r1.trainLoss, "train loss \(r1.trainLoss) vs \(r2.trainLoss)")
        #expect(r1.validationWER == r2.validationWER && abs(r1.validationLoss! - r2.validationLoss!) < 1e-4)
        print("MPI: 1 process vs 2 ranks after one epoch: largest weight difference \(difference) (training moved them by \(moved)); "
              + "train loss \(r1.trainLoss) vs \(r2.trainLoss)")
    }

    /// SIGKILL of rank 1 mid-run ends the job within seconds, with Open MPI's message about the
    /// rank and asr's about the last finished epoch; --resume on one process then continues
    /// from that epoch and ends where an uninterrupted run ends.
    @Test func killedRankEndsTheJobAndResumeContinues() throws {
        let recordings = try #require(Fixtures.fsdd, "FSDD recordings not found (set FSDD_DIR)")
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let recipe = try recipe(in: dir, recordings: recordings, epochs: 200, batchSize: 4)
        let run = dir.appendingPathComponent("run"), log = dir.appendingPathComponent("killed.log")
        let job = try start(["train", recipe, "--set", "output=\(run.path)"], ranks: 2, log: log)
        defer { if job.isRunning { kill(job.processIdentifier, SIGKILL) } }

        // Wait for the first finished epoch, then kill rank 1 during a later one.
        let state = run.appendingPathComponent("state.json")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: state.path) && job.isRunning && Date() < deadline { usleep(50_000) }
        try #require(FileManager.default.fileExists(atPath: state.path) && job.isRunning,
                     "no epoch finished:\n\(contents(log))")
        usleep(300_000)
        let rank1 = try #require(rankProcess(1, of: job.processIdentifier), "rank 1 not found among mpirun's children")
        let killed = Date()
        kill(rank1, SIGKILL)
        let status = try wait(job, timeout: 60, log: log)
        let seconds = Date().timeIntervalSince(killed)
        let output = contents(log)
        #expect(status != 0)
        #expect(seconds < 10, "the job took \(seconds) s to end after rank 1 was killed")
        #expect(output.contains("rank 1") && output.contains("signal 9"), "no message about rank 1:\n\(output)")
        #expect(output.contains("continue from it with --resume"), "no message about resuming:\n\(output)")

        // Resume on one process for one more epoch; an uninterrupted single process run of as
        // many epochs must end with the same weights (float tolerance: 2 ranks trained some).
        let done = try JSONDecoder().decode(TrainerState.self, from: Data(contentsOf: state)).epochsDone
        let epochs = "training.epochs=\(done + 1)"
        try self.run(["train", recipe, "--set", "output=\(run.path)", "--set", epochs, "--resume"], ranks: nil,
                     log: dir.appendingPathComponent("resumed.log"))
        let resumedLog = contents(dir.appendingPathComponent("resumed.log"))
        #expect(resumedLog.contains("resuming after epoch \(done)"), "\(resumedLog)")
        let straight = dir.appendingPathComponent("straight")
        try self.run(["train", recipe, "--set", "output=\(straight.path)", "--set", epochs], ranks: nil,
                     log: dir.appendingPathComponent("straight.log"))
        let difference = largestDifference(try weights(run.appendingPathComponent("last.safetensors").path),
                                           try weights(straight.appendingPathComponent("last.safetensors").path))
        #expect(difference < 1e-4, "resumed after a kill vs uninterrupted, \(done + 1) epochs: largest difference \(difference)")
        print("MPI: job ended \(String(format: "%.2f", seconds)) s after rank 1 was killed in epoch \(done + 1); resumed on 1 process, "
              + "weights after epoch \(done + 1) within \(difference) of an uninterrupted run")
    }

    /// The pid of `rank` among the processes mpirun (`parent`) started, from their environment.
    func rankProcess(_ rank: Int, of parent: Int32) -> Int32? {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(parent)/task")) ?? []
        let children = tasks.flatMap { task in
            ((try? String(contentsOfFile: "/proc/\(parent)/task/\(task)/children", encoding: .utf8)) ?? "")
                .split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        return children.first { pid in
            guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return environ.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)" }
        }
    }

    /// `mpirun -np 2 asr transcribe`: each rank transcribes every other file and rank 0 writes
    /// all lines in input order: the same bytes as one process, bad files included; --resume
    /// under MPI completes a cut output the same way.
    @Test func transcriptionOnTwoRanksWritesWhatOneProcessWrites() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let recordings = try #require(Fixtures.fsdd, "FSDD recordings not found beside the checkout (../shared/data/fsdd)")
        let log = dir.appendingPathComponent("log.txt")
        // A small model trained for one epoch (its words need not be right: the plumbing is tested).
        let recipePath = try recipe(in: dir, recordings: recordings, epochs: 1, batchSize: 10)
        try run(["train", recipePath, "--set", "output=\(dir.path)/run"], ranks: nil, log: log)
        let model = "\(dir.path)/run/best.safetensors"
        let bad = dir.appendingPathComponent("bad.wav").path
        try "not audio".write(toFile: bad, atomically: true, encoding: .utf8)
        let files = (0..<9).map { "\(recordings)/\($0)_theo_\($0 % 5).wav" } + [bad]
        let manifest = dir.appendingPathComponent("list.txt").path
        try files.joined(separator: "\n").write(toFile: manifest, atomically: true, encoding: .utf8)

        func transcribe(_ out: String, ranks: Int?, extra: [String] = []) throws -> Int32 {
            let process = try start(["transcribe", "--model", model, "--manifest", manifest, "--output", out, "--batch-size", "2"] + extra,
                                    ranks: ranks, log: log)
            return try wait(process, timeout: 120, log: log)
        }
        let one = dir.appendingPathComponent("one.jsonl").path, two = dir.appendingPathComponent("two.jsonl").path
        #expect(try transcribe(one, ranks: nil) == 3, "\(contents(log))")
        #expect(try transcribe(two, ranks: 2) != 0, "\(contents(log))")
        let expected = try String(contentsOfFile: one, encoding: .utf8)
        #expect(try String(contentsOfFile: two, encoding: .utf8) == expected)
        #expect(expected.split(separator: "\n").count == 10 && expected.contains("bad.wav"))

        // Cut after four lines, half of a fifth written: two ranks resume it to the same file.
        let kept = expected.split(separator: "\n").prefix(4).joined(separator: "\n") + "\n{\"conf"
        try kept.write(toFile: two, atomically: true, encoding: .utf8)
        #expect(try transcribe(two, ranks: 2, extra: ["--resume"]) != 0, "\(contents(log))")
        #expect(try String(contentsOfFile: two, encoding: .utf8) == expected, "\(contents(log))")
    }
}
