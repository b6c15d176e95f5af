import Foundation

/// The `schedule` section of a recipe: how the learning rate changes during training. JSON keys
/// are the snake_case names below; a missing key takes its default. The base rate is the
/// optimizer's `lr`.
///
/// Every kind starts with an optional linear warm-up: at step s (counted from 0) below
/// `warmup_steps` the rate is multiplied by (s + 1) / warmup_steps, so the first step already
/// moves and step `warmup_steps` runs at the full rate. After the warm-up:
///
/// - `constant`: the base rate.
/// - `cosine`: half a cosine from the base rate at step `warmup_steps` down to `min_lr` at step
///   `total_steps`, then `min_lr`: lr = min_lr + (base - min_lr) * (1 + cos(pi * progress)) / 2.
/// - `exponential`: base * gamma^k, k counting epochs (`gamma_per: epoch`, from the first
///   epoch, 0) or optimizer steps after the warm-up (`gamma_per: step`); never below `min_lr`.
/// - `plateau`: PyTorch's `ReduceLROnPlateau` (threshold_mode `rel`): after each epoch the
///   validation metric is reported; when it has not improved on the best by the relative
///   `threshold` for more than `patience` epochs, the rate is multiplied by `factor` (not below
///   `min_lr`), then `cooldown` epochs pass before counting again.
public struct ScheduleConfig: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case constant, cosine, exponential, plateau }
    public enum Unit: String, Codable, Sendable, CaseIterable { case epoch, step }
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// Lower is better (a loss, an error rate).
        case min
        /// Higher is better (an accuracy).
        case max
    }

    /// `constant`, `cosine`, `exponential` or `plateau`. Default `constant`.
    public var kind: Kind = .constant
    /// Steps of linear warm-up. Default 0 (none).
    public var warmupSteps: Int = 0
    /// `cosine`: the step at which `min_lr` is reached. nil (default): the whole run, which the
    /// trainer supplies (epochs x batches per epoch).
    public var totalSteps: Int? = nil
    /// Floor of the rate for `cosine`, `exponential` and `plateau`. Default 0.
    public var minLr: Double = 0
    /// `exponential`: decay factor per unit. Default 0.95.
    public var gamma: Double = 0.95
    /// `exponential`: `epoch` or `step`. Default `epoch`.
    public var gammaPer: Unit = .epoch
    /// `plateau`: `min` or `max`. Default `min`.
    public var mode: Mode = .min
    /// `plateau`: the rate is multiplied by this. Default 0.1 (PyTorch's).
    public var factor: Double = 0.1
    /// `plateau`: epochs without improvement that are tolerated. Default 10 (PyTorch's).
    public var patience: Int = 10
    /// `plateau`: relative improvement that counts (mode min: below best * (1 - threshold)). Default 1e-4.
    public var threshold: Double = 1e-4
    /// `plateau`: epochs to wait after a reduction before counting again. Default 0.
    public var cooldown: Int = 0

    public init() {}

    /// Checks the values; errors name the key.
    public func validate() throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(path: "schedule.\(key)", message: message) }
        if warmupSteps < 0 { throw fail("warmup_steps", "expected 0 or more, got \(warmupSteps)") }
        if let total = totalSteps, total < 1 { throw fail("total_steps", "expected a positive integer, got \(total)") }
        if !(minLr >= 0 && minLr.isFinite) { throw fail("min_lr", "expected 0 or more, got \(minLr)") }
        if !(gamma > 0 && gamma <= 1) { throw fail("gamma", "expected 0 < gamma <= 1, got \(gamma)") }
        if !(factor > 0 && factor < 1) { throw fail("factor", "expected 0 < factor < 1, got \(factor)") }
        if patience < 0 { throw fail("patience", "expected 0 or more, got \(patience)") }
        if !(threshold >= 0 && threshold < 1) { throw fail("threshold", "expected 0 <= threshold < 1, got \(threshold)") }
        if cooldown < 0 { throw fail("cooldown", "expected 0 or more, got \(cooldown)") }
    }
}

extension ScheduleConfig {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, warmupSteps = "warmup_steps", totalSteps = "total_steps", minLr = "min_lr"
        case gamma, gammaPer = "gamma_per", mode, factor, patience, threshold, cooldown
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ScheduleConfig()
        kind = try c.value(.kind, or: d.kind)
        warmupSteps = try c.value(.warmupSteps, or: d.warmupSteps)
        totalSteps = try c.decodeIfPresent(Int.self, forKey: .totalSteps)
        minLr = try c.value(.minLr, or: d.minLr)
        gamma = try c.value(.gamma, or: d.gamma)
        gammaPer = try c.value(.gammaPer, or: d.gammaPer)
        mode = try c.value(.mode, or: d.mode)
        factor = try c.value(.factor, or: d.factor)
        patience = try c.value(.patience, or: d.patience)
        threshold = try c.value(.threshold, or: d.threshold)
        cooldown = try c.value(.cooldown, or: d.cooldown)
    }
}

/// The learning rate as a function of the step and epoch, plus the state of `plateau`.
///
/// Use: before each optimizer step, `optimizer.lr = schedule.lr(step: s, epoch: e)`, with s
/// counting all steps from 0 and e the epoch from 0; after each epoch's validation,
/// `schedule.epochEnded(metric:)`.
public final class LRSchedule {
    public let config: ScheduleConfig
    public let baseLR: Double
    /// Where `cosine` reaches `min_lr`.
    public let totalSteps: Int
    /// `plateau`: the rate after the reductions so far (the base rate for other kinds).
    public private(set) var plateauLR: Double
    /// `plateau`: the best metric so far (+inf for min, -inf for max before the first epoch).
    public private(set) var best: Double
    /// `plateau`: epochs since the last improvement.
    public private(set) var badEpochs = 0
    /// `plateau`: epochs of cooldown left.
    public private(set) var cooldownLeft = 0

    /// `totalSteps` is used by `cosine` when the config has no `total_steps`.
    public init(config: ScheduleConfig, baseLR: Double, totalSteps: Int? = nil) throws {
        try config.validate()
        guard baseLR > 0 && baseLR.isFinite else { throw ConfigError(path: "optimizer.lr", message: "expected a positive number, got \(baseLR)") }
        let total = config.totalSteps ?? totalSteps
        if config.kind == .cosine {
            guard let total, total >= 1 else {
                throw ConfigError(path: "schedule.total_steps", message: "cosine needs the number of steps; none given")
            }
            guard total > config.warmupSteps else {
                throw ConfigError(path: "schedule.warmup_steps", message: "\(config.warmupSteps) leaves no steps for the cosine (total_steps \(total))")
            }
        }
        self.config = config
        self.baseLR = baseLR
        self.totalSteps = total ?? 0
        self.plateauLR = baseLR
        self.best = config.mode == .min ? .infinity : -.infinity
    }

    /// The factor of the warm-up at `step`: (step + 1) / warmup_steps, at most 1.
    public func warmupFactor(step: Int) -> Double {
        step < config.warmupSteps ? Double(step + 1) / Double(config.warmupSteps) : 1
    }

    /// The rate of optimizer step `step` (from 0) in epoch `epoch` (from 0).
    public func lr(step: Int, epoch: Int) -> Double {
        let warm = warmupFactor(step: step)
        let c = config
        switch c.kind {
        case .constant:
            return baseLR * warm
        case .cosine:
            if step < c.warmupSteps { return baseLR * warm }
            let progress = min(1, Double(step - c.warmupSteps) / Double(totalSteps - c.warmupSteps))
            return c.minLr + (baseLR - c.minLr) * 0.5 * (1 + cos(Double.pi * progress))
        case .exponential:
            let k = c.gammaPer == .epoch ? max(0, epoch) : max(0, step - c.warmupSteps)
            return max(c.minLr, baseLR * pow(c.gamma, Double(k))) * warm
        case .plateau:
            return plateauLR * warm
        }
    }

    /// Reports the validation metric at the end of an epoch. Only `plateau` uses it; returns
    /// true when the rate was reduced.
    @discardableResult
    public func epochEnded(metric: Double) -> Bool {
        guard config.kind == .plateau else { return false }
        let improved = config.mode == .min ? metric < best * (1 - config.threshold) : metric > best * (1 + config.threshold)
        if improved {
            best = metric
            badEpochs = 0
        } else {
            badEpochs += 1
        }
        if cooldownLeft > 0 {
            cooldownLeft -= 1
            badEpochs = 0
        }
        guard badEpochs > config.patience else { return false }
        cooldownLeft = config.cooldown
        badEpochs = 0
        let reduced = max(plateauLR * config.factor, config.minLr)
        guard plateauLR - reduced > 1e-8 else { return false }   // PyTorch's eps
        plateauLR = reduced
        return true
    }

    /// The state to save with a checkpoint, as safetensors metadata (`schedule.*` keys).
    public func state() -> [String: String] {
        ["schedule.lr": "\(plateauLR)", "schedule.best": "\(best)",
         "schedule.bad_epochs": "\(badEpochs)", "schedule.cooldown_left": "\(cooldownLeft)"]
    }

    /// Restores what `state()` saved; `path` names the file in errors.
    public func load(state metadata: [String: String], path: String) throws {
        func field<T>(_ key: String, _ parse: (String) -> T?, _ expected: String) throws -> T {
            guard let text = metadata[key] else {
                throw SafetensorsError.invalidMetadata(path: path, key: key, reason: "missing; expected \(expected)")
            }
            guard let value = parse(text) else {
                throw SafetensorsError.invalidMetadata(path: path, key: key, reason: "expected \(expected), got \"\(text)\"")
            }
            return value
        }
        let lr = try field("schedule.lr", { Double($0).flatMap { $0 > 0 && $0.isFinite ? $0 : nil } }, "a positive number")
        let best = try field("schedule.best", { Double($0).flatMap { $0.isNaN ? nil : $0 } }, "a number")
        let bad = try field("schedule.bad_epochs", { Int($0).flatMap { $0 >= 0 ? $0 : nil } }, "a non-negative integer")
        let cool = try field("schedule.cooldown_left", { Int($0).flatMap { $0 >= 0 ? $0 : nil } }, "a non-negative integer")
        (plateauLR, self.best, badEpochs, cooldownLeft) = (lr, best, bad, cool)
    }
}
