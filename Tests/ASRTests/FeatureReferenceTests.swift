import Foundation
import Testing
@testable import ASR

/// Agreement with Kaldi's algorithm as torchaudio implements it (`compliance.kaldi.mfcc` and
/// `.fbank`), on synthesized signals. The references were written by
/// scripts/fixtures/make_feature_fixtures.py; see it for the conventions.
struct FeatureReferenceTests {
    struct Case: Decodable {
        let name: String
        let wav: String
        let config: FeatureConfig
        let reference: String
        /// The mel banks' VTLN warp factor (the VTLP cases); absent means 1.
        let vtln_warp: Double?
    }

    static let cases: [Case] = {
        let data = try! Data(contentsOf: Fixtures.root.appendingPathComponent("features/manifest.json"))
        return try! JSONDecoder().decode([Case].self, from: data)
    }()

    @Test func manifestCoversTheIssueSignals() {
        let names = Set(Self.cases.map(\.wav))
        for signal in ["tone440_8k.wav", "chirp_8k.wav", "noise_16k.wav", "silence_8k.wav", "clipped_8k.wav"] {
            #expect(names.contains(signal), "no reference case uses \(signal)")
        }
        #expect(Self.cases.count >= 20)
        #expect(Self.cases.filter { $0.vtln_warp != nil }.count >= 4, "the VTLN cases are missing")
    }

    @Test(arguments: cases.map(\.name))
    func matchesTorchaudio(_ name: String) throws {
        let c = Self.cases.first { $0.name == name }!
        let pipeline = try FeaturePipeline(config: c.config)
        let ours: FeatureMatrix
        if let warp = c.vtln_warp {
            let audio = try AudioReader.read(Fixtures.path("features/" + c.wav))
            ours = try pipeline.features(ofSamples: audio.samples, sampleRate: audio.sampleRate, vtlnWarp: warp)
            // The warp is for that call only: the next one gets the plain banks again.
            let plain = try pipeline.features(ofSamples: audio.samples, sampleRate: audio.sampleRate)
            #expect(plain.data != ours.data, "\(name): the warp changed nothing")
            let again = try pipeline.features(ofFile: Fixtures.path("features/" + c.wav))
            #expect(again.data == plain.data, "\(name): the warp outlived its call")
        } else {
            ours = try pipeline.features(ofFile: Fixtures.path("features/" + c.wav))
        }
        let (reference, shape) = try NPY.read(Fixtures.path("features/" + c.reference))
        #expect([ours.rows, ours.cols] == shape, "shape")
        guard [ours.rows, ours.cols] == shape else { return }
        let errors = maxErrors(ours.data, reference)
        if c.config.cmvn == .none {
            // Before CMVN: the issue asks for 1e-2 relative (of max(|ref|, 1)); we hold 1e-3.
            #expect(errors.relative < 1e-3, "\(name): max relative error \(errors.relative), absolute \(errors.absolute)")
        } else {
            // After per-utterance CMVN: within 1e-3 absolute.
            #expect(errors.absolute < 1e-3, "\(name): max absolute error \(errors.absolute)")
        }
        print("\(name): shape \(shape), max abs error \(errors.absolute), max rel error \(errors.relative)")
    }
}

/// VTLN warping where Kaldi's reference stops (its cut-offs must lie inside the band).
struct VTLNBandTests {
    @Test func warpedBanksStayInsideANarrowBand() {
        // Band 20-3000 Hz at 8 kHz: Kaldi's default upper cut-off (Nyquist - 500 = 3500 Hz) is
        // outside it, so the banks move it just inside; no filter may then reach past 3000 Hz.
        let fftLength = 256, rate = 8000
        var spectrum = [Double](repeating: 0, count: fftLength / 2 + 1)
        for k in spectrum.indices where Double(k * rate) / Double(fftLength) > 3000 { spectrum[k] = 1 }
        for warp in [0.8, 0.9, 1.0, 1.1, 1.2] {
            let banks = MelBanks(count: 23, fftLength: fftLength, sampleRate: rate, lowFreq: 20, highFreq: 3000, vtlnWarp: warp)
            var out = [Double](repeating: -1, count: 23)
            spectrum.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { banks.apply(s.baseAddress!, into: $0.baseAddress!) } }
            #expect(out.allSatisfy { $0 == 0 }, "warp \(warp): energy above the band reached the filters: \(out)")
        }
        // Inside the band the warp moves the filters: a tone at 1 kHz lands in other bins.
        var tone = [Double](repeating: 0, count: fftLength / 2 + 1)
        tone[32] = 1   // 1000 Hz
        func peak(_ warp: Double) -> Int {
            let banks = MelBanks(count: 23, fftLength: fftLength, sampleRate: rate, lowFreq: 20, highFreq: 3000, vtlnWarp: warp)
            var out = [Double](repeating: 0, count: 23)
            tone.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { banks.apply(s.baseAddress!, into: $0.baseAddress!) } }
            return out.indices.max { out[$0] < out[$1] }!
        }
        #expect(peak(0.8) != peak(1.2))
    }
}
