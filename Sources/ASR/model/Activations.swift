import Foundation
#if ASR_AVX
import _Builtin_intrinsics.intel
#endif

// Fast tanh and sigmoid for the gate loops: the 13/6-degree rational interpolant Eigen uses
// (accurate to a few float ulps; inputs clamped to ±7.9053, where tanh rounds to ±1 in float).
// The gate loops work on 8 lanes at a time (`Vec`); scalar versions serve everything else.

/// Eight floats: one AVX register. The gate loops load and store through `load`/`store`.
typealias Vec = SIMD8<Float>

private let tanhClamp: Float = 7.90531110763549805

@inline(__always)
public func fastTanh(_ a: Float) -> Float {
    let x = max(min(a, tanhClamp), -tanhClamp)
    let x2 = x * x
    return x * tanhNumerator(x2) / tanhDenominator(x2)
}

/// σ(x) = (1 + tanh(x/2)) / 2.
@inline(__always)
public func fastSigmoid(_ x: Float) -> Float { 0.5 + 0.5 * fastTanh(0.5 * x) }

@inline(__always)
func fastTanh(_ a: Vec) -> Vec {
    // `replacing(with:where:)` compiles to a blend; pointwiseMin/Max would go lane by lane.
    var x = a.replacing(with: tanhClamp, where: a .> tanhClamp)
    x = x.replacing(with: -tanhClamp, where: x .< -tanhClamp)
    let x2 = x * x
    return x * tanhNumerator(x2) / tanhDenominator(x2)
}

@inline(__always)
func fastSigmoid(_ x: Vec) -> Vec { 0.5 + 0.5 * fastTanh(0.5 * x) }

@inline(__always)
private func tanhNumerator<T: SIMD>(_ x2: T) -> T where T.Scalar == Float {
    var p = T(repeating: -2.76076847742355e-16)
    p = p * x2 + 2.00018790482477e-13
    p = p * x2 - 8.60467152213735e-11
    p = p * x2 + 5.12229709037114e-08
    p = p * x2 + 1.48572235717979e-05
    p = p * x2 + 6.37261928875436e-04
    return p * x2 + 4.89352455891786e-03
}

@inline(__always)
private func tanhDenominator<T: SIMD>(_ x2: T) -> T where T.Scalar == Float {
    var q = T(repeating: 1.19825839466702e-06)
    q = q * x2 + 1.18534705686654e-04
    q = q * x2 + 2.26843463243900e-03
    return q * x2 + 4.89352518554385e-03
}

@inline(__always)
private func tanhNumerator(_ x2: Float) -> Float { tanhNumerator(SIMD2(repeating: x2))[0] }
@inline(__always)
private func tanhDenominator(_ x2: Float) -> Float { tanhDenominator(SIMD2(repeating: x2))[0] }

/// Lanes j ..< j + n of p (n <= 8; missing lanes are 0).
@inline(__always)
func load(_ p: UnsafePointer<Float>, _ n: Int) -> Vec {
    if n == 8 {
        // Swift's loadUnaligned (and SIMD8's halves) are not inlined here: a call per load.
        // With AVX, the intrinsic is one instruction.
        #if ASR_AVX
        return unsafeBitCast(_mm256_loadu_ps(p), to: Vec.self)
        #else
        return UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
        #endif
    }
    var v = Vec()
    for i in 0..<n { v[i] = p[i] }
    return v
}

/// Writes the first n lanes of v to p.
@inline(__always)
func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    if n == 8 {
        #if ASR_AVX
        _mm256_storeu_ps(p, unsafeBitCast(v, to: __m256.self))
        #else
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
        #endif
        return
    }
    for i in 0..<n { p[i] = v[i] }
}

/// Log-softmax of each row of a (rows, cols) matrix, in place.
public func logSoftmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
    for r in 0..<rows {
        let row = x + r * cols
        var m = -Float.infinity
        for j in 0..<cols { m = max(m, row[j]) }
        var sum: Float = 0
        for j in 0..<cols { sum += expf(row[j] - m) }
        let logZ = m + logf(sum)
        for j in 0..<cols { row[j] -= logZ }
    }
}
