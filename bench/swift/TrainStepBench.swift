import ASR
import ArgumentParser
import Foundation

struct TrainStepBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-step",
        abstract: "One training step of the digits model: forward, CTC, backward, Adam.",
        discussion: """
            39-dim input -> 2 x bidirectional GRU/LSTM, 128 per direction -> Linear to 29 symbols,
            CTC (mean, zero_infinity), Adam 1e-3. The synthetic batch of bench/torch_train_step.py:
            32 utterances of 100, 98, ..., 38 frames (--equal: all 100), targets of 3-8 labels.
            --threads 2 runs the two directions of each layer on two threads (OpenBLAS stays at
            one thread). Prints median milliseconds per step and per phase, the GFLOP/s of the
            matrix products, cblas_sgemm's own GFLOP/s on the step's shapes, and peak RSS.
            """)

    @Option(help: "gru or lstm.") var cell: String = "gru"
    @Option(help: "1 or 2.") var threads: Int = 1
    @Option(help: "Timed steps.") var steps: Int = 30
    @Flag(help: "All utterances 100 frames.") var equal = false

    func run() throws {
        guard let cellType = CellType(rawValue: cell) else { throw ValidationError("--cell: gru or lstm") }
        BLASThreads.set(1)
        let (T, B, F, V) = (100, 32, 39, 29)
        var config = ModelConfig()
        config.cell = cellType
        let model = AcousticModel(config: config, inputSize: F, vocabSize: V)
        let workspace = model.makeWorkspace()
        workspace.parallelDirections = threads >= 2
        let lengths = (0..<B).map { equal ? T : T - 2 * $0 }
        var rng = SeededRandom(seed: 0)
        var x = rng.uniformArray(T * B * F, bound: 1.7)
        for b in 0..<B { for t in lengths[b]..<T { for f in 0..<F { x[(t * B + b) * F + f] = 0 } } }
        let targets = (0..<B).map { b in (0..<(3 + (b * 7) % 6)).map { _ in 1 + Int(rng.next() % 28) } }
        let ctc = CTCLoss(blank: 0, reduction: .mean, zeroInfinity: true)
        let adam = Adam(parameters: model.parameters, lr: 1e-3)
        var grad = [Float](repeating: 0, count: T * B * V)

        var phases: [[Double]] = [[], [], [], []]   // forward, ctc, backward, adam
        func step(record: Bool) throws {
            var marks = [Date()]
            model.parameters.zeroGrad()
            let out = x.withUnsafeBufferPointer {
                model.forward($0.baseAddress!, T: T, B: B, lengths: lengths, workspace: workspace, pass: ForwardPass(training: true))
            }
            marks.append(Date())
            _ = try grad.withUnsafeMutableBufferPointer {
                try ctc.compute(logits: out.logits, T: out.T, B: B, V: V, inputLengths: out.lengths, targets: targets, gradLogits: $0.baseAddress!)
            }
            marks.append(Date())
            grad.withUnsafeBufferPointer { model.backward($0.baseAddress!, workspace: workspace) }
            marks.append(Date())
            adam.step()
            marks.append(Date())
            if record { for p in 0..<4 { phases[p].append(marks[p + 1].timeIntervalSince(marks[p]) * 1000) } }
        }
        for _ in 0..<3 { try step(record: false) }
        var totals: [Double] = []
        for _ in 0..<steps {
            let start = Date()
            try step(record: true)
            totals.append(Date().timeIntervalSince(start) * 1000)
        }
        let median = { (v: [Double]) in v.sorted()[v.count / 2] }
        let flops = stepFlops(cell: cellType, T: T, B: B, F: F, V: V, lengths: lengths)
        let ms = median(totals)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let result: [String: Any] = [
            "impl": "asr", "cell": cell, "threads": threads, "ragged": !equal, "steps": steps,
            "median_ms": r2(ms), "min_ms": r2(totals.min()!),
            "forward_ms": r2(median(phases[0])), "ctc_ms": r2(median(phases[1])),
            "backward_ms": r2(median(phases[2])), "adam_ms": r2(median(phases[3])),
            "gflop_per_step": r2(flops / 1e9), "gflops": r2(flops / 1e9 / (ms / 1000)),
            "sgemm_gflops": sgemmPeaks(), "parameters": model.parameterCount,
            "peak_rss_mb": r2(Double(usage.ru_maxrss) / 1024), "blas_core": BLASSetup.coreName,
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// Floating-point operations of the step's matrix products (2·m·n·k each), as asr runs
    /// them: only real frames (N = Σ lengths) are computed, and the features get no gradient.
    func stepFlops(cell: CellType, T: Int, B: Int, F: Int, V: Int, lengths: [Int]) -> Double {
        let H = 128, G = cell.gates * H
        let N = Double(lengths.reduce(0, +))
        var total = 0.0
        for layer in 0..<2 {
            let I = Double(layer == 0 ? F : 2 * H)
            let perDirection = 2 * N * I * Double(G) * (layer == 0 ? 2 : 3)   // x W_ihᵀ, dW_ih, (dx)
                + 2 * (N - Double(B)) * Double(H * G) * 2                    // h W_hhᵀ and dh per step
                + 2 * N * Double(H * G)                                       // dW_hh
            total += 2 * perDirection
        }
        return total + 2 * N * Double(2 * H * V) * 3
    }

    /// cblas_sgemm alone on the step's main shapes, one thread: GFLOP/s by "m x k x n".
    func sgemmPeaks() -> [String: Double] {
        var out: [String: Double] = [:]
        for (m, k, n) in [(32, 128, 384), (3200, 39, 384), (3200, 256, 384), (384, 3200, 256)] {
            let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
            var c = [Float](repeating: 0, count: m * n)
            let reps = max(3, 20_000_000 / (m * k * n))
            var best = Double.infinity
            for _ in 0..<5 {
                let start = Date()
                a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
                    for _ in 0..<reps {
                        sgemm(m: m, n: n, k: k, a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: n, beta: 0, c: c.baseAddress!, ldc: n)
                    }
                }}}
                best = min(best, Date().timeIntervalSince(start) / Double(reps))
            }
            out["\(m)x\(k)x\(n)"] = r2(2 * Double(m * n * k) / best / 1e9)
        }
        return out
    }
}

private func r2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
