/// Kaldi's `DeltaFeatures` (`add-deltas`): appends delta coefficients up to `order`.
///
/// The order-1 filter is j / (2 Σ_{k=1..w} k²) for j = -w ... w; the order-k filter is the
/// order-(k-1) filter convolved with it. Every order is applied to the original features,
/// with frame indices clamped to [0, T) (the first and last frames repeated).
/// Output: (T, D × (order + 1)) = [x, Δx, ΔΔx, ...].
public func addDeltas(_ features: FeatureMatrix, order: Int = 2, window: Int = 2) -> FeatureMatrix {
    guard order > 0 else { return features }
    let filters = deltaFilters(order: order, window: window)
    let t = features.rows, d = features.cols, outCols = d * (order + 1)
    var out = FeatureMatrix(rows: t, cols: outCols)
    guard t > 0 else { return out }
    features.data.withUnsafeBufferPointer { x in
        out.data.withUnsafeMutableBufferPointer { y in
            for frame in 0..<t {
                let dst = y.baseAddress! + frame * outCols
                for i in 0..<d { dst[i] = x[frame * d + i] }
                for k in 1...order {
                    let filter = filters[k]
                    let half = filter.count / 2
                    let block = dst + k * d
                    for i in 0..<d { block[i] = 0 }
                    for (j, weight) in filter.enumerated() where weight != 0 {
                        let source = min(max(frame + j - half, 0), t - 1)
                        let row = x.baseAddress! + source * d
                        for i in 0..<d { block[i] += weight * row[i] }
                    }
                }
            }
        }
    }
    return out
}

/// filters[k] has 2·k·window + 1 taps, centred.
func deltaFilters(order: Int, window: Int) -> [[Float]] {
    var filters: [[Double]] = [[1]]
    let norm = Double((1...window).reduce(0) { $0 + $1 * $1 } * 2)
    for _ in 0..<order {
        let previous = filters.last!
        var next = [Double](repeating: 0, count: previous.count + 2 * window)
        for (i, p) in previous.enumerated() {
            for j in -window...window { next[i + j + window] += p * Double(j) / norm }
        }
        filters.append(next)
    }
    return filters.map { $0.map(Float.init) }
}
