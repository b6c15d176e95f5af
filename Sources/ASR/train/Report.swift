import Foundation

/// The end-of-training report: report.md (configuration, size, time, memory, results) and
/// curves.svg (training and validation loss, validation WER per epoch).
struct TrainingReport {
    var recipe: Recipe
    var parameters: Int
    var history: [EpochRecord]
    var bestEpoch: Int?
    /// Which model the results are of: "best checkpoint" or "average of epochs A-B".
    var scoredModel: String
    var results: [(set: String, decoding: String, result: EvaluationResult)]
    var skipped: [String: Int]
    var peakMemoryMB: Double
    var totalSeconds: Double

    func markdown() -> String {
        var s = "# Training report: \(recipe.name)\n\n"
        s += "- model: \(recipe.model.layers) × \(recipe.model.bidirectional ? "bidirectional " : "")\(recipe.model.cell.rawValue.uppercased()), "
        s += "\(recipe.model.hiddenSize) per direction, \(parameters) parameters\n"
        s += "- features: \(recipe.features.type.rawValue), \(recipe.features.dimension) dims at \(recipe.features.sampleRate) Hz\n"
        s += "- epochs run: \(history.count) (best validation WER at epoch \(bestEpoch.map(String.init) ?? "-"))\n"
        let perEpoch = history.map(\.seconds).sorted()
        if !perEpoch.isEmpty {
            s += "- time per epoch: median \(String(format: "%.1f", perEpoch[perEpoch.count / 2])) s; total \(String(format: "%.0f", totalSeconds)) s\n"
            s += "- data wait: median \(pct(history.map(\.dataWaitShare).sorted()[history.count / 2])) of an epoch\n"
        }
        s += "- peak resident memory: \(String(format: "%.0f", peakMemoryMB)) MB\n"
        if !skipped.isEmpty {
            s += "- skipped utterances: " + skipped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        }
        s += "\n## Results (\(scoredModel))\n\n| set | decoding | utterances | WER | CER | sub | del | ins |\n|---|---|---|---|---|---|---|---|\n"
        for r in results {
            s += "| \(r.set) | \(r.decoding) | \(r.result.utterances) | \(pct(r.result.wer)) | \(pct(r.result.cer)) | "
                + "\(r.result.substitutions) | \(r.result.deletions) | \(r.result.insertions) |\n"
        }
        s += "\n## Epochs\n\n| epoch | train loss | validation loss | validation WER | validation CER | lr | seconds | utt/s |\n"
        s += "|---|---|---|---|---|---|---|---|\n"
        for r in history {
            s += "| \(r.epoch) | \(String(format: "%.4f", r.trainLoss)) | \(r.validationLoss.map { String(format: "%.4f", $0) } ?? "-") | "
                + "\(pct(r.validationWER)) | \(pct(r.validationCER)) | \(String(format: "%.2g", r.learningRate)) | "
                + "\(String(format: "%.1f", r.seconds)) | \(Int(r.utterancesPerSecond)) |\n"
        }
        s += "\n![curves](curves.svg)\n\n## Recipe\n\n```json\n"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        s += (try? String(decoding: encoder.encode(recipe), as: UTF8.self)) ?? ""
        return s + "\n```\n"
    }

    /// The figures as JSON (results.json), for `asr compare` and scripts.
    func resultsJSON() throws -> Data {
        let seconds = history.map(\.seconds).sorted()
        let object: [String: Any] = [
            "name": recipe.name, "cell": recipe.model.cell.rawValue, "parameters": parameters,
            "epochs": history.count, "best_epoch": bestEpoch ?? 0, "scored_model": scoredModel,
            "median_epoch_seconds": seconds.isEmpty ? 0 : seconds[seconds.count / 2],
            "total_seconds": totalSeconds, "peak_rss_mb": peakMemoryMB,
            "validation_wer": history.map { $0.validationWER ?? -1 },
            "results": results.map { r -> [String: Any] in
                ["set": r.set, "decoding": r.decoding, "utterances": r.result.utterances, "wer": r.result.wer, "cer": r.result.cer,
                 "substitutions": r.result.substitutions, "deletions": r.result.deletions, "insertions": r.result.insertions]
            },
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    /// Two panels side by side: losses (left) and validation WER (right), per epoch.
    func svg() -> String {
        let w = 360.0, h = 220.0, pad = 40.0
        func panel(_ x0: Double, title: String, series: [(String, String, [Double?])]) -> String {
            let values = series.flatMap { $0.2.compactMap { $0 } }.filter(\.isFinite)
            let maxY = max(values.max() ?? 1, 1e-9), n = max(history.count, 2)
            var out = "<g transform=\"translate(\(x0),0)\"><text x=\"\(w / 2)\" y=\"16\" text-anchor=\"middle\" font-size=\"13\">\(title)</text>"
            out += "<line x1=\"\(pad)\" y1=\"\(h - pad)\" x2=\"\(w - 10)\" y2=\"\(h - pad)\" stroke=\"black\"/>"
            out += "<line x1=\"\(pad)\" y1=\"24\" x2=\"\(pad)\" y2=\"\(h - pad)\" stroke=\"black\"/>"
            out += "<text x=\"\(pad - 4)\" y=\"30\" text-anchor=\"end\" font-size=\"10\">\(String(format: "%.3g", maxY))</text>"
            out += "<text x=\"\(pad - 4)\" y=\"\(h - pad)\" text-anchor=\"end\" font-size=\"10\">0</text>"
            out += "<text x=\"\(w / 2)\" y=\"\(h - 10)\" text-anchor=\"middle\" font-size=\"11\">epoch (1-\(history.count))</text>"
            for (k, (name, color, ys)) in series.enumerated() {
                let points = ys.enumerated().compactMap { i, y -> String? in
                    guard let y, y.isFinite else { return nil }
                    let px = pad + (w - 10 - pad) * Double(i) / Double(n - 1)
                    let py = (h - pad) - (h - pad - 24) * min(y / maxY, 1)
                    return String(format: "%.1f,%.1f", px, py)
                }
                out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>"
                out += "<text x=\"\(w - 14)\" y=\"\(40 + 14 * Double(k))\" text-anchor=\"end\" font-size=\"11\" fill=\"\(color)\">\(name)</text>"
            }
            return out + "</g>"
        }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(2 * w)\" height=\"\(h)\" font-family=\"sans-serif\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        s += panel(0, title: "CTC loss", series: [("train", "#1f77b4", history.map(\.trainLoss)),
                                                   ("validation", "#ff7f0e", history.map(\.validationLoss))])
        s += panel(w, title: "validation WER (greedy)", series: [("WER", "#d62728", history.map(\.validationWER)),
                                                                  ("CER", "#2ca02c", history.map(\.validationCER))])
        return s + "</svg>\n"
    }
}

/// Peak resident memory of this process in MB.
func peakResidentMemoryMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
