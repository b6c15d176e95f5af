// Fast tanh and sigmoid for the gate loops: the 13/6-degree rational interpolant Eigen uses
// (accurate to a few float ulps; inputs clamped to ±7.9053, where tanh rounds to ±1 in float).
// Written as plain scalar code with no branches so the loops that call it auto-vectorise.

@inline(__always)
public func fastTanh(_ a: Float) -> Float {
    let x = max(min(a, 7.90531110763549805), -7.90531110763549805)
    let x2 = x * x
    var p: Float = -2.76076847742355e-16
    p = p * x2 + 2.00018790482477e-13
    p = p * x2 - 8.60467152213735e-11
    p = p * x2 + 5.12229709037114e-08
    p = p * x2 + 1.48572235717979e-05
    p = p * x2 + 6.37261928875436e-04
    p = p * x2 + 4.89352455891786e-03
    var q: Float = 1.19825839466702e-06
    q = q * x2 + 1.18534705686654e-04
    q = q * x2 + 2.26843463243900e-03
    q = q * x2 + 4.89352518554385e-03
    return x * p / q
}

/// σ(x) = (1 + tanh(x/2)) / 2.
@inline(__always)
public func fastSigmoid(_ x: Float) -> Float {
    0.5 + 0.5 * fastTanh(0.5 * x)
}
