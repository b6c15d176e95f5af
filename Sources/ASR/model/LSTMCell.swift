// The LSTM cell, PyTorch's equations and gate order (i, f, g, o):
//   i = σ(W_ii x + b_ii + W_hi h + b_hi)     f = σ(W_if x + b_if + W_hf h + b_hf)
//   g = tanh(W_ig x + b_ig + W_hg h + b_hg)  o = σ(W_io x + b_io + W_ho h + b_ho)
//   c' = f ⊙ c + i ⊙ g                       h' = o ⊙ tanh(c')
// As for the GRU, the caller does the matrix products; these are one step's element-wise
// part for rows 0..<n.

/// Forward step. gx (n, 4H) stride `gxStride`: x W_ihᵀ. gh (n, 4H): h W_hhᵀ.
/// cPrev, c, tanhC: (n, H) contiguous. hPrev, h: (n, H) stride `hStride`.
/// cache (n, 4H): the activated gates [i, f, g, o] for backward.
@inline(__always)
func lstmForwardStep(rows n: Int, hidden H: Int, gx: UnsafePointer<Float>, gxStride: Int,
                     gh: UnsafePointer<Float>, bih: UnsafePointer<Float>, bhh: UnsafePointer<Float>,
                     cPrev: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>,
                     h: UnsafeMutablePointer<Float>, hStride: Int, cache: UnsafeMutablePointer<Float>) {
    for b in 0..<n {
        let x = gx + b &* gxStride, g = gh + b &* 4 &* H
        let cp = cPrev + b &* H, co = c + b &* H, tc = tanhC + b &* H, ho = h + b &* hStride
        let gi = cache + b &* 4 &* H, gf = gi + H, gg = gf + H, go = gg + H
        for j in 0..<H {
            let ij = fastSigmoid(x[j] + g[j] + bih[j] + bhh[j])
            let fj = fastSigmoid(x[H &+ j] + g[H &+ j] + bih[H &+ j] + bhh[H &+ j])
            let gj = fastTanh(x[2 &* H &+ j] + g[2 &* H &+ j] + bih[2 &* H &+ j] + bhh[2 &* H &+ j])
            let oj = fastSigmoid(x[3 &* H &+ j] + g[3 &* H &+ j] + bih[3 &* H &+ j] + bhh[3 &* H &+ j])
            let cj = fj * cp[j] + ij * gj
            let tcj = fastTanh(cj)
            gi[j] = ij; gf[j] = fj; gg[j] = gj; go[j] = oj
            co[j] = cj; tc[j] = tcj
            ho[j] = oj * tcj
        }
    }
}

/// Backward step. dY (n, H) stride `dyStride`: gradient from the layer's output.
/// dHrec (n, H): in, the gradient reaching h from the next step (the caller then overwrites it
/// with dG W_hh). dCrec (n, H): in, the gradient reaching c from the next step; out, the
/// gradient of c_prev. dG (n, 4H): gradient of the gate pre-activations (input and hidden alike).
@inline(__always)
func lstmBackwardStep(rows n: Int, hidden H: Int, dY: UnsafePointer<Float>, dyStride: Int,
                      dHrec: UnsafePointer<Float>, dCrec: UnsafeMutablePointer<Float>,
                      cPrev: UnsafePointer<Float>, tanhC: UnsafePointer<Float>,
                      cache: UnsafePointer<Float>, dG: UnsafeMutablePointer<Float>) {
    for b in 0..<n {
        let dy = dY + b &* dyStride, dhr = dHrec + b &* H, dcr = dCrec + b &* H
        let cp = cPrev + b &* H, tc = tanhC + b &* H
        let gi = cache + b &* 4 &* H, gf = gi + H, gg = gf + H, go = gg + H
        let d = dG + b &* 4 &* H
        for j in 0..<H {
            let dh = dy[j] + dhr[j]
            let ij = gi[j], fj = gf[j], gj = gg[j], oj = go[j], tcj = tc[j]
            let dc = dcr[j] + dh * oj * (1 - tcj * tcj)
            d[j] = dc * gj * ij * (1 - ij)
            d[H &+ j] = dc * cp[j] * fj * (1 - fj)
            d[2 &* H &+ j] = dc * ij * (1 - gj * gj)
            d[3 &* H &+ j] = dh * tcj * oj * (1 - oj)
            dcr[j] = dc * fj
        }
    }
}
