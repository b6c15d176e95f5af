import Foundation
import Testing
@testable import ASR

/// CTC loss and its logit gradient: agreement with PyTorch (fixtures from
/// scripts/fixtures/make_ctc_fixtures.py), finite differences, hand-computable cases,
/// infeasible targets and argument errors.
struct CTCLossTests {
    struct Case: Decodable {
        let name: String
        let T: Int, B: Int, V: Int, blank: Int
        let reduction: CTCReduction
        let zeroInfinity: Bool
        let inputLengths: [Int]
        let targets: [[Int]]
        let logits: [Float], losses: [Float], loss: Float, grad: [Float]   // logits, grad: (T,B,V)

        enum CodingKeys: String, CodingKey {
            case name, T, B, V, blank, reduction, targets, logits, losses, loss, grad
            case zeroInfinity = "zero_infinity", inputLengths = "input_lengths"
        }
    }

    static let cases: [Case] = {
        let data = try! Data(contentsOf: Fixtures.root.appendingPathComponent("ctc/cases.json"))
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try! decoder.decode([Case].self, from: data)
    }()

    /// Runs the batch API; gradLogits starts as garbage so that "overwritten" is tested too.
    static func run(_ ctc: CTCLoss, logits: [Float], T: Int, B: Int, V: Int, inputLengths: [Int],
                    targets: [[Int]]) throws -> (losses: [Float], loss: Float, grad: [Float]) {
        var grad = [Float](repeating: 7, count: logits.count)
        let result = try logits.withUnsafeBufferPointer { x in
            try grad.withUnsafeMutableBufferPointer { g in
                try ctc.compute(logits: x.baseAddress!, T: T, B: B, V: V, inputLengths: inputLengths,
                                targets: targets, gradLogits: g.baseAddress!)
            }
        }
        return (result.losses, result.loss, grad)
    }

    /// Largest |a - b| over the finite entries; nil if a non-finite entry of one is not the same in the other.
    static func maxAbsError(_ a: [Float], _ b: [Float]) -> Float? {
        guard a.count == b.count else { return nil }
        var worst: Float = 0
        for (x, y) in zip(a, b) {
            if x.isNaN || y.isNaN { if x.isNaN != y.isNaN { return nil } else { continue } }
            if x.isInfinite || y.isInfinite { if x != y { return nil } else { continue } }
            worst = max(worst, abs(x - y))
        }
        return worst
    }

    @Test func fixturesCoverTheCases() {
        let names = Set(Self.cases.map(\.name))
        #expect(names.isSuperset(of: ["ragged_mean", "ragged_sum", "ragged_none", "edge_mean_zi1", "edge_mean_zi0"]))
        let edge = Self.cases.first { $0.name == "edge_mean_zi0" }!
        #expect(edge.targets.contains([]), "an empty target")
        #expect(edge.losses.contains(.infinity), "an infeasible utterance")
        #expect(zip(edge.targets, edge.inputLengths).contains { CTCLoss.requiredFrames($0) == $1 && $1 > 0 },
                "a target that needs every frame")
        #expect(Self.cases.contains { $0.targets.contains { t in zip(t, t.dropFirst()).contains { $0 == $1 } } }, "repeats")
    }

    @Test(arguments: cases.map(\.name))
    func matchesPyTorch(_ name: String) throws {
        let c = Self.cases.first { $0.name == name }!
        let ctc = CTCLoss(blank: c.blank, reduction: c.reduction, zeroInfinity: c.zeroInfinity)
        let ours = try Self.run(ctc, logits: c.logits, T: c.T, B: c.B, V: c.V, inputLengths: c.inputLengths, targets: c.targets)
        let lossError = Self.maxAbsError(ours.losses + [ours.loss], c.losses + [c.loss])
        let gradError = Self.maxAbsError(ours.grad, c.grad)
        #expect(lossError != nil && lossError! < 1e-4, "\(name): losses \(ours.losses) \(ours.loss) vs \(c.losses) \(c.loss)")
        #expect(gradError != nil && gradError! < 1e-4, "\(name): gradient max abs error \(String(describing: gradError))")
        print("\(name): max abs error loss \(lossError ?? .nan), gradient \(gradError ?? .nan)")
    }

    /// Reduced loss in Double through the per-utterance API (compute returns Float losses,
    /// too coarse for finite differences).
    static func reducedLoss(_ ctc: CTCLoss, logits: [Float], T: Int, B: Int, V: Int, inputLengths: [Int], targets: [[Int]]) throws -> Double {
        let workspace = CTCWorkspace()
        var total = 0.0
        for b in 0..<B {
            let nll = try logits.withUnsafeBufferPointer { x in
                try ctc.utteranceLoss(logits: x.baseAddress! + b * V, frames: inputLengths[b], frameStride: B * V, V: V,
                                      target: targets[b], gradLogits: nil, gradScale: 1, workspace: workspace)
            }
            total += ctc.reduction == .mean ? nll * ctc.gradientScale(targetLength: targets[b].count, batchSize: B) : nll
        }
        return total
    }

    @Test(arguments: [CTCReduction.mean, .sum, .none])
    func finiteDifferences(_ reduction: CTCReduction) throws {
        let (T, B, V) = (7, 3, 4)
        let inputLengths = [7, 5, 4], targets = [[1, 1, 2], [3, 2], [2]]
        var rng = SplitMix(seed: 42)
        let logits = (0..<(T * B * V)).map { _ in Float(rng.uniform() * 2 - 1) }
        let ctc = CTCLoss(reduction: reduction)
        let (_, _, grad) = try Self.run(ctc, logits: logits, T: T, B: B, V: V, inputLengths: inputLengths, targets: targets)

        var worst = 0.0
        for t in 0..<T {
            for b in 0..<B {
                for v in 0..<V {
                    let i = (t * B + b) * V + v
                    if t >= inputLengths[b] {
                        #expect(grad[i] == 0, "padding frame t=\(t) b=\(b) v=\(v): gradient \(grad[i])")
                        continue
                    }
                    var plus = logits, minus = logits
                    plus[i] += 1e-3
                    minus[i] -= 1e-3
                    let h = Double(plus[i]) - Double(minus[i])   // the step the Float inputs actually took
                    let numeric = try (Self.reducedLoss(ctc, logits: plus, T: T, B: B, V: V, inputLengths: inputLengths, targets: targets)
                        - Self.reducedLoss(ctc, logits: minus, T: T, B: B, V: V, inputLengths: inputLengths, targets: targets)) / h
                    worst = max(worst, abs(numeric - Double(grad[i])))
                }
            }
        }
        #expect(worst < 1e-5, "largest |analytic - central difference| \(worst)")
        print("finite differences (\(reduction)): max abs difference \(worst)")
    }

    @Test func singleFrameIsMinusLogSoftmax() throws {
        let logits: [Float] = [0.3, -1.2]   // T=1, B=1, V=2, target [1]
        let ctc = CTCLoss(reduction: .sum)
        let ours = try Self.run(ctc, logits: logits, T: 1, B: 1, V: 2, inputLengths: [1], targets: [[1]])
        let z = log(exp(0.3) + exp(-1.2))
        #expect(abs(Double(ours.loss) - (z + 1.2)) < 1e-6)
        #expect(abs(Double(ours.grad[0]) - exp(0.3 - z)) < 1e-6)
        #expect(abs(Double(ours.grad[1]) - (exp(-1.2 - z) - 1)) < 1e-6)
    }

    @Test func twoFramesSumThreePaths() throws {
        // T=2, V=2, target [1]: alignments (1,1), (0,1), (1,0).
        let logits: [Float] = [0.5, -0.25, -1, 2]
        let p = [softmax([0.5, -0.25]), softmax([-1, 2])]
        let likelihood = p[0][1] * p[1][1] + p[0][0] * p[1][1] + p[0][1] * p[1][0]
        let ours = try Self.run(CTCLoss(reduction: .none), logits: logits, T: 2, B: 1, V: 2, inputLengths: [2], targets: [[1]])
        #expect(abs(Double(ours.losses[0]) + log(likelihood)) < 1e-6)
        // Posterior of label 1 at frame 0: paths (1,1) and (1,0).
        let gamma = (p[0][1] * p[1][1] + p[0][1] * p[1][0]) / likelihood
        #expect(abs(Double(ours.grad[1]) - (p[0][1] - gamma)) < 1e-6)
    }

    @Test func emptyTargetIsAllBlanks() throws {
        let logits: [Float] = [0.1, 0.7, -0.4, 1.5, 0.2, 0.0]   // T=2, B=1, V=3
        let ours = try Self.run(CTCLoss(reduction: .mean), logits: logits, T: 2, B: 1, V: 3, inputLengths: [2], targets: [[]])
        let expected = -log(softmax([0.1, 0.7, -0.4])[0]) - log(softmax([1.5, 0.2, 0.0])[0])
        #expect(abs(Double(ours.loss) - expected) < 1e-5)
    }

    @Test func infeasibleTarget() throws {
        // Utterance 0: [1, 2, 3] needs 3 frames and has 2; utterance 1 is fine.
        let (T, B, V) = (3, 2, 4)
        let logits = (0..<(T * B * V)).map { Float(sin(Double($0))) }
        let lengths = [2, 3], targets = [[1, 2, 3], [2, 2]]
        let plain = try Self.run(CTCLoss(reduction: .mean), logits: logits, T: T, B: B, V: V, inputLengths: lengths, targets: targets)
        #expect(plain.losses[0] == .infinity && plain.loss == .infinity)
        #expect(plain.losses[1].isFinite)
        let zeroed = try Self.run(CTCLoss(reduction: .mean, zeroInfinity: true), logits: logits, T: T, B: B, V: V,
                                  inputLengths: lengths, targets: targets)
        #expect(zeroed.losses[0] == 0)
        #expect(zeroed.loss == zeroed.losses[1] / 2 / 2)
        for t in 0..<T {
            for v in 0..<V {
                #expect(zeroed.grad[(t * B + 0) * V + v] == 0)
                // Without zeroInfinity PyTorch's NaN on the utterance's frames, zero on its padding.
                let g = plain.grad[(t * B + 0) * V + v]
                #expect(t < lengths[0] ? g.isNaN : g == 0)
                #expect(plain.grad[(t * B + 1) * V + v] == zeroed.grad[(t * B + 1) * V + v])
            }
        }
    }

    @Test func perUtteranceMatchesBatchAndGradientRowsSumToZero() throws {
        let c = Self.cases.first { $0.name == "ragged_sum" }!
        let ctc = CTCLoss(reduction: .sum)
        let batch = try Self.run(ctc, logits: c.logits, T: c.T, B: c.B, V: c.V, inputLengths: c.inputLengths, targets: c.targets)
        let workspace = CTCWorkspace()   // reused from a long utterance to a short one and back
        for b in [3, 2, 0, 1] {
            var grad = [Float](repeating: 7, count: c.logits.count)   // (T,B,V); only utterance b's frames are written
            let nll = try c.logits.withUnsafeBufferPointer { x in
                try grad.withUnsafeMutableBufferPointer { g in
                    try ctc.utteranceLoss(logits: x.baseAddress! + b * c.V, frames: c.inputLengths[b], frameStride: c.B * c.V, V: c.V,
                                          target: c.targets[b], gradLogits: g.baseAddress! + b * c.V, gradScale: 1, workspace: workspace)
                }
            }
            #expect(Float(nll) == batch.losses[b])
            for t in 0..<c.T {
                let frame = ((t * c.B + b) * c.V)..<((t * c.B + b + 1) * c.V)
                let row = Array(grad[frame])
                guard t < c.inputLengths[b] else {
                    #expect(row.allSatisfy { $0 == 7 }, "padding frames are left alone")
                    continue
                }
                #expect(row == Array(batch.grad[frame]))
                #expect(abs(row.reduce(0, +)) < 1e-6, "softmax and occupancy both sum to 1")
            }
        }
    }

    @Test func badArgumentsAreNamed() {
        let logits = [Float](repeating: 0, count: 2 * 1 * 3)
        func run(_ lengths: [Int], _ targets: [[Int]], blank: Int = 0) throws(CTCError) {
            _ = try logits.withUnsafeBufferPointer { x throws(CTCError) in
                try CTCLoss(blank: blank).compute(logits: x.baseAddress!, T: 2, B: 1, V: 3, inputLengths: lengths,
                                                   targets: targets, gradLogits: nil)
            }
        }
        #expect(throws: CTCError.labelOutOfRange(utterance: 0, position: 1, label: 3, V: 3)) { try run([2], [[1, 3]]) }
        #expect(throws: CTCError.blankInTarget(utterance: 0, position: 0, blank: 0)) { try run([2], [[0]]) }
        #expect(throws: CTCError.inputLengthOutOfRange(utterance: 0, length: 5, T: 2)) { try run([5], [[1]]) }
        #expect(throws: CTCError.targetsCount(count: 2, B: 1)) { try run([2], [[1], [2]]) }
        #expect(throws: CTCError.invalidBlank(blank: 3, V: 3)) { try run([2], [[1]], blank: 3) }
        #expect(CTCError.labelOutOfRange(utterance: 0, position: 1, label: 3, V: 3).description.contains("output size"))
    }
}

private func softmax(_ x: [Double]) -> [Double] {
    let m = x.max()!
    let e = x.map { exp($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}

/// A small deterministic generator, so the finite-difference case is the same on every run.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
