import ASR
import ArgumentParser
import Foundation

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Compute Kaldi-compatible MFCC or log-mel features of audio files.",
        discussion: """
            Prints one summary line per file (frames, dims, min/mean/max), or with --output writes \
            one file per input (<name>.npy, numpy's format, or <name>.txt in Kaldi's text layout). \
            A file that fails is reported and the others go on; the exit status is 1 if any failed.
            """)

    @Argument(help: "Audio files (any format libsndfile reads).")
    var files: [String]

    @OptionGroup var options: FeatureOptions

    @Option(help: "Folder to write one feature file per input into.")
    var output: String?

    @Option(help: "npy or text (with --output).")
    var format: OutputFormat = .npy

    @Option(help: "Files processed at once (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print only the total, not one line per file.")
    var quiet = false

    @Flag(help: "Say more about the set-up.")
    var verbose = false

    enum OutputFormat: String, ExpressibleByArgument { case npy, text }

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs: expected at least 1, got \(jobs)") }
    }

    func run() throws {
        var (config, fixedRate) = try options.resolve()
        try config.validate()
        // Global statistics are read once, here: a missing or unreadable file is one error
        // before any audio, not one per file, and the workers' pipelines share what was read.
        if config.cmvn == .global && config.cmvnStatistics == nil { config.cmvnStatistics = try CMVNStats.load(for: config) }
        if let output { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) }
        let extractors = FeatureExtractors(config: config, fixedRate: fixedRate, workers: jobs)
        let outputFolder = output, format = format

        var totals = (files: 0, frames: 0, seconds: 0.0, failed: 0)
        let started = Date()
        parallelOrdered(count: files.count, jobs: jobs, work: { [files] i, worker -> Swift.Result<(FeatureMatrix, Double), Error> in
            Swift.Result {
                let (features, seconds) = try extractors.compute(files[i], worker: worker)
                if let outputFolder {
                    let base = ((files[i] as NSString).lastPathComponent as NSString).deletingPathExtension
                    switch format {
                    case .npy: try NPY.write(features, to: "\(outputFolder)/\(base).npy")
                    case .text: try writeFileAtomically(Data(kaldiText(features, id: base).utf8), to: "\(outputFolder)/\(base).txt")
                    }
                }
                return (features, seconds)
            }
        }, emit: { i, result in
            switch result {
            case .success(let (features, seconds)):
                totals.files += 1
                totals.frames += features.rows
                totals.seconds += seconds
                if !quiet {
                    let s = features.summary
                    print("\(files[i]): \(features.rows) frames x \(features.cols) dims, "
                          + "min \(fmt(s.min)) mean \(fmt(s.mean)) max \(fmt(s.max))")
                }
            case .failure(let error):
                totals.failed += 1
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
        })
        let wall = Date().timeIntervalSince(started)
        print("\(totals.files) files, \(totals.frames) frames of \(config.dimension) dims, "
              + "\(String(format: "%.1f", totals.seconds)) s of audio in \(String(format: "%.2f", wall)) s "
              + "(\(String(format: "%.0f", totals.seconds / max(wall, 1e-9)))x real time)"
              + (totals.failed > 0 ? "; \(totals.failed) failed" : ""))
        if totals.failed > 0 { throw ExitCode(1) }
    }
}

/// One feature pipeline per worker thread and sample rate (when each file keeps its own rate).
final class FeatureExtractors: @unchecked Sendable {
    private let config: FeatureConfig
    private let fixedRate: Bool
    private var pipelines: [[Int: FeaturePipeline]]
    private let lock = NSLock()

    init(config: FeatureConfig, fixedRate: Bool, workers: Int) {
        self.config = config
        self.fixedRate = fixedRate
        pipelines = Array(repeating: [:], count: workers)
    }

    /// Features of `path` and its duration in seconds.
    func compute(_ path: String, worker: Int) throws -> (FeatureMatrix, Double) {
        var rate = config.sampleRate
        if !fixedRate {
            rate = try AudioReader(path: path).fileSampleRate
        }
        let pipeline = try pipelineFor(worker: worker, rate: rate)
        let features = try pipeline.features(ofFile: path)
        return (features, pipeline.lastDuration)
    }

    private func pipelineFor(worker: Int, rate: Int) throws -> FeaturePipeline {
        lock.lock()
        let existing = pipelines[worker][rate]
        lock.unlock()
        if let existing { return existing }
        var c = config
        c.sampleRate = rate
        let pipeline = try FeaturePipeline(config: c)
        lock.lock()
        pipelines[worker][rate] = pipeline
        lock.unlock()
        return pipeline
    }
}

/// Kaldi's text archive layout: `id  [` then one frame per line, `]` after the last.
func kaldiText(_ m: FeatureMatrix, id: String) -> String {
    var text = "\(id)  ["
    for t in 0..<m.rows {
        text += "\n  " + m.row(t).map { String($0) }.joined(separator: " ")
    }
    return text + " ]\n"
}

func fmt(_ x: Float) -> String { String(format: "%.3f", x) }
