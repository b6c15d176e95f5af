import CFFTW
import Foundation

/// The full linear convolution of `x` and `h` (length x.count + h.count - 1), through FFTW:
/// both zero-padded to a power of two, multiplied as spectra, transformed back.
func fftConvolve(_ x: [Float], _ h: [Float]) -> [Float] {
    let outLength = x.count + h.count - 1
    var n = 1
    while n < outLength { n <<= 1 }
    let bins = n / 2 + 1
    let a = fftw_alloc_real(n)!, b = fftw_alloc_real(n)!
    let fa = fftw_alloc_complex(bins)!, fb = fftw_alloc_complex(bins)!
    defer { fftw_free(a); fftw_free(b); fftw_free(fa); fftw_free(fb) }
    // Plan creation and destruction are not thread-safe; execution with distinct buffers is.
    FFTWPlans.lock.lock()
    let forward = fftw_plan_dft_r2c_1d(Int32(n), a, fa, UInt32(FFTW_ESTIMATE))!
    let backward = fftw_plan_dft_c2r_1d(Int32(n), fa, a, UInt32(FFTW_ESTIMATE))!
    FFTWPlans.lock.unlock()
    defer {
        FFTWPlans.lock.lock()
        fftw_destroy_plan(forward)
        fftw_destroy_plan(backward)
        FFTWPlans.lock.unlock()
    }
    for i in 0..<n {
        a[i] = i < x.count ? Double(x[i]) : 0
        b[i] = i < h.count ? Double(h[i]) : 0
    }
    fftw_execute_dft_r2c(forward, a, fa)
    fftw_execute_dft_r2c(forward, b, fb)
    // fftw_complex is a (re, im) pair of Doubles.
    let p = UnsafeMutableRawPointer(fa).assumingMemoryBound(to: Double.self)
    let q = UnsafeMutableRawPointer(fb).assumingMemoryBound(to: Double.self)
    for k in 0..<bins {
        let re = p[2 * k] * q[2 * k] - p[2 * k + 1] * q[2 * k + 1]
        let im = p[2 * k] * q[2 * k + 1] + p[2 * k + 1] * q[2 * k]
        p[2 * k] = re
        p[2 * k + 1] = im
    }
    fftw_execute_dft_c2r(backward, fa, a)
    return (0..<outLength).map { Float(a[$0] / Double(n)) }   // FFTW's inverse is unnormalised
}

/// FFTW's plan creation and destruction are not thread-safe: every plan of the process, the
/// features' and the convolutions', is made and destroyed under this lock.
enum FFTWPlans {
    static let lock = NSLock()
}
