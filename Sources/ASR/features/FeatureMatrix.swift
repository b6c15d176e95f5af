/// Features of one utterance: `rows` frames of `cols` values, row-major and contiguous.
/// Shape (T, D): `data[t * cols + d]` is dimension d of frame t.
public struct FeatureMatrix: Equatable, Sendable {
    public var rows: Int
    public var cols: Int
    public var data: [Float]

    public init(rows: Int, cols: Int, data: [Float]) {
        precondition(data.count == rows * cols, "FeatureMatrix: \(data.count) values for shape (\(rows), \(cols))")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    public init(rows: Int, cols: Int) {
        self.init(rows: rows, cols: cols, data: [Float](repeating: 0, count: rows * cols))
    }

    public subscript(row: Int, col: Int) -> Float {
        get { data[row * cols + col] }
        set { data[row * cols + col] = newValue }
    }

    /// One frame.
    public func row(_ t: Int) -> ArraySlice<Float> { data[(t * cols)..<((t + 1) * cols)] }

    /// Smallest, mean and largest value over all entries (0s for an empty matrix).
    public var summary: (min: Float, mean: Float, max: Float) {
        guard !data.isEmpty else { return (0, 0, 0) }
        var lo = Float.infinity, hi = -Float.infinity
        var sum = 0.0
        for v in data {
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
            sum += Double(v)
        }
        return (lo, Float(sum / Double(data.count)), hi)
    }
}
