import ASR
import ArgumentParser
import Foundation

struct TranscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe",
        abstract: "Transcribe audio files with a trained model.",
        discussion: """
            Without --model, uses the newest runs/*/best.safetensors below the current folder and says
            which. Decoding is the one the model was trained with (the recipe's `decoding`), adjusted
            by --greedy, --beam, --lexicon or --no-lexicon. A file that fails is reported and the
            others go on; the exit status is 1 if any failed.
            """)

    @Argument(help: "Audio files.")
    var files: [String]

    @Option(help: "A checkpoint (.safetensors) written by asr train.")
    var model: String?

    @OptionGroup var decodingOptions: DecodingOptions

    @Option(help: "text (one line per file), json (one object per file, with word times), or jsonl.")
    var format: Format = .text

    enum Format: String, ExpressibleByArgument { case text, json, jsonl }

    func run() throws {
        let path = try model ?? TranscribeCommand.newestModel()
        if model == nil { printError("asr: using model \(path)\n") }
        let checkpoint = try Checkpoint.load(from: path)
        let decoding = try decodingOptions.apply(to: try Transcriber.storedDecoding(of: checkpoint, path: path))
        let transcriber = try Transcriber(checkpoint: checkpoint, decoding: decoding)
        var failed = 0
        for file in files {
            do {
                let r = try transcriber.transcribe(file: file)
                switch format {
                case .text: print(files.count > 1 ? "\(file)\t\(r.text)" : r.text)
                case .json, .jsonl: print(try jsonLine(file: file, r, pretty: format == .json))
                }
            } catch {
                failed += 1
                printError("error: \(error)\n")
                if format == .jsonl { print(#"{"file":\#(quote(file)),"error":\#(quote("\(error)"))}"#) }
            }
        }
        if failed > 0 {
            printError("\(failed) of \(files.count) files failed\n")
            throw ExitCode(1)
        }
    }

    func jsonLine(file: String, _ r: Transcriber.Result, pretty: Bool) throws -> String {
        let words: [[String: Any]] = r.words.map {
            ["word": $0.word, "start": round3($0.start), "end": round3($0.end), "confidence": round3($0.confidence)]
        }
        let object: [String: Any] = ["file": file, "text": r.text, "confidence": round3(r.confidence),
                                     "duration": round3(r.duration), "words": words]
        let data = try JSONSerialization.data(withJSONObject: object, options: pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
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

private func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

private func quote(_ s: String) -> String {
    let data = try? JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed])
    return data.map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
}
