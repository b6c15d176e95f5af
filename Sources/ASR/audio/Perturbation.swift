import Foundation

/// Ways to change a recording: for augmentation in training and for the robustness test sets
/// of `asr evaluate`. All take and return mono samples in [-1, 1] at `sampleRate`, and draw
/// any randomness from the `SeededRandom` they are given, so the same seed gives the same
/// result.
public enum Perturbation {
    /// Colours of generated noise: white (flat), pink (-3 dB per octave, like many real
    /// noises), brown (-6 dB per octave, rumble).
    public enum NoiseColor: String, Codable, Sendable, CaseIterable { case white, pink, brown }

    /// `count` samples of noise of `color` with unit RMS.
    public static func noise(count: Int, color: NoiseColor, rng: inout SeededRandom) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        // Pink: Paul Kellet's economy filter over white noise; brown: leaky integration.
        var b0 = 0.0, b1 = 0.0, b2 = 0.0, brown = 0.0
        for i in 0..<count {
            let white = Double(rng.uniform()) * 2 - 1
            switch color {
            case .white: out[i] = Float(white)
            case .pink:
                b0 = 0.99765 * b0 + white * 0.0990460
                b1 = 0.96300 * b1 + white * 0.2965164
                b2 = 0.57000 * b2 + white * 1.0526913
                out[i] = Float(b0 + b1 + b2 + white * 0.1848)
            case .brown:
                brown = 0.995 * brown + 0.1 * white
                out[i] = Float(brown)
            }
        }
        let rms = sqrt(out.reduce(0) { $0 + Double($1) * Double($1) } / Double(max(count, 1)))
        if rms > 0 { for i in out.indices { out[i] = Float(Double(out[i]) / rms) } }
        return out
    }

    /// Mean power of the 10 ms blocks of `x` within 30 dB of its loudest block: the speech,
    /// not the pauses, so that an SNR means the same for a trimmed word and for a word with
    /// silence around it.
    public static func speechPower(_ x: [Float], sampleRate: Int) -> Double {
        let block = max(1, sampleRate / 100)
        let powers: [Double] = stride(from: 0, to: x.count, by: block).map { start in
            let end = min(x.count, start + block)
            return x[start..<end].reduce(0) { $0 + Double($1) * Double($1) } / Double(end - start)
        }
        guard let loudest = powers.max(), loudest > 0 else { return 0 }
        let speech = powers.filter { $0 >= loudest / 1000 }
        return speech.reduce(0, +) / Double(speech.count)
    }

    /// `x` + `noise` (tiled or cut to length) scaled to `snrDB` below the speech power of `x`.
    public static func addNoise(_ x: [Float], snrDB: Double, noise: [Float], sampleRate: Int) -> [Float] {
        guard !noise.isEmpty else { return x }
        let noisePower = noise.reduce(0) { $0 + Double($1) * Double($1) } / Double(noise.count)
        guard noisePower > 0 else { return x }
        let scale = Float(sqrt(speechPower(x, sampleRate: sampleRate) / noisePower / pow(10, snrDB / 10)))
        return x.enumerated().map { i, v in v + scale * noise[i % noise.count] }
    }

    /// `leading` and `trailing` seconds of noise at `levelDB` dBFS (RMS) around `x`: a
    /// recording that was not trimmed to the word.
    public static func pad(_ x: [Float], leading: Double, trailing: Double, levelDB: Double, sampleRate: Int,
                           rng: inout SeededRandom) -> [Float] {
        let before = Int(leading * Double(sampleRate)), after = Int(trailing * Double(sampleRate))
        let level = Float(pow(10, levelDB / 20))
        let n = noise(count: before + after, color: .pink, rng: &rng).map { $0 * level }
        return Array(n[..<before]) + x + Array(n[before...])
    }

    /// `x` played `factor` times as fast (and higher in pitch), as Kaldi's speed perturbation
    /// does: resampled by 1/factor with libsamplerate, kept at `sampleRate`. Training passes
    /// `.mediumSinc` (90% of the band kept, about 3 times faster than the best converter: 1.3
    /// against 4.2 ms for a 0.4 s word at 8 kHz), as the data thread must keep up with the trainer.
    public static func speed(_ x: [Float], factor: Double, sampleRate: Int,
                             quality: Resampler.Quality = .bestSinc) throws -> [Float] {
        guard factor != 1 else { return x }
        let virtualRate = Int((Double(sampleRate) * factor).rounded())
        return try Resampler(from: virtualRate, to: sampleRate, quality: quality).process(x, endOfInput: true)
    }

    /// A telephone line: band-pass 300-3400 Hz (two 2nd-order high-passes and two low-passes),
    /// 8 kHz, and G.711 mu-law (through libsndfile), then back to `sampleRate`.
    public static func telephone(_ x: [Float], sampleRate: Int) throws -> [Float] {
        var y = x
        for _ in 0..<2 {
            y = Biquad.highPass(cutoff: 300, sampleRate: sampleRate).run(y)
            y = Biquad.lowPass(cutoff: min(3400, 0.45 * Double(sampleRate)), sampleRate: sampleRate).run(y)
        }
        if sampleRate != 8000 { y = try Resampler(from: sampleRate, to: 8000).process(y, endOfInput: true) }
        y = try muLawRoundTrip(y)
        if sampleRate != 8000 { y = try Resampler(from: 8000, to: sampleRate).process(y, endOfInput: true) }
        return y
    }

    /// `x` (at 8 kHz) written as an 8-bit G.711 mu-law WAV by libsndfile and read back.
    public static func muLawRoundTrip(_ x: [Float]) throws -> [Float] {
        let path = NSTemporaryDirectory() + "/asr-mulaw-\(getpid())-\(UUID().uuidString).wav"
        defer { unlink(path) }
        try AudioWriter.write(x, to: path, sampleRate: 8000, encoding: .ulaw)
        return try AudioReader.read(path).samples
    }

    /// A synthetic room impulse response: the direct sound, then exponentially decaying noise
    /// that falls by 60 dB in `rt60` seconds (the classic statistical model of a room's tail).
    public static func roomImpulseResponse(rt60: Double, sampleRate: Int, rng: inout SeededRandom) -> [Float] {
        let length = max(1, Int(rt60 * Double(sampleRate)))
        let tail = noise(count: length, color: .white, rng: &rng)
        let decay = log(1000.0) / (rt60 * Double(sampleRate))   // amplitude -60 dB at rt60
        var h = (0..<length).map { i in Float(exp(-decay * Double(i))) * tail[i] * 0.3 }
        h[0] = 1
        let energy = sqrt(h.reduce(0) { $0 + Double($1) * Double($1) })
        return h.map { Float(Double($0) / energy) }
    }

    /// `x` convolved with `h` (cut to the length of `x`), through FFTW, then scaled back to the
    /// peak level of `x`.
    public static func reverberate(_ x: [Float], impulseResponse h: [Float]) -> [Float] {
        guard !x.isEmpty, !h.isEmpty else { return x }
        var y = fftConvolve(x, h)
        y.removeLast(y.count - x.count)
        let peakIn = x.map { abs($0) }.max() ?? 0, peakOut = y.map { abs($0) }.max() ?? 0
        if peakOut > 0 { let g = peakIn / peakOut; for i in y.indices { y[i] *= g } }
        return y
    }
}

/// A second-order IIR section (RBJ's audio EQ cookbook), direct form I.
struct Biquad {
    let b0, b1, b2, a1, a2: Double

    static func lowPass(cutoff: Double, sampleRate: Int, q: Double = 1 / 2.0.squareRoot()) -> Biquad {
        let w = 2 * Double.pi * cutoff / Double(sampleRate), alpha = sin(w) / (2 * q), c = cos(w), a0 = 1 + alpha
        return Biquad(b0: (1 - c) / 2 / a0, b1: (1 - c) / a0, b2: (1 - c) / 2 / a0, a1: -2 * c / a0, a2: (1 - alpha) / a0)
    }

    static func highPass(cutoff: Double, sampleRate: Int, q: Double = 1 / 2.0.squareRoot()) -> Biquad {
        let w = 2 * Double.pi * cutoff / Double(sampleRate), alpha = sin(w) / (2 * q), c = cos(w), a0 = 1 + alpha
        return Biquad(b0: (1 + c) / 2 / a0, b1: -(1 + c) / a0, b2: (1 + c) / 2 / a0, a1: -2 * c / a0, a2: (1 - alpha) / a0)
    }

    /// Gain of `gainDB` below `corner` Hz, 0 dB well above it (shelf slope S = 1).
    static func lowShelf(corner: Double, gainDB: Double, sampleRate: Int) -> Biquad {
        shelf(corner: corner, gainDB: gainDB, sampleRate: sampleRate, high: false)
    }

    /// Gain of `gainDB` above `corner` Hz, 0 dB well below it (shelf slope S = 1).
    static func highShelf(corner: Double, gainDB: Double, sampleRate: Int) -> Biquad {
        shelf(corner: corner, gainDB: gainDB, sampleRate: sampleRate, high: true)
    }

    /// Gain of `gainDB` at `center` Hz, falling to 0 dB away from it; `q` sets the width.
    static func peak(center: Double, gainDB: Double, q: Double, sampleRate: Int) -> Biquad {
        let a = pow(10, gainDB / 40), w = 2 * Double.pi * center / Double(sampleRate)
        let alpha = sin(w) / (2 * q), c = cos(w), a0 = 1 + alpha / a
        return Biquad(b0: (1 + alpha * a) / a0, b1: -2 * c / a0, b2: (1 - alpha * a) / a0,
                      a1: -2 * c / a0, a2: (1 - alpha / a) / a0)
    }

    private static func shelf(corner: Double, gainDB: Double, sampleRate: Int, high: Bool) -> Biquad {
        let a = pow(10, gainDB / 40), w = 2 * Double.pi * corner / Double(sampleRate), c = cos(w)
        let beta = 2 * a.squareRoot() * sin(w) / 2.0.squareRoot()   // 2 sqrt(A) alpha, with S = 1
        let s: Double = high ? -1 : 1   // the high shelf is the low one with the sign of cos flipped
        let a0 = (a + 1) + s * (a - 1) * c + beta
        return Biquad(b0: a * ((a + 1) - s * (a - 1) * c + beta) / a0,
                      b1: s * 2 * a * ((a - 1) - s * (a + 1) * c) / a0,
                      b2: a * ((a + 1) - s * (a - 1) * c - beta) / a0,
                      a1: -s * 2 * ((a - 1) + s * (a + 1) * c) / a0,
                      a2: ((a + 1) + s * (a - 1) * c - beta) / a0)
    }

    /// Magnitude of the response at `frequency` Hz, in dB.
    func gainDB(at frequency: Double, sampleRate: Int) -> Double {
        let w = 2 * Double.pi * frequency / Double(sampleRate)
        func magnitude(_ c0: Double, _ c1: Double, _ c2: Double) -> Double {
            let re = c0 + c1 * cos(w) + c2 * cos(2 * w), im = -(c1 * sin(w) + c2 * sin(2 * w))
            return (re * re + im * im).squareRoot()
        }
        return 20 * log10(magnitude(b0, b1, b2) / magnitude(1, a1, a2))
    }

    func run(_ x: [Float]) -> [Float] {
        var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0
        return x.map { v in
            let x0 = Double(v)
            let y0 = b0 * x0 + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            x2 = x1; x1 = x0; y2 = y1; y1 = y0
            return Float(y0)
        }
    }
}
