// The LSTM cell, PyTorch's equations and gate order (i, f, g, o):
//   i = σ(W_ii x + b_ii + W_hi h + b_hi)     f = σ(W_if x + b_if + W_hf h + b_hf)
//   g = tanh(W_ig x + b_ig + W_hg h + b_hg)  o = σ(W_io x + b_io + W_ho h + b_ho)
//   c' = f ⊙ c + i ⊙ g                       h' = o ⊙ tanh(c')
// As for the GRU, the caller does the matrix products; these are one step's element-wise
// part for rows 0..<n.

/// Forward step. gx (n, 4H): x W_ihᵀ. gh (n, 4H): h W_hhᵀ.
/// cPrev, c, tanhC: (n, H) contiguous. h: (n, H) stride `hStride`.
/// cache (n, 4H): the activated gates [i, f, g, o] for backward.
@inline(__always)
func lstmForwardStep(rows n: Int, hidden H: Int, gx: UnsafePointer<Float>,
                     gh: UnsafePointer<Float>, bih: UnsafePointer<Float>, bhh: UnsafePointer<Float>,
                     cPrev: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>,
                     h: UnsafeMutablePointer<Float>, hStride: Int, cache: UnsafeMutablePointer<Float>) {
    for b in 0..<n {
        let x = gx + b &* 4 &* H, g = gh + b &* 4 &* H
        let cp = cPrev + b &* H, co = c + b &* H, tc = tanhC + b &* H, ho = h + b &* hStride
        let gi = cache + b &* 4 &* H, gf = gi + H, gg = gf + H, go = gg + H
        // 8 units at a time; w < 8 only for the last block when H is not a multiple of 8.
        @inline(__always) func kernel(_ j: Int, _ w: Int) {
            let j1 = H &+ j, j2 = 2 &* H &+ j, j3 = 3 &* H &+ j
            let ij = fastSigmoid(load(x + j, w) + load(g + j, w) + load(bih + j, w) + load(bhh + j, w))
            let fj = fastSigmoid(load(x + j1, w) + load(g + j1, w) + load(bih + j1, w) + load(bhh + j1, w))
            let gj = fastTanh(load(x + j2, w) + load(g + j2, w) + load(bih + j2, w) + load(bhh + j2, w))
            let oj = fastSigmoid(load(x + j3, w) + load(g + j3, w) + load(bih + j3, w) + load(bhh + j3, w))
            let cj = fj * load(cp + j, w) + ij * gj
            let tcj = fastTanh(cj)
            store(ij, gi + j, w); store(fj, gf + j, w); store(gj, gg + j, w); store(oj, go + j, w)
            store(cj, co + j, w); store(tcj, tc + j, w)
            store(oj * tcj, ho + j, w)
        }
        var j = 0
        while j &+ 8 <= H { kernel(j, 8); j &+= 8 }
        if j < H { kernel(j, H &- j) }
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
        // 8 units at a time; w < 8 only for the last block when H is not a multiple of 8.
        @inline(__always) func kernel(_ j: Int, _ w: Int) {
            let dh = load(dy + j, w) + load(dhr + j, w)
            let ij = load(gi + j, w), fj = load(gf + j, w), gj = load(gg + j, w), oj = load(go + j, w)
            let tcj = load(tc + j, w)
            let dc = load(dcr + j, w) + dh * oj * (1 - tcj * tcj)
            store(dc * gj * ij * (1 - ij), d + j, w)
            store(dc * load(cp + j, w) * fj * (1 - fj), d + (H &+ j), w)
            store(dc * ij * (1 - gj * gj), d + (2 &* H &+ j), w)
            store(dh * tcj * oj * (1 - oj), d + (3 &* H &+ j), w)
            store(dc * fj, dcr + j, w)
        }
        var j = 0
        while j &+ 8 <= H { kernel(j, 8); j &+= 8 }
        if j < H { kernel(j, H &- j) }
    }
}
