/// A trainable tensor: its PyTorch name, shape, values and gradient, all contiguous Float in
/// row-major (C) order, exactly as PyTorch stores it (`weight_ih_l0` is (3H, I) for a GRU).
///
/// Layers own their parameters; the optimiser and the checkpoint code see them as a flat list.
///
/// Sendable by contract rather than by the compiler: `value` changes only while a model is
/// built, loaded or trained (the optimiser's step, between batches), never while another thread
/// runs the model; `grad` is written only by the one thread that trains. A loaded model that
/// recognizes is read-only and may be shared by any number of threads.
public final class Parameter: @unchecked Sendable {
    /// PyTorch's state_dict name, e.g. "encoder.weight_hh_l1_reverse" or "classifier.bias".
    public let name: String
    public let shape: [Int]
    public var value: [Float]
    /// Accumulated gradient of the loss with respect to `value`; zeroed by `zeroGrad()`.
    public var grad: [Float]
    /// A weight matrix of a quantized model (`asr quantize`): its int8 form, which inference
    /// multiplies with; `value` then holds what the int8 values stand for. nil: float.
    public var int8: Int8Matrix?

    public init(name: String, shape: [Int], value: [Float]? = nil) {
        let count = shape.reduce(1, *)
        precondition(value == nil || value!.count == count, "\(name): \(value!.count) values for shape \(shape)")
        self.name = name
        self.shape = shape
        self.value = value ?? [Float](repeating: 0, count: count)
        self.grad = [Float](repeating: 0, count: count)
    }

    public var count: Int { value.count }

    /// The int8 form a forward pass multiplies with: none in training, which changes `value`.
    func int8(training: Bool) -> Int8Matrix? { training ? nil : int8 }

    /// Replaces the values by their int8 form with per-row scales (2-D weights only).
    public func quantize() {
        precondition(shape.count == 2, "\(name): only 2-D weights are quantized")
        let q = Int8Matrix(quantizing: value, rows: shape[0], cols: shape[1])
        int8 = q
        value = q.dequantized()
    }

    public func zeroGrad() {
        grad.withUnsafeMutableBufferPointer { g in
            for i in g.indices { g[i] = 0 }
        }
    }
}

extension Array where Element == Parameter {
    /// Values in all the tensors.
    public var valueCount: Int { reduce(0) { $0 + $1.count } }
    public func zeroGrad() { forEach { $0.zeroGrad() } }
}
