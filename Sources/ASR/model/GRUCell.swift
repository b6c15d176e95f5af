// The GRU cell, PyTorch's equations and gate order (r, z, n):
//   r  = σ(W_ir x + b_ir + W_hr h + b_hr)
//   z  = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//   h' = (1 - z) ⊙ n + z ⊙ h
// The matrix products (x W_ihᵀ for all steps at once, h W_hhᵀ per step) are done by the
// caller; these functions do the element-wise part of one time step for rows 0..<n.

/// Forward step. gx (n, 3H) row stride `gxStride`: x W_ihᵀ. gh (n, 3H): h W_hhᵀ.
/// hPrev, h: (n, H) row stride `hStride`. cache (n, 4H): [r, z, n, W_hn h + b_hn] for backward.
@inline(__always)
func gruForwardStep(rows n: Int, hidden H: Int, gx: UnsafePointer<Float>, gxStride: Int,
                    gh: UnsafePointer<Float>, bih: UnsafePointer<Float>, bhh: UnsafePointer<Float>,
                    hPrev: UnsafePointer<Float>, h: UnsafeMutablePointer<Float>, hStride: Int,
                    cache: UnsafeMutablePointer<Float>) {
    for b in 0..<n {
        let x = gx + b &* gxStride, g = gh + b &* 3 &* H
        let hp = hPrev + b &* hStride, ho = h + b &* hStride
        let r = cache + b &* 4 &* H, z = r + H, nn = z + H, hn = nn + H
        for j in 0..<H {
            let rj = fastSigmoid(x[j] + bih[j] + g[j] + bhh[j])
            let zj = fastSigmoid(x[H &+ j] + bih[H &+ j] + g[H &+ j] + bhh[H &+ j])
            let hnj = g[2 &* H &+ j] + bhh[2 &* H &+ j]
            let nj = fastTanh(x[2 &* H &+ j] + bih[2 &* H &+ j] + rj * hnj)
            r[j] = rj; z[j] = zj; nn[j] = nj; hn[j] = hnj
            ho[j] = nj + zj * (hp[j] - nj)
        }
    }
}

/// Backward step. dY (n, H) stride `dyStride`: gradient from the layer's output at this step.
/// dHrec (n, H): in, the gradient reaching h from the next step; out, the part of the gradient
/// of h_prev that does not go through W_hh (dh ⊙ z; the caller adds dGh W_hh).
/// dGx (n, 3H): gradient of the input pre-activations; dGh (n, 3H): of the hidden ones.
@inline(__always)
func gruBackwardStep(rows n: Int, hidden H: Int, dY: UnsafePointer<Float>, dyStride: Int,
                     dHrec: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>, hStride: Int,
                     cache: UnsafePointer<Float>, dGx: UnsafeMutablePointer<Float>, dGh: UnsafeMutablePointer<Float>) {
    for b in 0..<n {
        let dy = dY + b &* dyStride, dhr = dHrec + b &* H, hp = hPrev + b &* hStride
        let r = cache + b &* 4 &* H, z = r + H, nn = z + H, hn = nn + H
        let gx = dGx + b &* 3 &* H, gh = dGh + b &* 3 &* H
        for j in 0..<H {
            let dh = dy[j] + dhr[j]
            let rj = r[j], zj = z[j], nj = nn[j]
            let dnPre = dh * (1 - zj) * (1 - nj * nj)
            let dzPre = dh * (hp[j] - nj) * zj * (1 - zj)
            let drPre = dnPre * hn[j] * rj * (1 - rj)
            gx[j] = drPre; gx[H &+ j] = dzPre; gx[2 &* H &+ j] = dnPre
            gh[j] = drPre; gh[H &+ j] = dzPre; gh[2 &* H &+ j] = dnPre * rj
            dhr[j] = dh * zj
        }
    }
}
