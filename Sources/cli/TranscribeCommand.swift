import ASR
import ArgumentParser
import Foundation

struct TranscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe",
        abstract: "Transcribe audio files, folders or a manifest with a trained model.",
        discussion: """
            Without --model, uses the newest runs/*/best.safetensors below the current folder and says
            which. Decoding is the one the model was trained with (the recipe's `decoding`), adjusted
            by --greedy, --beam, --lexicon, --lm and the other decoding flags.

            Batches: name folders (every audio file below them) or --manifest list.tsv (a path per
            line: TSV, JSON lines with audio_filepath, or bare paths). Files are transcribed by
            --jobs workers and the results come out in input order, each as soon as it and the files
            before it are done; a progress line with files/s and the real-time factor goes to stderr.
            A file that fails gets a line {"file", "error"} (jsonl; text: a message on stderr) and the
            others go on; the exit status is then 3 (0: all transcribed; other: the batch did not finish). With --output FILE --resume, files that already
            have a line in FILE are skipped, so a killed batch restarts where it stopped. --shard I/N
            keeps every N-th file starting at the I-th (0-based), to split a corpus across machines.

            Long recordings are read in chunks and run through the model in windows of
            --chunk-seconds (with 2 s of context on each side), so memory stays bounded.
            """)

    @Argument(help: "Audio files, or folders of them.")
    var inputs: [String] = []

    @Option(help: "A list of audio files to transcribe (TSV path<TAB>..., JSON lines, or one path per line).")
    var manifest: String?

    @Option(help: "A checkpoint (.safetensors) written by asr train.")
    var model: String?

    @OptionGroup var decodingOptions: DecodingOptions

    @Option(help: "text, json, jsonl, srt or vtt. Default: jsonl for a folder or manifest, text otherwise.")
    var format: Format?

    @Option(help: "Write the results to this file instead of stdout (lines are appended as they come).")
    var output: String?

    @Option(name: .customLong("output-dir"), help: "srt/vtt: write one subtitle file per audio file into this folder.")
    var outputDir: String?

    @Flag(help: "Keep the existing --output (or --output-dir files) and skip the files already in it.")
    var resume = false

    @Option(help: "Worker threads (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Transcribe only shard I of N (0-based): the files at positions I, I+N, I+2N, ...")
    var shard: String?

    @Option(name: .customLong("batch-size"), help: "Files per forward pass of a worker.")
    var batchSize: Int = 32

    @Option(name: .customLong("chunk-seconds"), help: "Longer files go through the model in windows of this many seconds.")
    var chunkSeconds: Double = 30

    @Flag(help: "Transcribe only where someone speaks (energy-based voice activity detection): trims leading and trailing silence and splits recordings at pauses.")
    var vad = false

    @Flag(help: "No progress line.")
    var quiet = false

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, jsonl, srt, vtt }

    /// The exit status of a batch that ran to its end but in which some files failed (their
    /// lines say why); 0 means every file was transcribed, anything else that the batch could
    /// not run or was cut short.
    static let someFilesFailed: Int32 = 3

    func run() throws {
        var files = try TranscriptionInputs.expand(inputs)
        if let manifest { files += try TranscriptionInputs.readManifest(manifest) }
        guard !files.isEmpty else { throw ValidationError("no audio to transcribe: name files or folders, or pass --manifest") }
        if let shard { files = try Shard(shard).select(files) }
        let isBatch = manifest != nil || files.count > inputs.count
        let format = TranscriptFormat(rawValue: (self.format ?? (isBatch ? .jsonl : .text)).rawValue)!
        try checkOutputOptions(format: format, files: files.count)

        let path = try model ?? TranscribeCommand.newestModel()
        if model == nil { printError("asr: using model \(path)\n") }
        let checkpoint = try Checkpoint.load(from: path)
        let decoding = try decodingOptions.apply(to: try Transcriber.storedDecoding(of: checkpoint, path: path))
        var options = TranscriberOptions()
        options.chunkSeconds = chunkSeconds
        if vad { options.vad = VADOptions() }

        let sink = try ResultSink(format: format, output: output, outputDir: outputDir, resume: resume, several: files.count > 1)
        if let outputDir {
            let names = Dictionary(grouping: files) { sink.subtitlePath($0, in: outputDir) }
            if let clash = names.first(where: { $0.value.count > 1 }) {
                throw ValidationError("\(clash.value[0]) and \(clash.value[1]) would both be written to \(clash.key); transcribe them separately")
            }
        }
        let todo = files.filter { !sink.isDone($0) }
        if todo.count < files.count { printError("resuming: \(files.count - todo.count) of \(files.count) files are done already\n") }
        guard !todo.isEmpty else { return }

        let batch = try BatchTranscriber(checkpoint: checkpoint, path: path, decoding: decoding, options: options,
                                         jobs: jobs, batchSize: batchSize, files: todo.count)
        let progress = ProgressLine(enabled: !quiet && todo.count > 1)
        let started = Date()
        var audioSeconds = 0.0, failed = 0
        var writeError: Error?
        batch.run(todo) { index, result in
            do {
                switch result {
                case .success(let r):
                    audioSeconds += r.duration
                    try sink.write(file: todo[index], r)
                case .failure(let error):
                    failed += 1
                    progress.finish()
                    printError("error: \(error)\n")
                    try sink.write(file: todo[index], error: "\(error)")
                }
            } catch {
                writeError = writeError ?? error
            }
            let elapsed = Date().timeIntervalSince(started)
            progress.show(done: index + 1, total: todo.count,
                          info: "\(index + 1)/\(todo.count) files, \(Int(Double(index + 1) / elapsed)) files/s, "
                              + speed(audio: audioSeconds, wall: elapsed) + (failed > 0 ? ", \(failed) failed" : ""))
        }
        if let writeError { throw writeError }
        progress.finish()
        let elapsed = Date().timeIntervalSince(started), s = batch.seconds
        if !quiet && todo.count > 1 {
            printError("transcribed \(todo.count - failed) of \(todo.count) files (\(String(format: "%.1f", audioSeconds)) s of audio) in "
                       + "\(String(format: "%.2f", elapsed)) s: \(speed(audio: audioSeconds, wall: elapsed)); thread time: features "
                       + String(format: "%.2f s, model %.2f s, decoding %.2f s", s.features, s.model, s.decoding) + "\n")
        }
        if failed > 0 {
            printError("\(failed) of \(todo.count) files failed\n")
            throw ExitCode(TranscribeCommand.someFilesFailed)
        }
    }

    private func checkOutputOptions(format: TranscriptFormat, files: Int) throws {
        if resume && output == nil && outputDir == nil {
            throw ValidationError("--resume needs --output FILE (or --output-dir for srt/vtt): the results of the earlier run are read from there")
        }
        if format == .json && resume { throw ValidationError("--resume works with --format jsonl or text (json spreads a file over several lines)") }
        if format.isSubtitles && files > 1 && outputDir == nil {
            throw ValidationError("--format \(format.rawValue) with \(files) files needs --output-dir DIR (one subtitle file per audio file)")
        }
        if outputDir != nil && !format.isSubtitles { throw ValidationError("--output-dir is for --format srt or vtt; use --output FILE") }
    }

    /// The most recently written runs/*/best.safetensors.
    static func newestModel() throws -> String {
        let runs = "runs"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []
        let candidates = names.map { "\(runs)/\($0)/best.safetensors" }.filter { FileManager.default.fileExists(atPath: $0) }
        func modified(_ p: String) -> Date {
            ((try? FileManager.default.attributesOfItem(atPath: p))?[.modificationDate] as? Date) ?? .distantPast
        }
        guard let newest = candidates.max(by: { modified($0) < modified($1) }) else {
            throw ValidationError("no model given and none found in runs/*/best.safetensors; train one (asr train recipes/digits.json) or pass --model")
        }
        return newest
    }
}

/// "512x real time (RTF 0.0020)".
private func speed(audio: Double, wall: Double) -> String {
    guard audio > 0, wall > 0 else { return "-" }
    return String(format: "%.0fx real time (RTF %.4f)", audio / wall, wall / audio)
}
