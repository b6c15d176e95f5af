/// A growable contiguous Float buffer, allocated once and reused across batches: it only
/// reallocates when a larger batch shape needs more room. Layers keep their activations and
/// gradients in these so the training step does no allocation in steady state.
public final class Buffer {
    public private(set) var pointer: UnsafeMutablePointer<Float>
    public private(set) var capacity: Int

    public init(_ count: Int = 0) {
        capacity = max(count, 1)
        pointer = .allocate(capacity: capacity)
        pointer.initialize(repeating: 0, count: capacity)
    }

    deinit { pointer.deallocate() }

    /// Makes room for `count` floats (contents are lost when it grows) and returns the pointer.
    @discardableResult
    public func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: capacity)
            pointer.initialize(repeating: 0, count: capacity)
        }
        return pointer
    }

    /// Sets the first `count` floats to zero.
    public func zero(_ count: Int) {
        precondition(count <= capacity)
        pointer.update(repeating: 0, count: count)
    }
}
