import ASR
import ArgumentParser
import Foundation

struct AllreduceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "Time of the gradient allreduce alone: run under mpirun -np N.",
        discussion: """
            Sums a buffer of --floats Float32 values over all ranks with MPI_Allreduce, as the
            trainer does once per step (the model's parameters plus 2). Rank 0 prints one JSON line
            per size: the median milliseconds over --repeats calls after warm-up, the algorithm
            bandwidth (bytes / time) and the bus bandwidth (that times 2(N-1)/N, the bytes each
            rank must send and receive in a ring allreduce).
              mpirun -np 2 asr-bench allreduce --floats 433695,575775,4000000
            """)

    @Option(help: "Buffer sizes in floats, comma-separated.") var floats: String = "433695"
    @Option(help: "Timed calls per size.") var repeats: Int = 50

    func run() throws {
        let communicator = try Distributed.start()
        let n = communicator.size
        for size in floats.split(separator: ",").compactMap({ Int($0) }) {
            var buffer = [Float](repeating: Float(communicator.rank + 1), count: size)
            for _ in 0..<5 { communicator.allreduceSum(&buffer) }
            var times: [Double] = []
            for _ in 0..<repeats {
                communicator.barrier()
                let start = Date()
                communicator.allreduceSum(&buffer)
                times.append(Date().timeIntervalSince(start))
            }
            // Each call's time averaged over the ranks (they start together, after a barrier).
            var summed = times
            communicator.allreduceSum(&summed)
            let median = summed.map { $0 / Double(n) }.sorted()[repeats / 2]
            let bytes = Double(size * 4)
            let algorithmGbit: Double = bytes * 8 / median / 1e9
            let ringShare: Double = 2 * Double(n - 1) / Double(n)
            if communicator.isRoot {
                let line: [String: Any] = ["ranks": n, "floats": size, "bytes": size * 4, "median_ms": median * 1000,
                                           "algbw_gbit_s": algorithmGbit, "busbw_gbit_s": algorithmGbit * ringShare]
                let json = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
                print(String(decoding: json, as: UTF8.self))
            }
        }
        communicator.finish()
    }
}
