/// A trainable tensor: its PyTorch name, shape, values and gradient, all contiguous Float in
/// row-major (C) order, exactly as PyTorch stores it (`weight_ih_l0` is (3H, I) for a GRU).
///
/// Layers own their parameters; the optimiser and the checkpoint code see them as a flat list.
public final class Parameter {
    /// PyTorch's state_dict name, e.g. "encoder.weight_hh_l1_reverse" or "classifier.bias".
    public let name: String
    public let shape: [Int]
    public var value: [Float]
    /// Accumulated gradient of the loss with respect to `value`; zeroed by `zeroGrad()`.
    public var grad: [Float]

    public init(name: String, shape: [Int], value: [Float]? = nil) {
        let count = shape.reduce(1, *)
        precondition(value == nil || value!.count == count, "\(name): \(value!.count) values for shape \(shape)")
        self.name = name
        self.shape = shape
        self.value = value ?? [Float](repeating: 0, count: count)
        self.grad = [Float](repeating: 0, count: count)
    }

    public var count: Int { value.count }

    public func zeroGrad() {
        grad.withUnsafeMutableBufferPointer { g in
            for i in g.indices { g[i] = 0 }
        }
    }
}

/// Something that owns parameters (a layer, a model).
public protocol ParameterOwner: AnyObject {
    var parameters: [Parameter] { get }
}

extension ParameterOwner {
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }
}
