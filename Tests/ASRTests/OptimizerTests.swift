import Foundation
import Testing
@testable import ASR

struct OptimizerTests {
    func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(relative)))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func floats(_ any: Any?) -> [Float] { (any as! [Double]).map { Float($0) } }

    /// The fixture's parameters at their initial values, in the order w, b.
    func initialParameters(_ fixture: [String: Any]) -> [Parameter] {
        let shapes = fixture["shapes"] as! [String: [Int]]
        let initial = fixture["initial"] as! [String: Any]
        return ["w", "b"].map { Parameter(name: $0, shape: shapes[$0]!, value: floats(initial[$0])) }
    }

    func setGrads(_ params: [Parameter], _ grads: [String: Any]) {
        for p in params { p.grad = floats(grads[p.name]) }
    }

    /// The optimiser of a fixture case, built from its settings as a recipe would.
    func optimizer(_ c: [String: Any], _ params: [Parameter]) throws -> Adam {
        var settings: [String: Any] = ["kind": c["kind"]!, "lr": c["lr"]!, "betas": c["betas"]!, "eps": c["eps"]!]
        if c["name"] as! String != "adamw_default_decay" { settings["weight_decay"] = c["weight_decay"]! }
        let config = try JSONDecoder().decode(OptimizerConfig.self, from: JSONSerialization.data(withJSONObject: settings))
        #expect(config.effectiveWeightDecay == c["weight_decay"] as! Double)
        return try config.makeOptimizer(for: params)
    }

    // MARK: Adam and AdamW against PyTorch

    @Test func adamAndAdamWMatchPyTorch() throws {
        let fixture = try json("optim/adam.json")
        let grads = fixture["grads"] as! [[String: Any]]
        let cases = fixture["cases"] as! [[String: Any]]
        #expect(cases.count == 4)
        for c in cases {
            let name = c["name"] as! String
            let params = initialParameters(fixture)
            let opt = try optimizer(c, params)
            #expect((opt is AdamW) == (c["kind"] as! String == "adamw"), "\(name)")
            let expected = c["after_step"] as! [[String: Any]]
            var worst: Float = 0
            for (step, g) in grads.enumerated() {
                setGrads(params, g)
                opt.step()
                for p in params {
                    let e = maxErrors(p.value, floats(expected[step][p.name])).absolute
                    worst = max(worst, e)
                    #expect(e < 1e-6, "\(name) step \(step + 1) \(p.name): error \(e)")
                }
            }
            // The moments agree too, relatively (exp_avg_sq spans 1e-10 to 10).
            let state = opt.state()
            #expect(state.metadata["step"] == String(c["step"] as! Int) && opt.stepCount == grads.count)
            for p in params {
                for key in ["exp_avg", "exp_avg_sq"] {
                    let mine = state.tensors["\(key).\(p.name)"]!
                    #expect(mine.shape == p.shape)
                    let e = maxErrors(mine.values, floats((c[key] as! [String: Any])[p.name]), relativeFloor: 1e-30).relative
                    #expect(e < 1e-5, "\(name) \(key).\(p.name): relative error \(e)")
                }
            }
            print("\(name): largest parameter error vs PyTorch \(worst)")
        }
    }

    @Test func gradientsAreNotChanged() throws {
        let p = Parameter(name: "w", shape: [3], value: [1, 2, 3])
        let opt = Adam(parameters: [p], weightDecay: 0.5)
        p.grad = [0.1, -0.2, 0.3]
        opt.step()
        #expect(p.grad == [0.1, -0.2, 0.3])
        opt.zeroGrad()
        #expect(p.grad == [0, 0, 0])
    }

    @Test func resumingFromSavedStateContinuesExactly() throws {
        let fixture = try json("optim/adam.json")
        let grads = fixture["grads"] as! [[String: Any]]
        let c = (fixture["cases"] as! [[String: Any]]).first { $0["name"] as! String == "adamw" }!

        let straight = initialParameters(fixture)
        let opt = try optimizer(c, straight)
        for g in grads { setGrads(straight, g); opt.step() }

        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("optimizer.safetensors").path
        let first = initialParameters(fixture)
        let before = try optimizer(c, first)
        for g in grads.prefix(3) { setGrads(first, g); before.step() }
        try before.state().write(to: path)

        let resumed = try optimizer(c, first)
        try resumed.load(state: SafetensorsFile.read(path), path: path)
        #expect(resumed.stepCount == 3)
        for g in grads.dropFirst(3) { setGrads(first, g); resumed.step() }
        #expect(first.map(\.value) == straight.map(\.value))
    }

    @Test func loadingStateChecksStepAndShapes() throws {
        let params = [Parameter(name: "w", shape: [2, 2]), Parameter(name: "b", shape: [2])]
        let opt = Adam(parameters: params)
        var state = opt.state()
        #expect(Set(state.tensors.keys) == ["exp_avg.w", "exp_avg_sq.w", "exp_avg.b", "exp_avg_sq.b"])

        state.tensors["exp_avg.w"] = .init(shape: [4], values: [0, 0, 0, 0])
        #expect(throws: SafetensorsError.self) { try opt.load(state: state, path: "opt.safetensors") }
        do { try opt.load(state: state, path: "opt.safetensors") } catch {
            #expect("\(error)" == "opt.safetensors: tensor 'exp_avg.w' has shape [4], expected [2, 2]")
        }
        state = opt.state()
        state.tensors["exp_avg_sq.b"] = nil
        do { try opt.load(state: state, path: "opt.safetensors") } catch {
            #expect("\(error)".contains("missing 'exp_avg_sq.b' (expected shape [2])"), "\(error)")
        }
        state = opt.state()
        state.metadata["step"] = "-1"
        do { try opt.load(state: state, path: "opt.safetensors") } catch {
            #expect("\(error)" == "opt.safetensors: __metadata__.step: expected a non-negative integer, got \"-1\"")
        }
        state.metadata["step"] = nil
        #expect(throws: SafetensorsError.self) { try opt.load(state: state, path: "opt.safetensors") }
    }

    // MARK: Configuration

    @Test func optimizerConfigDefaultsAndErrors() throws {
        let config = try JSONDecoder().decode(OptimizerConfig.self, from: Data("{}".utf8))
        #expect(config == OptimizerConfig())
        #expect(config.kind == .adamw && config.lr == 1e-3 && config.betas == [0.9, 0.999] && config.eps == 1e-8)
        #expect(config.effectiveWeightDecay == 0.01)
        var adam = config
        adam.kind = .adam
        #expect(adam.effectiveWeightDecay == 0)
        let again = try JSONDecoder().decode(OptimizerConfig.self, from: JSONEncoder().encode(adam))
        #expect(again == adam)

        let bad = #"{"weight_decy": 0.1}"#
        do {
            _ = try JSONDecoder().decode(OptimizerConfig.self, from: Data(bad.utf8))
            Issue.record("decoded an unknown key")
        } catch {
            #expect(describeDecodingError(error).contains("did you mean 'weight_decay'"), "\(describeDecodingError(error))")
        }
        var wrong = OptimizerConfig()
        wrong.betas = [0.9, 1.0]
        do { try wrong.validate(); Issue.record("accepted beta2 = 1") } catch {
            #expect("\(error)" == "optimizer.betas[1]: expected 0 <= beta < 1, got 1.0")
        }
        wrong = OptimizerConfig()
        wrong.lr = 0
        #expect(throws: ConfigError.self) { try wrong.makeOptimizer(for: []) }
    }

    // MARK: Gradient clipping

    @Test func clipGradNormScalesByTheGlobalNorm() {
        let a = Parameter(name: "a", shape: [2]), b = Parameter(name: "b", shape: [1])
        a.grad = [3, 4]
        b.grad = [12]
        // norm = sqrt(9 + 16 + 144) = 13; factor 6.5 / (13 + 1e-6)
        #expect(clipGradNorm([a, b], maxNorm: 20) == 13)
        #expect(a.grad == [3, 4] && b.grad == [12], "below the limit nothing changes")
        #expect(clipGradNorm([a, b], maxNorm: 6.5) == 13)
        let f = Float(6.5 / (13 + 1e-6))
        #expect(a.grad == [3 * f, 4 * f] && b.grad == [12 * f])
        #expect(abs(clipGradNorm([a, b], maxNorm: 100) - 6.5) < 1e-5)

        b.grad = [.infinity]
        #expect(clipGradNorm([a, b], maxNorm: 1) == .infinity)
        #expect(b.grad == [.infinity] && a.grad == [3 * f, 4 * f], "a non-finite norm leaves the gradients alone")
    }

    // MARK: Schedules

    func schedule(_ json: String, lr: Double = 1e-3, totalSteps: Int? = nil) throws -> LRSchedule {
        let config = try JSONDecoder().decode(ScheduleConfig.self, from: Data(json.utf8))
        return try LRSchedule(config: config, baseLR: lr, totalSteps: totalSteps)
    }

    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 + 1e-9 * abs(b) }

    @Test func warmupThenCosine() throws {
        let s = try schedule(#"{"kind": "cosine", "warmup_steps": 10, "min_lr": 1e-5}"#, totalSteps: 110)
        #expect(close(s.lr(step: 0, epoch: 0), 1e-4))          // (0 + 1) / 10 of the base
        #expect(close(s.lr(step: 4, epoch: 0), 5e-4))
        #expect(close(s.lr(step: 9, epoch: 0), 1e-3))
        #expect(close(s.lr(step: 10, epoch: 1), 1e-3))         // the cosine starts at the base
        #expect(close(s.lr(step: 60, epoch: 5), 5.05e-4))      // half way: (1e-3 + 1e-5) / 2
        // A quarter of the way: 1e-5 + 9.9e-4 * (1 + cos(pi / 4)) / 2 = 8.450179e-4 + 1e-5
        #expect(close(s.lr(step: 35, epoch: 3), 1e-5 + 9.9e-4 * (1 + 0.5.squareRoot()) / 2))
        #expect(close(s.lr(step: 110, epoch: 9), 1e-5))
        #expect(close(s.lr(step: 500, epoch: 40), 1e-5))
        // total_steps in the config wins over the trainer's.
        let t = try schedule(#"{"kind": "cosine", "total_steps": 11, "warmup_steps": 1}"#, totalSteps: 999)
        #expect(close(t.lr(step: 6, epoch: 0), 5e-4))
        #expect(throws: ConfigError.self) { try schedule(#"{"kind": "cosine"}"#) }
        #expect(throws: ConfigError.self) { try schedule(#"{"kind": "cosine", "warmup_steps": 20}"#, totalSteps: 20) }
    }

    @Test func constantAndExponential() throws {
        let c = try schedule(#"{"warmup_steps": 4}"#)
        #expect(close(c.lr(step: 1, epoch: 0), 5e-4) && close(c.lr(step: 3, epoch: 0), 1e-3) && close(c.lr(step: 1000, epoch: 9), 1e-3))
        let e = try schedule(#"{"kind": "exponential", "gamma": 0.5}"#)
        #expect(close(e.lr(step: 0, epoch: 0), 1e-3) && close(e.lr(step: 50, epoch: 3), 1.25e-4))
        let s = try schedule(#"{"kind": "exponential", "gamma": 0.9, "gamma_per": "step", "warmup_steps": 2, "min_lr": 7e-4}"#)
        #expect(close(s.lr(step: 0, epoch: 0), 5e-4))
        #expect(close(s.lr(step: 2, epoch: 0), 1e-3) && close(s.lr(step: 4, epoch: 0), 8.1e-4))
        #expect(close(s.lr(step: 10, epoch: 0), 7e-4), "floored at min_lr")
        do { _ = try schedule(#"{"kind": "exponential", "gamma": 1.5}"#); Issue.record("accepted gamma 1.5") } catch {
            #expect("\(error)" == "schedule.gamma: expected 0 < gamma <= 1, got 1.5")
        }
    }

    @Test func plateauReducesAfterPatience() throws {
        let s = try schedule(#"{"kind": "plateau", "factor": 0.5, "patience": 2}"#)
        let reduced = [1.0, 0.9, 0.9, 0.9, 0.9].map { s.epochEnded(metric: $0) }
        // 1.0 and 0.9 improve; then three epochs without improvement, more than the patience of 2.
        #expect(reduced == [false, false, false, false, true])
        #expect(close(s.lr(step: 100, epoch: 5), 5e-4) && s.best == 0.9)
        // Not a constant schedule's business.
        let c = try schedule("{}")
        #expect(!(0..<20).map { _ in c.epochEnded(metric: 1) }.contains(true))
    }

    @Test func plateauMatchesPyTorch() throws {
        let fixture = try json("optim/plateau.json")
        let lr = fixture["lr"] as! Double, metrics = fixture["metrics"] as! [Double]
        for c in fixture["cases"] as! [[String: Any]] {
            var settings = c["config"] as! [String: Any]
            settings["kind"] = "plateau"
            let config = try JSONDecoder().decode(ScheduleConfig.self, from: JSONSerialization.data(withJSONObject: settings))
            let s = try LRSchedule(config: config, baseLR: lr)
            let got = metrics.map { s.epochEnded(metric: $0); return s.lr(step: 0, epoch: 0) }
            let expected = c["lr_after_epoch"] as! [Double]
            #expect(zip(got, expected).allSatisfy { close($0, $1) }, "\(c["name"]!): \(got) vs \(expected)")
        }
    }

    @Test func plateauStateRoundTrips() throws {
        let config = #"{"kind": "plateau", "factor": 0.5, "patience": 1, "cooldown": 3}"#
        let a = try schedule(config), b = try schedule(config)
        for m in [1.0, 1.0, 1.0, 1.0] { a.epochEnded(metric: m) }
        try b.load(state: a.state(), path: "ckpt.safetensors")
        #expect(b.lr(step: 9, epoch: 9) == a.lr(step: 9, epoch: 9) && b.best == a.best)
        #expect(b.badEpochs == a.badEpochs && b.cooldownLeft == a.cooldownLeft && a.cooldownLeft > 0)
        for m in [0.9, 0.9, 0.9, 0.9, 0.9] { #expect(a.epochEnded(metric: m) == b.epochEnded(metric: m)) }
        var broken = a.state()
        broken["schedule.bad_epochs"] = "x"
        do { try b.load(state: broken, path: "ckpt.safetensors"); Issue.record("loaded a bad state") } catch {
            #expect("\(error)" == "ckpt.safetensors: __metadata__.schedule.bad_epochs: expected a non-negative integer, got \"x\"")
        }
    }

    @Test func scheduleConfigDefaults() throws {
        let config = try JSONDecoder().decode(ScheduleConfig.self, from: Data("{}".utf8))
        #expect(config == ScheduleConfig())
        #expect(config.kind == .constant && config.warmupSteps == 0 && config.factor == 0.1 && config.patience == 10)
        #expect(config.threshold == 1e-4 && config.mode == .min && config.gammaPer == .epoch && config.minLr == 0)
        do { _ = try JSONDecoder().decode(ScheduleConfig.self, from: Data(#"{"warmup_step": 5}"#.utf8)); Issue.record("decoded") } catch {
            #expect(describeDecodingError(error).contains("did you mean 'warmup_steps'"), "\(describeDecodingError(error))")
        }
    }
}
