import Foundation

/// Scratch memory for `CTCLoss.utteranceLoss`, grown on demand and reused across calls.
/// Not thread-safe: a caller running utterances concurrently gives each thread its own.
public final class CTCWorkspace {
    private(set) var doubles: UnsafeMutablePointer<Double>
    private(set) var labels: UnsafeMutablePointer<Int>
    private(set) var skips: UnsafeMutablePointer<Bool>
    private var doubleCapacity = 0, stateCapacity = 0

    public init() {
        doubles = .allocate(capacity: 0)
        labels = .allocate(capacity: 0)
        skips = .allocate(capacity: 0)
    }

    deinit {
        doubles.deallocate()
        labels.deallocate()
        skips.deallocate()
    }

    /// Makes room for an utterance of `frames` frames and a target of `targetLength` labels.
    public func reserve(frames: Int, targetLength: Int, V: Int) {
        let states = 2 * targetLength + 1
        // log-probs (frames, S) + alpha (frames, S) + two beta rows (S) + log Z (frames) + occupancy (V)
        let needed = 2 * frames * states + 2 * states + frames + V
        if needed > doubleCapacity {
            doubles.deallocate()
            doubleCapacity = max(needed, doubleCapacity * 3 / 2)
            doubles = .allocate(capacity: doubleCapacity)
        }
        if states > stateCapacity {
            labels.deallocate()
            skips.deallocate()
            stateCapacity = max(states, stateCapacity * 3 / 2)
            labels = .allocate(capacity: stateCapacity)
            skips = .allocate(capacity: stateCapacity)
        }
    }
}

/// log(exp(a) + exp(b) + exp(c)), exact for -inf terms.
@inline(__always)
private func logSumExp(_ a: Double, _ b: Double, _ c: Double) -> Double {
    let m = max(a, max(b, c))
    if m == -.infinity { return -.infinity }
    return m + log(exp(a - m) + exp(b - m) + exp(c - m))
}

extension CTCLoss {
    /// Frames an alignment of `target` needs: one per label, plus a blank between equal neighbours.
    public static func requiredFrames(_ target: [Int]) -> Int {
        var repeats = 0
        for i in target.indices.dropFirst() where target[i] == target[i - 1] { repeats += 1 }
        return target.count + repeats
    }

    /// One utterance on its own: the batch API calls this for each b, and a caller may run
    /// utterances concurrently, one `workspace` per thread.
    ///
    /// logits: frame t (0..<frames) of this utterance starts at `logits + t * frameStride`, V
    /// unnormalised scores. gradLogits (same strides), if given, gets
    /// gradScale * d(nll)/d(logits) for frames 0..<frames (other memory is left alone):
    /// gradScale * (softmax - posterior occupancy of each symbol), zeros if the utterance is
    /// infeasible and `zeroInfinity`, NaNs if infeasible otherwise (as PyTorch).
    /// Returns the negative log-likelihood: +inf if infeasible (0 with `zeroInfinity`).
    ///
    /// Log space throughout, in Double. S = 2L+1 states: blank, l1, blank, l2, ..., blank.
    /// alpha_t(s) = log P(prefix path in state s at t, emissions 0...t);
    /// beta_t(s)  = log P(emissions t+1..<frames | state s at t) (excludes frame t), so
    /// alpha_t(s) + beta_t(s) - log P is the log posterior of state s at frame t.
    public func utteranceLoss(logits: UnsafePointer<Float>, frames: Int, frameStride: Int, V: Int,
                              target: [Int], gradLogits: UnsafeMutablePointer<Float>?, gradScale: Double,
                              workspace: CTCWorkspace) throws(CTCError) -> Double {
        guard V >= 2, frames >= 0 else { throw .invalidShape(T: frames, B: 1, V: V) }
        guard (0..<V).contains(blank) else { throw .invalidBlank(blank: blank, V: V) }
        try validate(target: target, V: V, utterance: 0)

        let L = target.count, S = 2 * L + 1
        if frames < Self.requiredFrames(target) { return infeasible(frames: frames, frameStride: frameStride, V: V, gradLogits) }
        if frames == 0 { return 0 }   // empty target, no frames: the empty alignment, probability 1

        workspace.reserve(frames: frames, targetLength: L, V: V)
        let ext = workspace.labels     // (S) symbol of each state
        let skip = workspace.skips     // (S) may enter state s from s-2
        for s in 0..<S {
            ext[s] = s % 2 == 0 ? blank : target[s / 2]
            skip[s] = s >= 2 && s % 2 == 1 && target[s / 2] != target[s / 2 - 1]
        }
        let lp = workspace.doubles           // (frames, S) log-softmax of ext[s] at t
        let alpha = lp + frames * S          // (frames, S)
        var beta = alpha + frames * S        // (S) beta_t
        var betaPrev = beta + S              // (S) beta_{t-1}
        let logZ = betaPrev + S              // (frames) log-partition of each frame
        let occupancy = logZ + frames        // (V) posterior mass of each symbol at t

        // Log-softmax, keeping only the symbols of the extended target.
        for t in 0..<frames {
            let row = logits + t * frameStride
            var m = row[0]
            for v in 1..<V { m = max(m, row[v]) }
            var sum = 0.0
            let md = Double(m)
            for v in 0..<V { sum += exp(Double(row[v]) - md) }
            let z = md + log(sum)
            logZ[t] = z
            let lpRow = lp + t * S
            for s in 0..<S { lpRow[s] = Double(row[ext[s]]) - z }
        }

        // Forward.
        for s in 0..<S { alpha[s] = s < 2 ? lp[s] : -.infinity }
        for t in 1..<frames {
            let previous = alpha + (t - 1) * S, current = alpha + t * S, lpRow = lp + t * S
            current[0] = lpRow[0] + previous[0]
            for s in 1..<S {
                let jump = skip[s] ? previous[s - 2] : -.infinity
                current[s] = lpRow[s] + logSumExp(previous[s], previous[s - 1], jump)
            }
        }
        let last = alpha + (frames - 1) * S
        let logP = logSumExp(last[S - 1], S > 1 ? last[S - 2] : -.infinity, -.infinity)
        guard logP > -.infinity else {   // feasible in length, but underflowed to probability 0
            return infeasible(frames: frames, frameStride: frameStride, V: V, gradLogits)
        }
        guard let grad = gradLogits else { return -logP }

        // Backward, emitting the gradient of frame t once beta_t is known.
        for s in 0..<S { beta[s] = s >= S - 2 ? 0 : -.infinity }
        for t in stride(from: frames - 1, through: 0, by: -1) {
            for v in 0..<V { occupancy[v] = 0 }
            let alphaRow = alpha + t * S
            for s in 0..<S { occupancy[ext[s]] += exp(alphaRow[s] + beta[s] - logP) }
            let row = logits + t * frameStride, gradRow = grad + t * frameStride
            let z = logZ[t]
            for v in 0..<V { gradRow[v] = Float(gradScale * (exp(Double(row[v]) - z) - occupancy[v])) }
            guard t > 0 else { break }
            // beta_{t-1}(s) = logsumexp over s' in {s, s+1, s+2 if skip} of lp_t(s') + beta_t(s').
            let lpRow = lp + t * S
            for s in 0..<S {
                let stay = lpRow[s] + beta[s]
                let next = s + 1 < S ? lpRow[s + 1] + beta[s + 1] : -.infinity
                let jump = s + 2 < S && skip[s + 2] ? lpRow[s + 2] + beta[s + 2] : -.infinity
                betaPrev[s] = logSumExp(stay, next, jump)
            }
            swap(&beta, &betaPrev)
        }
        return -logP
    }

    /// Loss and gradient of an utterance whose target cannot be aligned with its frames.
    private func infeasible(frames: Int, frameStride: Int, V: Int, _ gradLogits: UnsafeMutablePointer<Float>?) -> Double {
        if let grad = gradLogits {
            let fill: Float = zeroInfinity ? 0 : .nan
            for t in 0..<frames {
                let row = grad + t * frameStride
                for v in 0..<V { row[v] = fill }
            }
        }
        return zeroInfinity ? 0 : .infinity
    }
}
