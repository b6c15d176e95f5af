import Foundation

/// Runs `work` on items 0..<count with `jobs` threads and hands each result to `emit` in item
/// order, as soon as it and all earlier ones are done (so output streams and stays ordered).
/// `work` gets the worker index (0..<jobs) so each thread can keep its own buffers.
public func parallelOrdered<Result>(count: Int, jobs: Int,
                                    work: @escaping @Sendable (_ item: Int, _ worker: Int) -> Result,
                                    emit: (_ item: Int, _ result: Result) -> Void) {
    let jobs = max(1, min(jobs, count))
    if jobs == 1 {
        for i in 0..<count { emit(i, work(i, 0)) }
        return
    }
    let state = OrderedResults<Result>(count: count)
    let group = DispatchGroup()
    for worker in 0..<jobs {
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            while let item = state.claim() { state.store(item, work(item, worker)) }
        }
    }
    // Wait until each next result is ready, emitting in order on this thread.
    for i in 0..<count { emit(i, state.take(i)) }
    group.wait()
}

/// Shared by the workers: a counter of items handed out and the slots for their results.
private final class OrderedResults<Result>: @unchecked Sendable {
    private let condition = NSCondition()
    private var next = 0
    private let count: Int
    private var slots: [Result?]

    init(count: Int) {
        self.count = count
        slots = Array(repeating: nil, count: count)
    }

    func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }

    func store(_ item: Int, _ result: Result) {
        condition.lock()
        slots[item] = result
        condition.broadcast()
        condition.unlock()
    }

    func take(_ item: Int) -> Result {
        condition.lock()
        defer { condition.unlock() }
        while slots[item] == nil { condition.wait() }
        let result = slots[item]!
        slots[item] = nil
        return result
    }
}
