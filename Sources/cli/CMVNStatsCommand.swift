import ASR
import ArgumentParser
import Foundation

struct CMVNStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cmvn-stats",
        abstract: "Accumulate global CMVN statistics over audio files, for `--cmvn global`.")

    @Argument(help: "Audio files of the data set.")
    var files: [String]

    @OptionGroup var options: FeatureOptions

    @Option(name: .shortAndLong, help: "Where to write the statistics (JSON).")
    var output: String

    @Option(help: "Files processed at once (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        var (config, fixedRate) = try options.resolve()
        config.cmvn = .none   // statistics are of the features before normalisation
        try config.validate()
        let extractors = FeatureExtractors(config: config, fixedRate: fixedRate, workers: max(jobs, 1))
        var stats = CMVNStats(dimension: config.dimension)
        var failed = 0
        parallelOrdered(count: files.count, jobs: max(jobs, 1), work: { [files] i, worker in
            Swift.Result { try extractors.compute(files[i], worker: worker).0 }
        }, emit: { _, result in
            switch result {
            case .success(let features): stats.accumulate(features)
            case .failure(let error):
                failed += 1
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
        })
        guard stats.count > 0 else { throw ValidationError("no features were computed; nothing to write") }
        try stats.save(to: output)
        print("\(output): statistics of \(Int(stats.count)) frames from \(files.count - failed) files"
              + (failed > 0 ? "; \(failed) failed" : ""))
        if failed > 0 { throw ExitCode(1) }
    }
}
