import Foundation
import Testing
@testable import ASR

/// The perturbations behind augmentation and the robustness test sets, each checked against
/// an independent computation or a measured property of its output.
struct PerturbationTests {
    func tone(_ f: Double, rate: Int, seconds: Double, amplitude: Float = 0.5) -> [Float] { sine(f, rate: rate, seconds: seconds, amplitude: amplitude) }
    func power(_ x: [Float]) -> Double { x.reduce(0) { $0 + Double($1) * Double($1) } / Double(max(x.count, 1)) }
    func db(_ a: Double, _ b: Double) -> Double { 10 * log10(a / b) }

    @Test func muLawKeepsTwoHundredFiftySixLevelsAndTheShape() throws {
        let x: [Float] = (0..<4000).map { Float(sin(Double($0) * 0.0123) * pow(10, -3 * Double($0 % 97) / 96)) * 0.99 }
        let y = try Perturbation.muLawRoundTrip(x)
        #expect(y.count == x.count)
        #expect(Set(y).count <= 256)
        #expect(try Perturbation.muLawRoundTrip(y) == y)   // a second trip changes nothing
        // mu-law keeps about 5% relative precision at any level above the smallest steps.
        for (a, b) in zip(x, y) where abs(a) > 0.01 { #expect(abs(a - b) <= 0.07 * abs(a), "\(a) -> \(b)") }
    }

    @Test func fftConvolutionEqualsTheDirectSum() {
        var rng = SeededRandom(seed: 3)
        let x = (0..<300).map { _ in rng.uniform() - 0.5 }, h = (0..<37).map { _ in rng.uniform() - 0.5 }
        let fast = fftConvolve(x, h)
        var direct = [Float](repeating: 0, count: x.count + h.count - 1)
        for i in x.indices { for j in h.indices { direct[i + j] += x[i] * h[j] } }
        #expect(fast.count == direct.count)
        #expect(maxErrors(fast, direct).absolute < 1e-5)
    }

    @Test func noiseIsAddedAtTheAskedSNR() {
        var rng = SeededRandom(seed: 1)
        // A word with silence around it: the SNR is relative to the speech, not the pauses.
        let x = [Float](repeating: 0, count: 8000) + tone(440, rate: 8000, seconds: 0.5) + [Float](repeating: 0, count: 8000)
        for color in Perturbation.NoiseColor.allCases {
            let n = Perturbation.noise(count: 3000, color: color, rng: &rng)
            #expect(abs(power(n) - 1) < 1e-3)
            for snr in [20.0, 5.0] {
                let y = Perturbation.addNoise(x, snrDB: snr, noise: n, sampleRate: 8000)
                let added = zip(y, x).map { $0 - $1 }
                #expect(abs(db(power(Array(x[8000..<12000])), power(added)) - snr) < 0.2, "\(color) at \(snr) dB")
            }
        }
    }

    @Test func noiseColoursTiltAsNamed() {
        var rng = SeededRandom(seed: 2)
        func lowShare(_ color: Perturbation.NoiseColor) -> Double {
            let n = Perturbation.noise(count: 16000, color: color, rng: &rng)
            let low = Biquad.lowPass(cutoff: 500, sampleRate: 16000).run(n)   // below 500 Hz of 8 kHz
            return power(low) / power(n)
        }
        let white = lowShare(.white), pink = lowShare(.pink), brown = lowShare(.brown)
        #expect(white < 0.1 && pink > 2 * white && brown > 0.8, "low-frequency share: white \(white), pink \(pink), brown \(brown)")
    }

    @Test func telephoneKeepsTheVoiceBandOnly() throws {
        for rate in [8000, 16000] {
            func passed(_ f: Double) throws -> Double {
                let x = tone(f, rate: rate, seconds: 1)
                let y = try Perturbation.telephone(x, sampleRate: rate)
                return db(power(Array(y[(rate / 4)..<(3 * rate / 4)])), power(x))
            }
            #expect(abs(try passed(1000)) < 1, "1 kHz at \(rate) Hz")
            #expect(try passed(100) < -20, "100 Hz at \(rate) Hz")
            if rate == 16000 { #expect(try passed(6000) < -30, "6 kHz") }
        }
    }

    @Test func equaliserFiltersHaveTheAskedGains() {
        let rate = 8000
        let low = Biquad.lowShelf(corner: 300, gainDB: 9, sampleRate: rate)
        let peak = Biquad.peak(center: 1000, gainDB: -7, q: 1.41, sampleRate: rate)
        let high = Biquad.highShelf(corner: 2000, gainDB: 12, sampleRate: rate)
        // The cookbook's promises: the full gain at 0 Hz (low shelf), at the centre (peak) and
        // at Nyquist (high shelf), half of it (in dB) at a shelf's corner, 0 dB far away.
        #expect(abs(low.gainDB(at: 0, sampleRate: rate) - 9) < 1e-6 && abs(low.gainDB(at: 300, sampleRate: rate) - 4.5) < 1e-6)
        #expect(abs(low.gainDB(at: 3500, sampleRate: rate)) < 0.2)
        #expect(abs(peak.gainDB(at: 1000, sampleRate: rate) + 7) < 1e-6 && abs(peak.gainDB(at: 100, sampleRate: rate)) < 0.5)
        #expect(abs(high.gainDB(at: 4000, sampleRate: rate) - 12) < 1e-6 && abs(high.gainDB(at: 2000, sampleRate: rate) - 6) < 1e-6)
        #expect(abs(high.gainDB(at: 100, sampleRate: rate)) < 0.2)
        // And a tone run through each filter comes out with that gain (after the filter settles).
        for (filter, f) in [(low, 150.0), (peak, 1000), (peak, 2500), (high, 2700), (high, 500)] {
            let x = tone(f, rate: rate, seconds: 1), y = filter.run(x)
            let measured = db(power(Array(y[(rate / 4)...])), power(Array(x[(rate / 4)...])))
            #expect(abs(measured - filter.gainDB(at: f, sampleRate: rate)) < 0.05, "\(f) Hz: \(measured) dB")
        }
    }

    @Test func speedChangesLengthAndPitch() throws {
        let x = tone(500, rate: 8000, seconds: 1)
        let y = try Perturbation.speed(x, factor: 1.1, sampleRate: 8000)
        #expect(abs(Double(y.count) - 8000 / 1.1) < 20)
        let crossings = zip(y, y.dropFirst()).filter { $0 < 0 && $1 >= 0 }.count
        #expect(abs(Double(crossings) / (Double(y.count) / 8000) - 550) < 10, "\(crossings) upward crossings")
    }

    @Test func paddingAndReverbDoWhatTheySay() {
        var rng = SeededRandom(seed: 4)
        let x = tone(300, rate: 8000, seconds: 0.5)
        let padded = Perturbation.pad(x, leading: 1, trailing: 1.5, levelDB: -50, sampleRate: 8000, rng: &rng)
        #expect(padded.count == x.count + 20000)
        #expect(abs(db(power(Array(padded[..<8000])), 1) - (-50)) < 1)
        #expect(Array(padded[8000..<(8000 + x.count)]) == x)

        let h = Perturbation.roomImpulseResponse(rt60: 0.4, sampleRate: 8000, rng: &rng)
        #expect(h.count == 3200 && abs(power(h) * Double(h.count) - 1) < 1e-3)
        #expect(db(power(Array(h[1..<320])), power(Array(h[2880...]))) > 40)   // ~54 dB down at 90% of rt60
        let click = [Float](repeating: 0, count: 100) + [1] + [Float](repeating: 0, count: 4000)
        let wet = Perturbation.reverberate(click, impulseResponse: h)
        #expect(wet.count == click.count && wet[100] != 0 && wet[..<100].allSatisfy { abs($0) < 1e-6 })
        #expect(power(Array(wet[200..<1000])) > 0)   // the tail rings on after the click
    }
}

/// The robustness conditions of `asr evaluate --robustness`.
struct TestConditionTests {
    @Test func conditionsParseAndNameThemselves() throws {
        #expect(try TestCondition("noise:20") == .noise(snrDB: 20) && "\(try TestCondition("noise:20"))" == "noise 20 dB")
        #expect(try TestCondition("speed:1.1") == .speed(factor: 1.1) && "\(TestCondition.speed(factor: 1.1))" == "speed 1.1")
        #expect(try TestCondition("telephone") == .telephone && (try TestCondition("untrimmed")) == .untrimmed)
        for bad in ["noise", "noise:x", "noise:99", "speed:3", "reverb", "telephone:1"] {
            #expect { try TestCondition(bad) } throws: { "\($0)".contains("--condition \(bad)") }
        }
    }

    @Test func perturbedSetsAreTheSameOnEveryRunAndDifferPerUtterance() throws {
        let x = sine(440, rate: 8000, seconds: 0.5)
        for condition in TestCondition.standard {
            let a = try condition.apply(x, sampleRate: 8000, id: "7_theo_3")
            #expect(try condition.apply(x, sampleRate: 8000, id: "7_theo_3") == a, "\(condition)")
            if case .noise = condition { #expect(try condition.apply(x, sampleRate: 8000, id: "7_theo_4") != a) }
            if condition == .untrimmed { #expect(a.count >= x.count + 16000 && a.count <= x.count + 32000) }
        }
        #expect(fnv1a("a") == 0xaf63_dc4c_8601_ec8c)   // the published FNV-1a value: stable across runs
    }
}

/// `training.augment`: checked settings, and seeded changes to the audio.
struct AugmentTests {
    @Test func badSettingsNameTheirRecipeKey() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let recipe = dir.appendingPathComponent("r.json").path
        func load(_ augment: String) -> String {
            let json = #"{"data": {"train": {"path": "train.tsv"}}, "training": {"augment": \#(augment)}}"#
            try? json.write(toFile: recipe, atomically: true, encoding: .utf8)
            do { _ = try Recipe.load(recipe); return "" } catch { return "\(error)" }
        }
        #expect(load(#"{"noise": {"probability": 0.5, "snr_db": [5, 90]}}"#).contains("training.augment.noise.snr_db"))
        #expect(load(#"{"noise": {"probability": 0.5, "folder": "noises"}}"#).contains("training.augment.noise.folder: no such folder"))
        #expect(load(#"{"noise": {"probability": 0.5, "colors": ["purple"]}}"#).contains("training.augment.noise.colors"))
        #expect(load(#"{"reverb": {"probability": 2}}"#).contains("training.augment.reverb.probability"))
        #expect(load(#"{"silence": {"probability": 0.5, "seconds": [1, 0.5]}}"#).contains("training.augment.silence.seconds"))
        #expect(load(#"{"telephon": 0.5}"#).contains("telephon"))
        #expect(load(#"{"eq": {"probability": 0.5, "gain_db": [-40, 10]}}"#)
            .contains("training.augment.eq.gain_db: expected [low, high] with -30.0 <= low <= high <= 30.0 dB, got [-40.0, 10.0]"))
        #expect(load(#"{"vtlp": {"probability": 1, "warp": [0.5, 1.1]}}"#)
            .contains("training.augment.vtlp.warp: expected [low, high] with 0.7 <= low <= high <= 1.3, got [0.5, 1.1]"))
        let averageLast = #"{"data": {"train": {"path": "train.tsv"}}, "training": {"epochs": 20, "average_last": 30}}"#
        try averageLast.write(toFile: recipe, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try Recipe.load(recipe) }
        do { _ = try Recipe.load(recipe) } catch {
            #expect("\(error)".contains("training.average_last: expected 0 (off) to the number of epochs (20), got 30"), "\(error)")
        }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("noises"), withIntermediateDirectories: true)
        #expect(load(#"{"noise": {"probability": 0.5, "folder": "noises"}}"#).contains("holds no audio files"))
        try AudioWriter.write(sine(50, rate: 8000, seconds: 2), to: dir.appendingPathComponent("noises/hum.wav").path, sampleRate: 8000)
        #expect(load(#"{"noise": {"probability": 0.5, "folder": "noises"}, "telephone": 0.2}"#) == "")
    }

    @Test func augmentationIsSeededAndDoesWhatItSays() throws {
        var config = AugmentConfig()
        config.silence.probability = 1
        config.noise.probability = 1
        config.reverb.probability = 1
        config.telephone = 1
        let augmenter = try Augmenter(config: config, sampleRate: 8000, noiseFolder: nil)
        let x = sine(440, rate: 8000, seconds: 0.5)
        var a = SeededRandom(seed: 9), b = SeededRandom(seed: 9), c = SeededRandom(seed: 10)
        let y = try augmenter.apply(x, rng: &a)
        #expect(try augmenter.apply(x, rng: &b) == y)
        #expect(try augmenter.apply(x, rng: &c) != y)
        #expect(y.count >= x.count + 2 * 400 - 16 && y.count <= x.count + 2 * 12000 + 16)   // 0.05-1.5 s each side
        // Nothing on: the audio is untouched.
        var none = SeededRandom(seed: 1)
        #expect(try Augmenter(config: AugmentConfig(), sampleRate: 8000, noiseFolder: nil).apply(x, rng: &none) == x)
    }

    @Test func equalisationIsSeededAndTiltsAsAsked() throws {
        func augmenter(gain: Double) throws -> Augmenter {
            var config = AugmentConfig()
            config.eq.probability = 1
            config.eq.gainDB = [gain, gain]
            return try Augmenter(config: config, sampleRate: 8000, noiseFolder: nil)
        }
        let x = sine(3500, rate: 8000, seconds: 0.5)
        func power(_ y: [Float]) -> Double { y[2000...].reduce(0) { $0 + Double($1) * Double($1) } }
        var a = SeededRandom(seed: 4), b = SeededRandom(seed: 4), c = SeededRandom(seed: 5)
        let boosted = try augmenter(gain: 10).apply(x, rng: &a)
        #expect(try augmenter(gain: 10).apply(x, rng: &b) == boosted)
        #expect(try augmenter(gain: 10).apply(x, rng: &c) != boosted)
        // Every high shelf has its corner at 3 kHz or below, so 3.5 kHz gains more than half
        // of the shelf's 10 dB; the peak filter adds to that, the low shelf hardly matters.
        #expect(10 * log10(power(boosted) / power(x)) > 5)
        var d = SeededRandom(seed: 4)
        #expect(10 * log10(power(try augmenter(gain: -10).apply(x, rng: &d)) / power(x)) < -5)
        // 0 dB filters pass the audio through.
        var e = SeededRandom(seed: 4)
        #expect(zip(try augmenter(gain: 0).apply(x, rng: &e), x).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func vtlpDrawsWarpsInItsRangeAndNothingWhenOff() throws {
        var config = AugmentConfig()
        config.vtlp.probability = 1
        config.vtlp.warp = [0.9, 1.1]
        let augmenter = try Augmenter(config: config, sampleRate: 8000, noiseFolder: nil)
        var rng = SeededRandom(seed: 3)
        let warps = (0..<200).map { _ in augmenter.vtlnWarp(rng: &rng) }
        #expect(warps.allSatisfy { (0.9...1.1).contains($0) })
        #expect(warps.min()! < 0.92 && warps.max()! > 1.08)
        // Off: always 1, and no draw is taken (the recipe's other random draws stay as they were).
        var a = SeededRandom(seed: 3), b = SeededRandom(seed: 3)
        #expect(try Augmenter(config: AugmentConfig(), sampleRate: 8000, noiseFolder: nil).vtlnWarp(rng: &a) == 1)
        #expect(a.next() == b.next())
    }
}
