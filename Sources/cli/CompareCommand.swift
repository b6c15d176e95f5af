import ASR
import ArgumentParser
import Foundation

/// GRU or LSTM (or any cells) on the user's own data: trains the recipe once per cell, same data
/// and seed, each in its own process (so its peak memory is its own), and writes one table and
/// one plot side by side.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Train a recipe with each cell and compare parameters, speed, memory and error rates.",
        discussion: "Runs go to <output>-<cell>; the comparison to <output>-compare/comparison.md and comparison.svg.")

    @Argument(help: "The recipe (JSON).")
    var recipe: String

    @Option(help: "Cells to compare, comma-separated.")
    var cells: String = "gru,lstm"

    @Option(name: .customLong("target-wer"), help: "Validation WER (greedy, in %) whose first epoch is reported.")
    var targetWER: Double = 2

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a recipe field for every run (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []

    @Flag(help: "Use finished runs (<output>-<cell>/results.json) instead of training again.")
    var reuse = false

    func run() throws {
        let base = try Recipe.load(recipe, overrides: overrides)
        let list = cells.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for cell in list where CellType(rawValue: cell) == nil {
            throw ValidationError("--cells: '\(cell)' is not a cell (expected gru or lstm)")
        }
        var rows: [(cell: String, results: [String: Any])] = []
        for cell in list {
            let output = "\(base.outputFolder)-\(cell)"
            let resultsPath = "\(output)/results.json"
            if reuse, let data = FileManager.default.contents(atPath: resultsPath) {
                print("== using the finished run \(output)")
                rows.append((cell, try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]))
                continue
            }
            print("== training \(cell) into \(output)")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            process.arguments = ["train", recipe, "--set", "model.cell=\(cell)", "--set", "output=\(output)"]
                + overrides.flatMap { ["--set", $0] }
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw ValidationError("training \(cell) failed; see the messages above") }
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(output)/results.json"))
            rows.append((cell, try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]))
        }
        let folder = "\(base.outputFolder)-compare"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let table = markdown(rows)
        try writeFileAtomically(Data(table.utf8), to: "\(folder)/comparison.md")
        try writeFileAtomically(Data(svg(rows).utf8), to: "\(folder)/comparison.svg")
        print(table)
        print("written: \(folder)/comparison.md, \(folder)/comparison.svg")
    }

    func epochToTarget(_ r: [String: Any]) -> String {
        let wers = r["validation_wer"] as? [Double] ?? []
        guard let i = wers.firstIndex(where: { $0 >= 0 && $0 * 100 <= targetWER }) else { return "not reached" }
        return String(i + 1)
    }

    func markdown(_ rows: [(cell: String, results: [String: Any])]) -> String {
        var s = "| | " + rows.map { $0.cell.uppercased() }.joined(separator: " | ") + " |\n|---|" + rows.map { _ in "---|" }.joined() + "\n"
        func line(_ name: String, _ f: ([String: Any]) -> String) { s += "| \(name) | " + rows.map { f($0.results) }.joined(separator: " | ") + " |\n" }
        line("parameters") { "\($0["parameters"] ?? "-")" }
        line("seconds per epoch (median)") { String(format: "%.1f", $0["median_epoch_seconds"] as? Double ?? 0) }
        line("peak memory") { String(format: "%.0f MB", $0["peak_rss_mb"] as? Double ?? 0) }
        line("epochs run (best)") { "\($0["epochs"] ?? "-") (\($0["best_epoch"] ?? "-"))" }
        line("first epoch with validation WER <= \(targetWER)%") { epochToTarget($0) }
        let keys = (rows.first?.results["results"] as? [[String: Any]] ?? []).map { "\($0["set"] ?? "") (\($0["decoding"] ?? ""))" }
        for (k, key) in keys.enumerated() {
            line("\(key): WER / CER") { r in
                guard let list = r["results"] as? [[String: Any]], k < list.count else { return "-" }
                return String(format: "%.2f%% / %.2f%%", (list[k]["wer"] as? Double ?? 0) * 100, (list[k]["cer"] as? Double ?? 0) * 100)
            }
        }
        return s
    }

    /// Validation WER per epoch, one line per cell.
    func svg(_ rows: [(cell: String, results: [String: Any])]) -> String {
        let w = 480.0, h = 260.0, pad = 44.0
        let series = rows.map { ($0.cell, ($0.results["validation_wer"] as? [Double] ?? []).map { $0 * 100 }) }
        let maxY = max(series.flatMap(\.1).max() ?? 1, 1), n = max(series.map(\.1.count).max() ?? 2, 2)
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" font-family=\"sans-serif\"><rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        s += "<text x=\"\(w / 2)\" y=\"16\" text-anchor=\"middle\" font-size=\"13\">validation WER (greedy, %) per epoch</text>"
        s += "<line x1=\"\(pad)\" y1=\"\(h - pad)\" x2=\"\(w - 10)\" y2=\"\(h - pad)\" stroke=\"black\"/><line x1=\"\(pad)\" y1=\"24\" x2=\"\(pad)\" y2=\"\(h - pad)\" stroke=\"black\"/>"
        s += "<text x=\"\(pad - 4)\" y=\"30\" text-anchor=\"end\" font-size=\"10\">\(String(format: "%.0f", maxY))</text><text x=\"\(pad - 4)\" y=\"\(h - pad)\" text-anchor=\"end\" font-size=\"10\">0</text>"
        s += "<text x=\"\(w / 2)\" y=\"\(h - 12)\" text-anchor=\"middle\" font-size=\"11\">epoch (1-\(n))</text>"
        for (k, (name, ys)) in series.enumerated() {
            let points = ys.enumerated().filter { $0.element >= 0 }.map { i, y in
                String(format: "%.1f,%.1f", pad + (w - 10 - pad) * Double(i) / Double(n - 1), (h - pad) - (h - pad - 24) * min(y / maxY, 1))
            }
            let color = colors[k % colors.count]
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>"
            s += "<text x=\"\(w - 14)\" y=\"\(40 + 14 * Double(k))\" text-anchor=\"end\" font-size=\"11\" fill=\"\(color)\">\(name.uppercased())</text>"
        }
        return s + "</svg>\n"
    }
}
