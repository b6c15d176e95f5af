import Testing
@testable import ASR

/// `sgemm` against a plain triple loop, for every transpose, with strides wider than the
/// matrices, at one row (the matrix-vector path) and at several.
@Test(arguments: [1, 3], [false, true])
func sgemmMatchesALoop(m: Int, transA: Bool) {
    let n = 5, k = 7, lda = transA ? m + 2 : k + 1, ldb = 9, ldc = n + 3
    for transB in [false, true] {
        // op(A) is (m, k), op(B) is (k, n); stored transposed when trans*.
        let a = (0..<(transA ? k * lda : m * lda)).map { Float($0 % 11) - 5 }
        let b = (0..<(transB ? n * ldb : k * ldb)).map { Float($0 % 7) - 3 }
        var c = [Float](repeating: 2, count: m * ldc)
        let alpha: Float = 0.5, beta: Float = 0.25
        var expected = c
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += x * y
                }
                expected[i * ldc + j] = alpha * sum + beta * c[i * ldc + j]
            }
        }
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
              beta: beta, c: &c, ldc: ldc)
        for i in 0..<m {
            for j in 0..<n { #expect(abs(c[i * ldc + j] - expected[i * ldc + j]) < 1e-4, "m \(m) transA \(transA) transB \(transB) (\(i), \(j))") }
        }
        // Padding between rows is left alone.
        for i in 0..<m { for j in n..<ldc { #expect(c[i * ldc + j] == 2) } }
    }
}
