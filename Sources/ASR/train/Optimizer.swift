import Foundation
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// The `optimizer` section of a recipe. JSON keys are the snake_case names below; a missing key
/// takes its default, which is PyTorch's.
public struct OptimizerConfig: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// `torch.optim.Adam`: weight decay is L2, added to the gradient.
        case adam
        /// `torch.optim.AdamW`: weight decay is decoupled, the parameter shrinks by lr * wd.
        case adamw
    }

    /// `adam` or `adamw`. Default `adamw`.
    public var kind: Kind = .adamw
    /// Base learning rate (schedules scale it). Default 0.001.
    public var lr: Double = 1e-3
    /// Decay rates of the first and second moment estimates. Default [0.9, 0.999].
    public var betas: [Double] = [0.9, 0.999]
    /// Added to the denominator for numerical stability. Default 1e-8.
    public var eps: Double = 1e-8
    /// Weight decay. nil (default) means PyTorch's default of the kind: 0 for `adam`, 0.01 for `adamw`.
    public var weightDecay: Double? = nil

    public init() {}

    /// Weight decay in effect.
    public var effectiveWeightDecay: Double { weightDecay ?? (kind == .adam ? 0 : 0.01) }

    /// Checks the values; errors name the key.
    public func validate() throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(path: "optimizer.\(key)", message: message) }
        if !(lr > 0 && lr.isFinite) { throw fail("lr", "expected a positive number, got \(lr)") }
        if betas.count != 2 { throw fail("betas", "expected two numbers [beta1, beta2], got \(betas.count)") }
        for (i, b) in betas.enumerated() where !(0..<1).contains(b) {
            throw fail("betas[\(i)]", "expected 0 <= beta < 1, got \(b)")
        }
        if !(eps >= 0 && eps.isFinite) { throw fail("eps", "expected 0 or more, got \(eps)") }
        let wd = effectiveWeightDecay
        if !(wd >= 0 && wd.isFinite) { throw fail("weight_decay", "expected 0 or more, got \(wd)") }
    }

    /// An optimiser for `parameters` with these settings (validated first).
    public func makeOptimizer(for parameters: [Parameter]) throws -> Adam {
        try validate()
        let b = (betas[0], betas[1])
        switch kind {
        case .adam: return Adam(parameters: parameters, lr: lr, betas: b, eps: eps, weightDecay: effectiveWeightDecay)
        case .adamw: return AdamW(parameters: parameters, lr: lr, betas: b, eps: eps, weightDecay: effectiveWeightDecay)
        }
    }
}

extension OptimizerConfig {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, lr, betas, eps, weightDecay = "weight_decay"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = OptimizerConfig()
        kind = try c.value(.kind, or: d.kind)
        lr = try c.value(.lr, or: d.lr)
        betas = try c.value(.betas, or: d.betas)
        eps = try c.value(.eps, or: d.eps)
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay)
    }
}

/// Adam (Kingma & Ba) with PyTorch's semantics and defaults, on a flat list of parameters.
///
/// One step, per element, with the operations of `torch.optim.Adam` (single-tensor path, amsgrad
/// and maximize off; PyTorch's vectorised lerp fuses a multiply-add, so results differ by an ulp):
///
///     t += 1
///     g = grad + wd * p                    (Adam; AdamW instead does p *= 1 - lr * wd)
///     m = lerp(m, g, 1 - beta1)
///     v = beta2 * v + (1 - beta2) * g * g
///     p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
///
/// Scalars are computed in Double, elements in Float, as PyTorch does for float32 tensors.
/// Gradients are read, never changed. `lr` may be changed between steps (by a schedule).
public class Adam {
    public let parameters: [Parameter]
    /// Learning rate of the next step.
    public var lr: Double
    public let beta1: Double
    public let beta2: Double
    public let eps: Double
    public let weightDecay: Double
    /// true for AdamW (decoupled weight decay), false for Adam (L2 added to the gradient).
    public let decoupledWeightDecay: Bool
    /// Steps taken so far (PyTorch's `state['step']`).
    public private(set) var stepCount = 0
    private var expAvg: [[Float]]
    private var expAvgSq: [[Float]]

    /// `torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)`.
    public convenience init(parameters: [Parameter], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            eps: Double = 1e-8, weightDecay: Double = 0) {
        self.init(parameters: parameters, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, decoupled: false)
    }

    init(parameters: [Parameter], lr: Double, betas: (Double, Double), eps: Double, weightDecay: Double, decoupled: Bool) {
        precondition(Set(parameters.map(\.name)).count == parameters.count, "Adam: parameter names must be unique")
        self.parameters = parameters
        self.lr = lr
        self.beta1 = betas.0
        self.beta2 = betas.1
        self.eps = eps
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupled
        expAvg = parameters.map { [Float](repeating: 0, count: $0.count) }
        expAvgSq = expAvg
    }

    /// Updates every parameter from its gradient.
    public func step() {
        stepCount += 1
        let t = Double(stepCount)
        // Without weight decay these are exact no-ops (x * 1, g + 0 * p), which keeps the loop branch-free.
        let k = AdamCoefficients(shrink: decoupledWeightDecay ? Float(1 - lr * weightDecay) : 1,
                                 l2: decoupledWeightDecay ? 0 : Float(weightDecay),
                                 w1: Float(1 - beta1), b2: Float(beta2), w2: Float(1 - beta2),
                                 bc2Sqrt: Float((1 - pow(beta2, t)).squareRoot()), eps: Float(eps),
                                 negStepSize: Float(-(lr / (1 - pow(beta1, t)))))
        for (j, param) in parameters.enumerated() {
            param.value.withUnsafeMutableBufferPointer { p in
            param.grad.withUnsafeBufferPointer { g in
            expAvg[j].withUnsafeMutableBufferPointer { m in
            expAvgSq[j].withUnsafeMutableBufferPointer { v in
                precondition(g.count == p.count, "Adam: '\(param.name)' has \(g.count) gradients for \(p.count) values")
                guard p.count > 0 else { return }
                adamUpdate(p.baseAddress!, g.baseAddress!, m.baseAddress!, v.baseAddress!, count: p.count, k)
            }}}}
        }
    }

    /// Zeroes the gradient of every parameter.
    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }

    /// The state needed to resume: tensors `exp_avg.<name>` and `exp_avg_sq.<name>` with the
    /// parameters' shapes, and metadata `optimizer` (adam or adamw) and `step`.
    public func state() -> SafetensorsFile {
        var file = SafetensorsFile(metadata: ["optimizer": decoupledWeightDecay ? "adamw" : "adam", "step": String(stepCount)])
        for (k, p) in parameters.enumerated() {
            file.tensors["exp_avg.\(p.name)"] = .init(shape: p.shape, values: expAvg[k])
            file.tensors["exp_avg_sq.\(p.name)"] = .init(shape: p.shape, values: expAvgSq[k])
        }
        return file
    }

    /// Restores what `state()` saved. Every moment tensor must be present with its parameter's
    /// shape and nothing else may be there; nothing changes unless all of it matches.
    /// `path` names the file in errors. The kind (adam/adamw) is not checked: switching is allowed.
    public func load(state file: SafetensorsFile, path: String) throws {
        guard let text = file.metadata["step"] else {
            throw SafetensorsError.invalidMetadata(path: path, key: "step", reason: "missing; expected the optimizer's step count")
        }
        guard let step = Int(text), step >= 0 else {
            throw SafetensorsError.invalidMetadata(path: path, key: "step", reason: "expected a non-negative integer, got \"\(text)\"")
        }
        var missing: [(name: String, shape: [Int])] = []
        var expected = Set<String>()
        for p in parameters {
            for name in ["exp_avg.\(p.name)", "exp_avg_sq.\(p.name)"] {
                expected.insert(name)
                guard let t = file.tensors[name] else { missing.append((name, p.shape)); continue }
                guard t.shape == p.shape else {
                    throw SafetensorsError.shapeMismatch(path: path, tensor: name, shape: t.shape, expected: p.shape)
                }
            }
        }
        let unexpected = file.tensors.keys.filter { !expected.contains($0) }.sorted()
        guard missing.isEmpty && unexpected.isEmpty else {
            throw SafetensorsError.nameMismatch(path: path, missing: missing, unexpected: unexpected)
        }
        stepCount = step
        expAvg = parameters.map { file.tensors["exp_avg.\($0.name)"]!.values }
        expAvgSq = parameters.map { file.tensors["exp_avg_sq.\($0.name)"]!.values }
    }
}

/// The per-element constants of one Adam step.
struct AdamCoefficients {
    var shrink, l2, w1, b2, w2, bc2Sqrt, eps, negStepSize: Float
}

/// One Adam step over `count` elements, eight lanes at a time. The lanes and the scalar tail
/// compute the same IEEE operations, in the same order as PyTorch's kernels.
@inline(__always)
func adamUpdate(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                _ v: UnsafeMutablePointer<Float>, count: Int, _ k: AdamCoefficients) {
    typealias V8 = SIMD8<Float>
    func load(_ q: UnsafePointer<Float>) -> V8 { UnsafeRawPointer(q).loadUnaligned(as: V8.self) }
    func store(_ x: V8, _ q: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(q).storeBytes(of: x, as: V8.self) }
    var i = 0
    while i &+ 8 <= count {
        let x = load(p + i) * k.shrink
        let grad = load(g + i) + k.l2 * x
        let m0 = load(m + i)
        let mi = m0 + k.w1 * (grad - m0)                 // torch.lerp's formula for weights below 0.5
        let vi = load(v + i) * k.b2 + k.w2 * grad * grad
        store(mi, m + i)
        store(vi, v + i)
        store(x + (k.negStepSize * mi) / (squareRoot8(vi) / k.bc2Sqrt + k.eps), p + i)
        i &+= 8
    }
    while i < count {
        let x = p[i] * k.shrink
        let grad = g[i] + k.l2 * x
        let mi = m[i] + k.w1 * (grad - m[i])
        let vi = v[i] * k.b2 + k.w2 * grad * grad
        m[i] = mi
        v[i] = vi
        p[i] = x + (k.negStepSize * mi) / (vi.squareRoot() / k.bc2Sqrt + k.eps)
        i &+= 1
    }
}

/// Lane-wise IEEE square root. `Float.squareRoot()` and SIMD's call libm's `sqrtf` per lane
/// (it may set errno), which keeps loops scalar; on x86-64 this is SSE's sqrtps.
@inline(__always)
func squareRoot8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    #if arch(x86_64)
    return SIMD8(lowHalf: _mm_sqrt_ps(x.lowHalf), highHalf: _mm_sqrt_ps(x.highHalf))
    #else
    return x.squareRoot()
    #endif
}

/// AdamW (Loshchilov & Hutter) as `torch.optim.AdamW`: Adam with decoupled weight decay,
/// `p *= 1 - lr * weight_decay` before the update. Default weight decay 0.01.
public final class AdamW: Adam {
    /// `torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)`.
    public init(parameters: [Parameter], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                eps: Double = 1e-8, weightDecay: Double = 0.01) {
        super.init(parameters: parameters, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, decoupled: true)
    }
}

/// Scales all gradients together so that their global L2 norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`: the factor is maxNorm / (norm + 1e-6), applied when
/// below 1. Returns the norm before clipping (accumulated in Double).
///
/// Unlike PyTorch, a non-finite norm (an inf or NaN gradient) leaves the gradients untouched;
/// the caller should check the returned norm and skip the step.
@discardableResult
public func clipGradNorm(_ params: [Parameter], maxNorm: Float) -> Float {
    var sum: Double = 0
    for p in params {
        p.grad.withUnsafeBufferPointer { g in
            // Four Double accumulators: a single one serialises on the add latency.
            var a = SIMD4<Double>.zero
            var i = 0
            while i &+ 4 <= g.count {
                let x = SIMD4<Double>(Double(g[i]), Double(g[i &+ 1]), Double(g[i &+ 2]), Double(g[i &+ 3]))
                a += x * x
                i &+= 4
            }
            var s = a.sum()
            while i < g.count { s += Double(g[i]) * Double(g[i]); i &+= 1 }
            sum += s
        }
    }
    let norm = sum.squareRoot()
    let scale = Double(maxNorm) / (norm + 1e-6)
    if norm.isFinite && scale < 1 {
        let f = Float(scale)
        for p in params {
            p.grad.withUnsafeMutableBufferPointer { g in
                for i in 0..<g.count { g[i] *= f }
            }
        }
    }
    return Float(norm)
}
