import ASR
import ArgumentParser
import Foundation

struct FeaturesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "39-dim MFCC + deltas + delta-deltas + per-utterance CMVN over every .wav in a folder.",
        discussion: """
            Files are read into memory first (timed on its own), then features are computed from the
            samples, as ../shared/peers/mfcc_bench.py does for torchaudio. Reports the median of
            --repeats passes after one warm-up pass, as audio seconds per wall second.
            """)

    @Option(help: "Folder of .wav files.")
    var data: String

    @Option(help: "Threads; files are split between them.")
    var threads: Int = 1

    @Option(help: "Timed passes.")
    var repeats: Int = 5

    @Option(help: "Sample rate of the features (the files' rate).")
    var sampleRate: Int = 8000

    func run() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: data)
            .filter { $0.hasSuffix(".wav") }.sorted().map { "\(data)/\($0)" }
        guard !files.isEmpty else { throw ValidationError("no .wav files in \(data)") }

        var readTimes: [Double] = []
        var audio: [[Float]] = []
        for _ in 0..<3 {
            let start = Date()
            audio = try files.map { try AudioReader.read($0).samples }
            readTimes.append(Date().timeIntervalSince(start))
        }
        let audioSeconds = Double(audio.reduce(0) { $0 + $1.count }) / Double(sampleRate)

        var config = FeatureConfig()
        config.sampleRate = sampleRate
        config.numMelBins = 23
        config.deltaOrder = 2
        config.cmvn = .utterance
        config.cmvnNormVars = true
        // One pipeline per thread, each used by its thread only.
        let shared = SharedWork(audio: audio, pipelines: try (0..<threads).map { _ in try FeaturePipeline(config: config) })

        func pass() -> (seconds: Double, frames: Int) {
            let start = Date()
            let frames = FrameCounter()
            DispatchQueue.concurrentPerform(iterations: threads) { worker in
                var count = 0
                var i = worker
                while i < shared.audio.count {
                    let f = try! shared.pipelines[worker].features(ofSamples: shared.audio[i], sampleRate: sampleRate)
                    count += f.rows
                    i += threads
                }
                frames.add(count)
            }
            return (Date().timeIntervalSince(start), frames.total)
        }
        _ = pass()   // warm-up
        let runs = (0..<repeats).map { _ in pass() }
        let times = runs.map(\.seconds).sorted()
        let median = times[times.count / 2]
        let readMedian = readTimes.sorted()[1]
        let result: [String: Any] = [
            "bench": "features", "files": files.count, "threads": threads, "audio_s": round3(audioSeconds),
            "frames": runs[0].frames, "dims": config.dimension,
            "read_s": round3(readMedian), "wall_s": times.map(round3), "median_s": round3(median),
            "x_realtime": (audioSeconds / median).rounded(),
            "x_realtime_incl_read": (audioSeconds / (median + readMedian / Double(threads))).rounded(),
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}

private func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

private final class SharedWork: @unchecked Sendable {
    let audio: [[Float]]
    let pipelines: [FeaturePipeline]
    init(audio: [[Float]], pipelines: [FeaturePipeline]) { self.audio = audio; self.pipelines = pipelines }
}

private final class FrameCounter: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var total = 0
    func add(_ n: Int) { lock.lock(); total += n; lock.unlock() }
}
