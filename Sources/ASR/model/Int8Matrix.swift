import CDNNL

// Quantized inference (`asr quantize`): the weight matrices of a model in int8 with one scale
// per row, PyTorch's per-channel symmetric weight quantization, and the activations quantized
// on the fly (dynamic quantization, as torch.ao.quantization.quantize_dynamic does). The
// products run through oneDNN's u8 x s8 -> s32 GEMM.
//
// Activations use 7 bits (0...127), PyTorch's `reduce_range` on x86: without AVX-512 VNNI the
// int8 kernels add pairs of u8 x s8 products in 16 bits (vpmaddubsw), which saturates beyond
// 127 x 127 x 2. With 7 bits no sum can saturate, whatever the CPU.

/// A weight matrix W (rows, cols) as int8 values with one scale per row:
/// W[r, c] ≈ scales[r] · values[r, c], values in -127...127, scales[r] = max_c |W[r, c]| / 127.
public struct Int8Matrix: Sendable, Equatable {
    public let rows: Int, cols: Int
    /// (rows, cols) row-major.
    public let values: [Int8]
    /// (rows)
    public let scales: [Float]

    /// Quantizes a float matrix (rows, cols) row-major.
    public init(quantizing w: [Float], rows: Int, cols: Int) {
        precondition(w.count == rows * cols, "Int8Matrix: \(w.count) values for \(rows) x \(cols)")
        var values = [Int8](repeating: 0, count: rows * cols)
        var scales = [Float](repeating: 1, count: rows)
        for r in 0..<rows {
            let row = w[(r * cols)..<((r + 1) * cols)]
            let largest = row.reduce(0) { max($0, abs($1)) }
            // An all-zero row keeps scale 1 (any scale represents it exactly).
            let scale = largest > 0 ? largest / 127 : 1
            scales[r] = scale
            for (c, v) in row.enumerated() {
                values[r * cols + c] = Int8(max(-127, min(127, (v / scale).rounded(.toNearestOrEven))))
            }
        }
        self.init(rows: rows, cols: cols, values: values, scales: scales)
    }

    public init(rows: Int, cols: Int, values: [Int8], scales: [Float]) {
        precondition(values.count == rows * cols && scales.count == rows)
        self.rows = rows
        self.cols = cols
        self.values = values
        self.scales = scales
    }

    /// The float matrix these values stand for (rows, cols).
    public func dequantized() -> [Float] {
        var w = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols { w[r * cols + c] = scales[r] * Float(values[r * cols + c]) }
        }
        return w
    }

    /// y (n, rows) = x (n, cols) Wᵀ, plus y's old values when `accumulate` (a bias put there
    /// first). x (row stride `ldx`) is mapped to 0...127 by one scale and zero point, from its
    /// own minimum and maximum or from `range` when its values are known to lie there (the
    /// recurrent state, in [-1, 1]).
    func multiply(_ x: UnsafePointer<Float>, rows n: Int, ldx: Int, into y: UnsafeMutablePointer<Float>, ldy: Int,
                  accumulate: Bool, range: ClosedRange<Float>? = nil, scratch: Int8Scratch) {
        guard n > 0 else { return }
        // oneDNN would start OpenMP threads of its own in each call; asr runs its own threads
        // (the directions, the jobs), so each asks for one. OpenMP keeps this per thread.
        omp_set_num_threads(1)
        let K = cols, M = rows
        // The affine map x ≈ scale · (q - zero), with 0 exactly representable.
        var lo: Float = 0, hi: Float = 0
        if let range {
            lo = min(range.lowerBound, 0); hi = max(range.upperBound, 0)
        } else {
            for i in 0..<n { extremes(x + i * ldx, count: K, lo: &lo, hi: &hi) }
        }
        let levels: Float = 127
        let scale = hi > lo ? (hi - lo) / levels : 1
        let zero = max(0, min(levels, (-lo / scale).rounded(.toNearestOrEven)))
        let q = scratch.bytes(n * K), acc = scratch.ints(n * M)
        let inverse = 1 / scale
        for i in 0..<n { quantizeRow(x + i * ldx, into: q + i * K, count: K, inverse: inverse, zero: zero, levels: levels) }
        // acc = (q - zero) · valuesᵀ, row-major (oneDNN's convention).
        var noOffset: Int32 = 0
        let status = values.withUnsafeBufferPointer { w in
            dnnl_gemm_u8s8s32(CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "T")), CChar(UInt8(ascii: "F")),
                              Int64(n), Int64(M), Int64(K), 1, q, Int64(K), UInt8(zero), w.baseAddress!, Int64(K), 0,
                              0, acc, Int64(M), &noOffset)
        }
        precondition(status == dnnl_success, "oneDNN int8 GEMM failed (status \(status.rawValue))")
        // y = scale · scales[j] · acc (+ y).
        scales.withUnsafeBufferPointer { s in
            let rowScale = scratch.floats(M)
            for j in 0..<M { rowScale[j] = scale * s[j] }
            for i in 0..<n {
                let a = acc + i * M, out = y + i * ldy
                if accumulate {
                    for j in 0..<M { out[j] += rowScale[j] * Float(a[j]) }
                } else {
                    for j in 0..<M { out[j] = rowScale[j] * Float(a[j]) }
                }
            }
        }
    }
}

// The activations' passes. Written so that they vectorize: the scalar forms would not (a float
// to integer conversion checks its range; a min/max reduction keeps NaN rules).

/// lo = min(lo, x[0..<count]), hi = max(hi, x[0..<count]), 8 lanes at a time.
@inline(__always)
private func extremes(_ x: UnsafePointer<Float>, count: Int, lo: inout Float, hi: inout Float) {
    var vlo = Vec(repeating: lo), vhi = Vec(repeating: hi)
    var k = 0
    while k &+ 8 <= count {
        let v = load(x + k, 8)
        vlo = vlo.replacing(with: v, where: v .< vlo)
        vhi = vhi.replacing(with: v, where: v .> vhi)
        k &+= 8
    }
    lo = vlo.min(); hi = vhi.max()
    while k < count { lo = min(lo, x[k]); hi = max(hi, x[k]); k &+= 1 }
}

/// q[k] = round(x[k] · inverse + zero) clamped to 0...levels, for k < count. Adding 1.5 · 2²³
/// to a float in [0, 2²²] leaves its nearest integer (ties to even) in the low mantissa bits.
@inline(__always)
private func quantizeRow(_ x: UnsafePointer<Float>, into q: UnsafeMutablePointer<UInt8>, count: Int,
                         inverse: Float, zero: Float, levels: Float) {
    let magic: Float = 12_582_912
    for k in 0..<count {
        let v = max(0, min(levels, x[k] * inverse + zero))
        q[k] = UInt8(truncatingIfNeeded: (v + magic).bitPattern)
    }
}

/// One thread's buffers for quantized products, grown as needed and reused.
final class Int8Scratch {
    private let byteBuffer = GrowingBuffer<UInt8>(), intBuffer = GrowingBuffer<Int32>()
    private let floatBuffer = Buffer()

    func bytes(_ count: Int) -> UnsafeMutablePointer<UInt8> { byteBuffer.reserve(count) }
    func ints(_ count: Int) -> UnsafeMutablePointer<Int32> { intBuffer.reserve(count) }
    func floats(_ count: Int) -> UnsafeMutablePointer<Float> { floatBuffer.reserve(count) }
}

/// Uninitialized room for `count` values of a plain type, reallocated only to grow.
private final class GrowingBuffer<Element: BitwiseCopyable> {
    private var pointer = UnsafeMutablePointer<Element>.allocate(capacity: 1), capacity = 1

    deinit { pointer.deallocate() }

    func reserve(_ count: Int) -> UnsafeMutablePointer<Element> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: count)
        }
        return pointer
    }
}
