// The GRU cell, PyTorch's equations and gate order (r, z, n):
//   r  = σ(W_ir x + b_ir + W_hr h + b_hr)
//   z  = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//   h' = (1 - z) ⊙ n + z ⊙ h
// The matrix products (x W_ihᵀ for all steps at once, h W_hhᵀ per step) are done by the
// caller; these functions do the element-wise part of one time step for rows 0..<n.

/// Forward step. gx (n, 3H): x W_ihᵀ. gh (n, 3H): h W_hhᵀ. hPrev (n, H).
/// h: (n, H) row stride `hStride` (a column slice of the layer output).
/// cache (n, 4H): [r, z, n, W_hn h + b_hn] for backward.
@inline(__always)
func gruForwardStep(rows n: Int, hidden H: Int, gx: UnsafePointer<Float>,
                    gh: UnsafePointer<Float>, bih: UnsafePointer<Float>, bhh: UnsafePointer<Float>,
                    hPrev: UnsafePointer<Float>, h: UnsafeMutablePointer<Float>, hStride: Int,
                    cache: UnsafeMutablePointer<Float>) {
    for b in 0..<n {
        let x = gx + b &* 3 &* H, g = gh + b &* 3 &* H
        let hp = hPrev + b &* H, ho = h + b &* hStride
        let r = cache + b &* 4 &* H, z = r + H, nn = z + H, hn = nn + H
        // 8 units at a time; w < 8 only for the last block when H is not a multiple of 8.
        @inline(__always) func kernel(_ j: Int, _ w: Int) {
            let j1 = H &+ j, j2 = 2 &* H &+ j
            let rj = fastSigmoid(load(x + j, w) + load(bih + j, w) + load(g + j, w) + load(bhh + j, w))
            let zj = fastSigmoid(load(x + j1, w) + load(bih + j1, w) + load(g + j1, w) + load(bhh + j1, w))
            let hnj = load(g + j2, w) + load(bhh + j2, w)
            let nj = fastTanh(load(x + j2, w) + load(bih + j2, w) + rj * hnj)
            store(rj, r + j, w); store(zj, z + j, w); store(nj, nn + j, w); store(hnj, hn + j, w)
            store(nj + zj * (load(hp + j, w) - nj), ho + j, w)
        }
        var j = 0
        while j &+ 8 <= H { kernel(j, 8); j &+= 8 }
        if j < H { kernel(j, H &- j) }
    }
}

/// Backward step. dY (n, H) stride `dyStride`: gradient from the layer's output at this step.
/// hPrev (n, H): the state this step started from.
/// dHrec (n, H): in, the gradient reaching h from the next step; out, the part of the gradient
/// of h_prev that does not go through W_hh (dh ⊙ z; the caller adds dGh W_hh).
/// dGx (n, 3H): gradient of the input pre-activations; dGh (n, 3H): of the hidden ones.
@inline(__always)
func gruBackwardStep(rows n: Int, hidden H: Int, dY: UnsafePointer<Float>, dyStride: Int,
                     dHrec: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>,
                     cache: UnsafePointer<Float>, dGx: UnsafeMutablePointer<Float>, dGh: UnsafeMutablePointer<Float>) {
    for b in 0..<n {
        let dy = dY + b &* dyStride, dhr = dHrec + b &* H, hp = hPrev + b &* H
        let r = cache + b &* 4 &* H, z = r + H, nn = z + H, hn = nn + H
        let gx = dGx + b &* 3 &* H, gh = dGh + b &* 3 &* H
        // 8 units at a time; w < 8 only for the last block when H is not a multiple of 8.
        @inline(__always) func kernel(_ j: Int, _ w: Int) {
            let j1 = H &+ j, j2 = 2 &* H &+ j
            let dh = load(dy + j, w) + load(dhr + j, w)
            let rj = load(r + j, w), zj = load(z + j, w), nj = load(nn + j, w)
            let dnPre = dh * (1 - zj) * (1 - nj * nj)
            let dzPre = dh * (load(hp + j, w) - nj) * zj * (1 - zj)
            let drPre = dnPre * load(hn + j, w) * rj * (1 - rj)
            store(drPre, gx + j, w); store(dzPre, gx + j1, w); store(dnPre, gx + j2, w)
            store(drPre, gh + j, w); store(dzPre, gh + j1, w); store(dnPre * rj, gh + j2, w)
            store(dh * zj, dhr + j, w)
        }
        var j = 0
        while j &+ 8 <= H { kernel(j, 8); j &+= 8 }
        if j < H { kernel(j, H &- j) }
    }
}
