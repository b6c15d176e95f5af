import COpenBLAS

/// C = alpha · op(A) · op(B) + beta · C with row-major matrices, through OpenBLAS.
/// op(A) is (m, k), op(B) is (k, n), C is (m, n); `lda`, `ldb`, `ldc` are the row strides of
/// A, B and C as stored (so a column slice of a wider matrix works without copying).
@inline(__always)
public func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m > 0 && n > 0 else { return }
    guard k > 0 else {
        // op(A)·op(B) is empty: C = beta·C.
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    if m == 1 {
        // One row (a recurrent step at batch 1: a long file's windows, a live stream): a
        // matrix-vector product. OpenBLAS's sgemm would pack all of B first, on every call,
        // which on its Zen and Haswell kernels took 86% of a long file's time (RESULTS.md).
        // The row of op(A) is A's first row, or A's first column (stride lda) when transposed.
        cblas_sgemv(CblasRowMajor, transB ? CblasNoTrans : CblasTrans, Int32(transB ? n : k), Int32(transB ? k : n),
                    alpha, b, Int32(ldb), a, Int32(transA ? lda : 1), beta, c, 1)
        return
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// OpenBLAS threads. The RNN's matrices are small (32 rows per step): one BLAS thread is
/// faster, and `asr` runs the two directions of a layer, or several files, on threads itself.
public enum BLASThreads {
    /// `n` BLAS threads per call. With 1, OpenBLAS's idle worker threads are also stopped:
    /// started when the library loads, they would spin on sched_yield for about 0.1 s and
    /// take that time from the cores asr's own threads run on (measured in RESULTS.md).
    public static func set(_ n: Int) {
        openblas_set_num_threads(Int32(n))
        if n == 1 { _ = blas_thread_shutdown_() }
    }
}
