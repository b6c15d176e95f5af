import ASR
import ArgumentParser
import Foundation

struct TranscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe",
        abstract: "Transcribe audio files, folders or a manifest with a trained model.",
        discussion: """
            Without --model, uses the newest runs/*/best.safetensors below the current folder and says \
            which. Decoding is the one the model was trained with (the recipe's `decoding`), adjusted \
            by --greedy, --beam, --lexicon, --lm and the other decoding flags.

            Batches: name folders (every audio file below them) or --manifest list.tsv (a path per \
            line: TSV, JSON lines with audio_filepath, or bare paths). Files are transcribed by \
            --jobs workers and the results come out in input order, each as soon as it and the files \
            before it are done; a progress line with files/s and the real-time factor goes to stderr. \
            A file that fails gets a line {"file", "error"} (jsonl; text: a message on stderr) and the \
            others go on; the exit status is then 3 (0: all transcribed; other: the batch did not finish). With --output FILE --resume, files that already \
            have a line in FILE are skipped, so a killed batch restarts where it stopped. --shard I/N \
            keeps every N-th file starting at the I-th (0-based), to split a corpus across machines.

            Long recordings are read in chunks and run through the model in windows of \
            --chunk-seconds (with 2 s of context on each side), so memory stays bounded.

            Live audio: --stream - reads raw PCM from standard input (--rate, --encoding, \
            --channels) and prints JSON lines as it arrives: {"type": "partial", ...} while a \
            phrase is spoken, {"type": "final", ..., "words": [...]} after each pause and at the end. \
            For example: arecord -f S16_LE -r 16000 -c 1 | asr transcribe --stream - --rate 16000
            """)

    @Argument(help: "Audio files, or folders of them.")
    var inputs: [String] = []

    @Option(help: "A list of audio files to transcribe (TSV path<TAB>..., JSON lines, or one path per line).")
    var manifest: String?

    @Option(help: "A checkpoint (.safetensors) written by asr train.")
    var model: String?

    @OptionGroup var decodingOptions: DecodingOptions

    @Option(help: "\(TranscriptFormats.all.map(\.name).joined(separator: ", ")). Default: jsonl for a folder or manifest, text otherwise.")
    var format: String?

    @Option(help: "Write the results to this file instead of stdout (lines are appended as they come).")
    var output: String?

    @Option(name: .customLong("output-dir"), help: "srt/vtt: write one subtitle file per audio file into this folder.")
    var outputDir: String?

    @Flag(help: "Keep the existing --output (or --output-dir files) and skip the files already in it.")
    var resume = false

    @Option(help: "Worker threads (default: the number of cores; under mpirun, the cores divided by the processes).")
    var jobs: Int?

    @Option(help: "Transcribe only shard I of N (0-based): the files at positions I, I+N, I+2N, ...")
    var shard: String?

    @Option(name: .customLong("batch-size"), help: "Files per forward pass of a worker.")
    var batchSize: Int = 32

    @OptionGroup var windows: WindowOptions

    @Flag(help: "No progress line.")
    var quiet = false

    @Option(help: "Live audio: read raw PCM from standard input ('-') and print partial and final results as JSON lines.")
    var stream: String?

    @Option(help: "--stream: the sample rate of the PCM, in Hz.")
    var rate: Int = 16_000

    @Option(help: "--stream: s16le (16-bit signed little-endian) or f32le (32-bit float).")
    var encoding: String = "s16le"

    @Option(help: "--stream: interleaved channels (mixed down to mono).")
    var channels: Int = 1

    @Option(name: .customLong("end-silence"), help: "--stream: seconds of silence after speech that end a phrase (its final result).")
    var endSilence: Double = 0.5

    /// The exit status of a batch that ran to its end but in which some files failed (their
    /// lines say why); 0 means every file was transcribed, anything else that the batch could
    /// not run or was cut short.
    static let someFilesFailed: Int32 = 3

    func run() throws {
        if let stream { return try runStream(stream) }
        // Under mpirun, rank r transcribes files r, r+N, ... and rank 0 writes every line.
        let communicator = try Distributed.start()
        defer { communicator.finish() }
        let ranks = communicator.size, rank = communicator.rank, isRoot = communicator.isRoot

        var files = try TranscriptionInputs.expand(inputs)
        if let manifest { files += try ManifestReader.audioPaths(of: manifest) { printError("note: \($0)\n") } }
        guard !files.isEmpty else { throw ValidationError("no audio to transcribe: name files or folders, or pass --manifest") }
        if let shard { files = try Shard(shard).select(files) }
        let isBatch = manifest != nil || files.count > inputs.count
        let name = self.format ?? (isBatch ? "jsonl" : "text")
        guard let format = TranscriptFormats.named(name) else {
            throw ValidationError("--format: '\(name)' is not one of \(TranscriptFormats.all.map(\.name).joined(separator: ", "))")
        }
        try checkOutputOptions(format: format, files: files.count)

        let recognizer = try makeRecognizer(announce: isRoot)

        let sink = try ResultSink(format: format, output: output, outputDir: outputDir, resume: resume,
                                  several: files.count > 1, writesLines: isRoot)
        if let outputDir {
            let names = Dictionary(grouping: files) { sink.subtitlePath($0, in: outputDir) }
            if let clash = names.first(where: { $0.value.count > 1 }) {
                throw ValidationError("\(clash.value[0]) and \(clash.value[1]) would both be written to \(clash.key); transcribe them separately")
            }
        }
        // What is left to do, as rank 0 (which holds the output) sees it.
        var done = files.map(sink.isDone)
        if ranks > 1 {
            var bytes = done.map { $0 ? UInt8(1) : 0 }
            communicator.broadcast(&bytes, root: 0)
            done = bytes.map { $0 == 1 }
        }
        let todo = zip(files, done).filter { !$0.1 }.map(\.0)
        if todo.count < files.count && isRoot { printError("resuming: \(files.count - todo.count) of \(files.count) files are done already\n") }
        guard !todo.isEmpty else { return }

        let mine = ranks == 1 ? todo.count : (todo.count - rank + ranks - 1) / ranks
        let batch = try BatchTranscriber(recognizer: recognizer,
                                         jobs: jobs ?? max(1, ProcessInfo.processInfo.activeProcessorCount / ranks),
                                         batchSize: batchSize, files: max(1, mine))
        let progress = ProgressLine(enabled: !quiet && todo.count > 1 && isRoot)
        let started = Date()
        func showProgress(_ t: BatchTranscriber.Totals) {
            let elapsed = Date().timeIntervalSince(started)
            progress.show(done: t.files, total: todo.count,
                          info: "\(t.files)/\(todo.count) files, \(Int(Double(t.files) / elapsed)) files/s, "
                              + speed(audio: t.audioSeconds, wall: elapsed) + (t.failed > 0 ? ", \(t.failed) failed" : ""))
        }
        // Under mpirun the library shares the files out and rank 0 writes every line in order.
        let totals = try batch.run(todo, communicator: communicator, render: { file, result in
            switch result {
            case .success(let r):
                return try sink.render(file: file, r)
            case .failure(let error):
                progress.finish()
                printError("error: \(error)\n")
                return sink.renderError(file: file, message: "\(error)")
            }
        }, write: { try sink.write($0) }, progress: showProgress)
        progress.finish()
        let elapsed = Date().timeIntervalSince(started), s = totals.threadSeconds
        let allAudio = totals.audioSeconds, allFailed = totals.failed
        if !quiet && todo.count > 1 && isRoot {
            printError("transcribed \(todo.count - allFailed) of \(todo.count) files (\(String(format: "%.1f", allAudio)) s of audio) in "
                       + "\(String(format: "%.2f", elapsed)) s: \(speed(audio: allAudio, wall: elapsed))"
                       + (ranks > 1 ? " on \(ranks) processes" : "") + "; thread time: features "
                       + String(format: "%.2f s, model %.2f s, decoding %.2f s", s.features, s.model, s.decoding) + "\n")
        }
        if allFailed > 0 {
            if isRoot { printError("\(allFailed) of \(todo.count) files failed\n") }
            throw ExitCode(TranscribeCommand.someFilesFailed)
        }
    }

    private func checkOutputOptions(format: any TranscriptFormat, files: Int) throws {
        if resume && output == nil && outputDir == nil {
            throw ValidationError("--resume needs --output FILE (or --output-dir for srt/vtt): the results of the earlier run are read from there")
        }
        let oneLine = TranscriptFormats.all.filter(\.isOneLine).map(\.name).joined(separator: " or ")
        let documents = TranscriptFormats.all.filter(\.isDocument).map(\.name).joined(separator: " or ")
        if !format.isOneLine && !format.isDocument && resume {
            throw ValidationError("--resume works with --format \(oneLine) (\(format.name) spreads a file over several lines)")
        }
        if format.isDocument && files > 1 && outputDir == nil {
            throw ValidationError("--format \(format.name) with \(files) files needs --output-dir DIR (one subtitle file per audio file)")
        }
        if outputDir != nil && !format.isDocument { throw ValidationError("--output-dir is for --format \(documents); use --output FILE") }
    }

    /// The most recently written runs/*/best.safetensors.
    /// The model of --model (or the newest run's), with the decoding and windows the options say.
    private func makeRecognizer(announce: Bool) throws -> Recognizer {
        let path = try model ?? TranscribeCommand.newestModel()
        if model == nil && announce { printError("asr: using model \(path)\n") }
        let checkpoint = try Checkpoint.load(from: path)
        let decoding = try decodingOptions.apply(to: try Recognizer.storedDecoding(of: checkpoint, path: path))
        return try Recognizer(checkpoint: checkpoint, decoding: decoding, options: windows.recognizerOptions)
    }

    /// `--stream -`: live PCM from standard input.
    private func runStream(_ source: String) throws {
        guard inputs.isEmpty && manifest == nil else {
            throw ValidationError("--stream reads standard input; it takes no files or --manifest")
        }
        guard let pcm = PCMDecoder.Encoding(rawValue: encoding) else {
            throw ValidationError("--encoding: '\(encoding)' is not one of \(PCMDecoder.Encoding.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (1...64).contains(channels) else { throw ValidationError("--channels: \(channels): expected 1 to 64") }
        let recognizer = try makeRecognizer(announce: true)
        var streamOptions = StreamOptions()
        streamOptions.endSilenceSeconds = endSilence
        BLASThreads.set(1)
        try StreamInput.run(recognizer: recognizer, source: source, rate: rate, encoding: pcm, channels: channels, options: streamOptions)
    }

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
