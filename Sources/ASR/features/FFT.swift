import CFFTW
import Foundation

/// Power (or magnitude) spectrum of a real frame with FFTW's real-to-complex transform, in
/// double precision: a log mel filterbank spans ~30 nats (10^13 in power) on tones and chirps,
/// and a float32 FFT's rounding floor lands inside that range (torchaudio's float32 and float64
/// results differ by 0.05 there), so the frame path runs in Double and only the output is Float.
///
/// One FFTW plan per length is created for the whole process and shared: plan creation is
/// not thread-safe in FFTW, so it happens under a lock; executing a plan on another pair of
/// buffers (`fftw_execute_dft_r2c`) is thread-safe, so each `PowerSpectrum` owns its own
/// buffers, allocated once with `fftw_malloc` (same alignment as the planning buffers).
final class PowerSpectrum {
    /// FFT length.
    let length: Int
    /// The frame to transform: (length), real. Fill it, then call `compute`.
    let input: UnsafeMutablePointer<Double>
    private let output: UnsafeMutablePointer<fftw_complex>
    private let plan: fftw_plan

    init(length: Int) {
        self.length = length
        input = fftw_alloc_real(length)!
        input.initialize(repeating: 0, count: length)
        output = fftw_alloc_complex(length / 2 + 1)!
        plan = PowerSpectrum.sharedPlan(length: length)
    }

    deinit {
        fftw_free(input)
        fftw_free(output)
    }

    /// Writes |X_k|^2 (or |X_k| when `magnitude`) for k = 0 ... length/2 into `spectrum`.
    func compute(into spectrum: UnsafeMutablePointer<Double>, magnitude: Bool) {
        fftw_execute_dft_r2c(plan, input, output)
        let bins = length / 2 + 1
        let re = UnsafeMutableRawPointer(output).assumingMemoryBound(to: Double.self)
        for k in 0..<bins {
            let a = re[2 &* k], b = re[2 &* k &+ 1]
            spectrum[k] = a * a + b * b
        }
        if magnitude {
            for k in 0..<bins { spectrum[k] = spectrum[k].squareRoot() }
        }
    }

    nonisolated(unsafe) private static var plans: [Int: fftw_plan] = [:]
    /// FFTW plan creation and destruction are not thread-safe: every plan is made under this lock.


    private static func sharedPlan(length: Int) -> fftw_plan {
        FFTWPlans.lock.lock()
        defer { FFTWPlans.lock.unlock() }
        if let plan = plans[length] { return plan }
        let scratchIn = fftw_alloc_real(length)!
        let scratchOut = fftw_alloc_complex(length / 2 + 1)!
        defer { fftw_free(scratchIn); fftw_free(scratchOut) }
        // FFTW_ESTIMATE: planning takes microseconds and the plan (so every result) is the same
        // on every run; FFTW_MEASURE would be ~25% faster per frame but costs 100+ ms to plan.
        let plan = fftw_plan_dft_r2c_1d(Int32(length), scratchIn, scratchOut, UInt32(FFTW_ESTIMATE))!
        plans[length] = plan
        return plan
    }

    /// FFTW's version string, e.g. "fftw-3.3.10-sse2-avx".
    static var fftwVersion: String { String(cString: asr_fftw_version()) }
}
