/// A ragged batch packed step by step, PyTorch's `PackedSequence` order: the rows of step 0
/// for every sequence, then those of step 1 for the sequences still running, and so on.
/// Sequences are sorted longest first, so step t holds sequences 0..<batchSizes[t], at rows
/// offsets[t] ..< offsets[t] + batchSizes[t]. Only real frames are stored: the recurrent
/// layers never compute, or get gradients from, padding.
public struct PackedLayout: Equatable, Sendable {
    public let T: Int, B: Int
    public let lengths: [Int]
    /// batchSizes[t] = number of sequences longer than t.
    public let batchSizes: [Int]
    /// offsets[t] = first packed row of step t; offsets[T] = rows.
    public let offsets: [Int]
    /// Total frames in the batch.
    public var rows: Int { offsets[T] }

    /// `lengths` sorted longest first, each in 0...T.
    public init(lengths: [Int], T: Int) {
        precondition(zip(lengths, lengths.dropFirst()).allSatisfy { $0 >= $1 }, "lengths must be sorted longest first")
        precondition(lengths.allSatisfy { $0 >= 0 && $0 <= T }, "lengths must be within 0...T")
        self.T = T
        self.B = lengths.count
        self.lengths = lengths
        batchSizes = (0..<T).map { t in lengths.prefix { $0 > t }.count }
        var offsets = [0]
        for size in batchSizes { offsets.append(offsets.last! + size) }
        self.offsets = offsets
    }

    /// (T, B, width) time-major -> (rows, width) packed.
    public func pack(_ padded: UnsafePointer<Float>, width: Int, into packed: UnsafeMutablePointer<Float>) {
        for t in 0..<T {
            (packed + offsets[t] * width).update(from: padded + t * B * width, count: batchSizes[t] * width)
        }
    }

    /// (rows, width) packed -> (T, B, width) time-major, zero on padding frames.
    public func unpack(_ packed: UnsafePointer<Float>, width: Int, into padded: UnsafeMutablePointer<Float>) {
        for t in 0..<T {
            let live = batchSizes[t] * width
            (padded + t * B * width).update(from: packed + offsets[t] * width, count: live)
            (padded + t * B * width + live).update(repeating: 0, count: (B - batchSizes[t]) * width)
        }
    }
}
