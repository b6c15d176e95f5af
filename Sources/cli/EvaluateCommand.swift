import ASR
import ArgumentParser
import Foundation

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Word and character error rates of a model on a manifest.",
        discussion: """
            The manifest is any data set asr train reads (TSV path<TAB>transcript, JSON lines, a Kaldi \
            folder, an FSDD folder). Prints WER and CER with substitutions, deletions and insertions, \
            and the worst utterances; --alignments FILE writes every utterance's alignment in NIST \
            sclite's layout; --json FILE writes the report as JSON. --robustness (or --condition) also \
            scores the set perturbed, the same way on every run (each utterance's noise is seeded by \
            its id). Each recording is recognized exactly as asr transcribe recognizes it, with the \
            same --chunk-seconds windows and --vad, so the WER printed here is the WER of what asr \
            transcribe outputs.
            """)

    @Option(help: "A checkpoint written by asr train (default: the newest runs/*/best.safetensors).")
    var model: String?

    @Option(help: "The test set: a manifest file or folder.")
    var manifest: String

    @Option(help: "For FSDD folders: the takes to use, e.g. 0-4.")
    var takes: String?

    @OptionGroup var decodingOptions: DecodingOptions

    @Option(help: "Write every utterance's alignment (sclite layout) here.")
    var alignments: String?

    @Option(help: "Write the report as JSON here.")
    var json: String?

    @Option(help: "How many of the worst utterances to print.")
    var worst: Int = 10

    @Option(help: "Also score the set perturbed: noise:SNR, telephone, untrimmed, speed:FACTOR (repeatable).")
    var condition: [String] = []

    @Flag(help: "Robustness report: the set clean and with noise at 20/10/5 dB, telephone band, untrimmed, speed 0.9 and 1.1.")
    var robustness = false

    @OptionGroup var windows: WindowOptions

    func run() throws {
        let path = try model ?? TranscribeCommand.newestModel()
        if model == nil { printError("asr: using model \(path)\n") }
        let checkpoint = try Checkpoint.load(from: path)
        let tokenizer = try Vocabulary(symbols: checkpoint.tokens)
        let decoding = try decodingOptions.apply(to: try Recognizer.storedDecoding(of: checkpoint, path: path))

        var config = DataSetConfig(path: manifest)
        config.takes = takes
        let (evaluationSet, reported) = try EvaluationSet.load(config, tokenizer: tokenizer)
        for p in reported { printError("\(p.severity): \(p)\n") }
        let problems = reported.filter { !$0.isNote }
        let evaluator = try Evaluator(features: checkpoint.features, decoding: decoding, tokenizer: tokenizer)
        // Each recording as `asr transcribe` recognizes it (long-file windows, --vad).
        evaluator.recognizerOptions = windows.recognizerOptions
        evaluator.parallelDirections = ProcessInfo.processInfo.activeProcessorCount >= 2
        let mode: EvaluationDecoding = decoding.method == .beam ? .recipe : .greedyOnly
        let conditions = robustness ? [.clean] + TestCondition.standard : try [.clean] + condition.map(TestCondition.init)
        let started = Date()
        let result = try evaluator.evaluate(model: checkpoint.model, set: evaluationSet, decoding: mode)
        let seconds = Date().timeIntervalSince(started)
        var perturbed: [(TestCondition, EvaluationResult)] = []
        for c in conditions.dropFirst() {
            perturbed.append((c, try evaluator.evaluate(model: checkpoint.model, set: evaluationSet, decoding: mode, condition: c)))
        }

        let w = result.score.words, c = result.score.characters
        print("\(result.utterances) utterances, decoding: \(evaluator.describe(mode)), \(String(format: "%.1f", seconds)) s")
        print(String(format: "WER %.2f%% (%d errors / %d words: %d substitutions, %d deletions, %d insertions)",
                     w.errorRate * 100, w.errors, w.referenceLength, w.substitutions, w.deletions, w.insertions))
        print(String(format: "CER %.2f%% (%d errors / %d characters)", c.errorRate * 100, c.errors, c.referenceLength))
        if !problems.isEmpty { print("\(problems.count) utterance\(problems.count == 1 ? "" : "s") of the manifest could not be used (see the warnings)") }
        if !perturbed.isEmpty {
            print("\n| condition | WER | CER | sub | del | ins |\n|---|---|---|---|---|---|")
            for (c, r) in [(TestCondition.clean, result)] + perturbed {
                let w = r.score.words
                print("| \(c) | " + String(format: "%.2f%% | %.2f%% | %d | %d | %d |", w.errorRate * 100, r.score.characters.errorRate * 100,
                                                  w.substitutions, w.deletions, w.insertions))
            }
        }

        let aligned = result.hypotheses.map { ($0, Scoring.alignWords(reference: $0.reference, hypothesis: $0.hypothesis)) }
        // Per-word accuracy, for a set with a small vocabulary (commands, digits).
        let perWord = WordAccuracy.table(aligned.map(\.1))
        if (1...50).contains(perWord.count) {
            print("\n| word | said | recognized | accuracy |\n|---|---|---|---|")
            for w in perWord { print("| \(w.word) | \(w.said) | \(w.recognized) | " + String(format: "%.1f%% |", w.accuracy * 100)) }
        }
        let ranked = aligned.filter { $0.1.counts.errors > 0 }.sorted { $0.1.counts.errors > $1.1.counts.errors }
        if !ranked.isEmpty && worst > 0 {
            print("\nWorst utterances:")
            for (h, a) in ranked.prefix(worst) { print(a.sclite(id: h.id)) }
        }
        if let alignments {
            try writeFileAtomically(Data(aligned.map { $0.1.sclite(id: $0.0.id) }.joined(separator: "\n").utf8), to: alignments)
        }
        if let json {
            let object: [String: Any] = [
                "model": path, "manifest": manifest, "decoding": evaluator.describe(mode), "utterances": result.utterances,
                "wer": w.errorRate, "cer": c.errorRate, "substitutions": w.substitutions, "deletions": w.deletions,
                "insertions": w.insertions, "reference_words": w.referenceLength, "unusable": problems.count,
                "utterance_results": aligned.map { h, a in ["id": h.id, "reference": h.reference, "hypothesis": h.hypothesis, "errors": a.counts.errors] },
                "per_word": perWord.map { ["word": $0.word, "said": $0.said, "recognized": $0.recognized] },
                "conditions": perturbed.map { c, r in ["condition": "\(c)", "wer": r.score.words.errorRate, "cer": r.score.characters.errorRate] },
            ]
            try writeFileAtomically(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), to: json)
        }
    }
}

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "WER and CER of a hypothesis transcript file against a reference file.",
        discussion: "Lines are `id<TAB>text` (matched by id) or plain text (matched by line number).")

    @Argument(help: "Reference transcripts.") var reference: String
    @Argument(help: "Hypothesis transcripts.") var hypothesis: String

    func run() throws {
        func read(_ path: String) throws -> [(id: String, text: String)] {
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("\(path): cannot read the file") }
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            // Alignment is quadratic in a line's words: an absurd line is refused, not scored for hours.
            if let i = lines.firstIndex(where: { $0.utf8.count > maxTranscriptBytes }) {
                throw ValidationError("\(path):\(i + 1): a line of \(lines[i].utf8.count) bytes; at most \(maxTranscriptBytes) per utterance")
            }
            return lines.enumerated()
                .filter { !$0.element.isEmpty }.map { i, line in
                    if let tab = line.firstIndex(of: "\t") { return (String(line[..<tab]), String(line[line.index(after: tab)...])) }
                    return (String(i + 1), String(line))
                }
        }
        let refs = try read(reference), hyps = Dictionary(try read(hypothesis).map { ($0.id, $0.text) }, uniquingKeysWith: { a, _ in a })
        var score = CorpusScore()
        var missing = 0
        for r in refs {
            guard let h = hyps[r.id] else {
                missing += 1
                if missing <= 5 { printError("warning: \(hypothesis): no line for '\(r.id)' (scored as empty)\n") }
                _ = score.add(reference: r.text, hypothesis: "")
                continue
            }
            _ = score.add(reference: r.text, hypothesis: h)
        }
        let w = score.words, c = score.characters
        print(String(format: "WER %.2f%% (%d substitutions, %d deletions, %d insertions in %d words), CER %.2f%%, %d utterances",
                     w.errorRate * 100, w.substitutions, w.deletions, w.insertions, w.referenceLength, c.errorRate * 100, score.utterances))
        if missing > 0 { print("\(missing) reference lines had no hypothesis") }
    }
}
