/// Connectionist temporal classification loss (Graves et al. 2006) with its gradient, fused
/// with the log-softmax: it takes unnormalised logits and returns d(loss)/d(logits).
/// Semantics are PyTorch's `F.ctc_loss(F.log_softmax(logits, 2), ...)`, checked against it by
/// Tests/ASRTests/CTCLossTests.swift (fixtures from scripts/fixtures/make_ctc_fixtures.py).
///
/// The forward-backward recursions are in CTCForwardBackward.swift; this file holds the
/// batch API, the reductions and the input checks.

/// How the per-utterance losses become one number (PyTorch's `reduction`).
public enum CTCReduction: String, Codable, Sendable {
    /// No reduction: `loss` is the plain sum and the gradient is each utterance's own
    /// (PyTorch's `ctc_loss(..., reduction='none').sum().backward()`).
    case none
    /// The sum of the utterance losses.
    case sum
    /// Each loss divided by its target length (at least 1), then averaged over the batch.
    case mean
}

/// Bad arguments to `CTCLoss`. Every case names the utterance and what to fix.
public enum CTCError: Error, Equatable, CustomStringConvertible {
    case invalidShape(T: Int, B: Int, V: Int)
    case invalidBlank(blank: Int, V: Int)
    case inputLengthsCount(count: Int, B: Int)
    case targetsCount(count: Int, B: Int)
    case inputLengthOutOfRange(utterance: Int, length: Int, T: Int)
    case labelOutOfRange(utterance: Int, position: Int, label: Int, V: Int)
    case blankInTarget(utterance: Int, position: Int, blank: Int)

    public var description: String {
        switch self {
        case .invalidShape(let t, let b, let v):
            return "CTC loss: logits shape (T, B, V) = (\(t), \(b), \(v)): T and B must be >= 0 and V >= 2 (blank and one label)"
        case .invalidBlank(let blank, let v):
            return "CTC loss: blank index \(blank) is outside the vocabulary 0..<\(v)"
        case .inputLengthsCount(let count, let b):
            return "CTC loss: \(count) input lengths for a batch of \(b) utterances; pass one per utterance"
        case .targetsCount(let count, let b):
            return "CTC loss: \(count) target sequences for a batch of \(b) utterances; pass one per utterance"
        case .inputLengthOutOfRange(let u, let length, let t):
            return "CTC loss: utterance \(u) has input length \(length), outside 0...\(t) (T, the padded frame count)"
        case .labelOutOfRange(let u, let position, let label, let v):
            return "CTC loss: utterance \(u), target position \(position): label \(label) is outside the vocabulary 0..<\(v); "
                + "the model's output size must cover every symbol of the transcripts"
        case .blankInTarget(let u, let position, let blank):
            return "CTC loss: utterance \(u), target position \(position) is the blank (\(blank)); targets hold labels only"
        }
    }
}

public struct CTCLoss: Sendable {
    public var blank: Int = 0
    /// PyTorch's meaning: see `CTCReduction`.
    public var reduction: CTCReduction = .mean
    /// Infeasible utterances (the target cannot fit in its frames) give loss 0 and gradient 0
    /// instead of loss +inf and a NaN gradient (PyTorch's `zero_infinity`).
    public var zeroInfinity: Bool = false

    public init(blank: Int = 0, reduction: CTCReduction = .mean, zeroInfinity: Bool = false) {
        self.blank = blank
        self.reduction = reduction
        self.zeroInfinity = zeroInfinity
    }

    /// logits: unnormalised scores, time-major (T, B, V) contiguous, T = the longest input.
    /// inputLengths[b] <= T; frames t >= inputLengths[b] of utterance b are padding.
    /// targets[b]: label indices in 0..<V, never `blank`; may be empty.
    /// gradLogits (T, B, V), if given, is OVERWRITTEN with d(loss)/d(logits): zero on padding
    /// frames; NaN on the frames of an infeasible utterance unless `zeroInfinity` (as PyTorch).
    /// Returns the per-utterance negative log-likelihoods before reduction (0 for infeasible
    /// ones with `zeroInfinity`, else +inf) and the reduced loss.
    public func compute(logits: UnsafePointer<Float>, T: Int, B: Int, V: Int,
                        inputLengths: [Int], targets: [[Int]],
                        gradLogits: UnsafeMutablePointer<Float>?) throws(CTCError) -> (losses: [Float], loss: Float) {
        try validate(T: T, B: B, V: V, inputLengths: inputLengths, targets: targets)
        let maxFrames = inputLengths.max() ?? 0
        let maxTarget = targets.map(\.count).max() ?? 0
        let workspace = CTCWorkspace()
        workspace.reserve(frames: maxFrames, targetLength: maxTarget, V: V)

        var losses = [Float](repeating: 0, count: B)
        var total = 0.0
        let frameStride = B * V   // (T,B,V): frame t of utterance b starts at (t * B + b) * V
        for b in 0..<B {
            let scale = gradientScale(targetLength: targets[b].count, batchSize: B)
            let nll = try utteranceLoss(logits: logits + b * V, frames: inputLengths[b], frameStride: frameStride, V: V,
                                        target: targets[b], gradLogits: gradLogits.map { $0 + b * V },
                                        gradScale: scale, workspace: workspace)
            losses[b] = Float(nll)
            total += reduction == .mean ? nll * scale : nll
            if let g = gradLogits {
                for t in inputLengths[b]..<T {
                    let row = g + t * frameStride + b * V
                    for v in 0..<V { row[v] = 0 }
                }
            }
        }
        return (losses, Float(total))
    }

    /// d(reduced loss) / d(loss of one utterance): 1 for `.none` and `.sum`,
    /// 1 / (max(targetLength, 1) * batchSize) for `.mean`.
    public func gradientScale(targetLength: Int, batchSize: Int) -> Double {
        switch reduction {
        case .none, .sum: return 1
        case .mean: return 1 / Double(max(targetLength, 1) * max(batchSize, 1))
        }
    }

    func validate(T: Int, B: Int, V: Int, inputLengths: [Int], targets: [[Int]]) throws(CTCError) {
        guard T >= 0, B >= 0, V >= 2 else { throw .invalidShape(T: T, B: B, V: V) }
        guard (0..<V).contains(blank) else { throw .invalidBlank(blank: blank, V: V) }
        guard inputLengths.count == B else { throw .inputLengthsCount(count: inputLengths.count, B: B) }
        guard targets.count == B else { throw .targetsCount(count: targets.count, B: B) }
        for b in 0..<B {
            guard (0...T).contains(inputLengths[b]) else {
                throw .inputLengthOutOfRange(utterance: b, length: inputLengths[b], T: T)
            }
            try validate(target: targets[b], V: V, utterance: b)
        }
    }

    func validate(target: [Int], V: Int, utterance: Int) throws(CTCError) {
        for (i, label) in target.enumerated() {
            guard (0..<V).contains(label) else { throw .labelOutOfRange(utterance: utterance, position: i, label: label, V: V) }
            guard label != blank else { throw .blankInTarget(utterance: utterance, position: i, blank: blank) }
        }
    }
}
