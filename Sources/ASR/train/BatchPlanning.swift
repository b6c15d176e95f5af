/// Groups utterances of similar length: sorts by length, cuts into batches of at most
/// `batchSize` utterances (and `maxFrames` padded frames), and shuffles the order of the
/// batches with `rng`. Returns lists of indices into `lengths`.
public func bucketBatches(lengths: [Int], batchSize: Int, maxFrames: Int?, rng: inout SeededRandom) -> [[Int]] {
    // Ties broken by index so the order depends on the seed only.
    let order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] < lengths[$1] : $0 < $1 }
    var batches: [[Int]] = []
    var current: [Int] = []
    for i in order {
        let longest = max(current.map { lengths[$0] }.max() ?? 0, lengths[i])
        if !current.isEmpty && (current.count == batchSize || (maxFrames.map { longest * (current.count + 1) > $0 } ?? false)) {
            batches.append(current)
            current = []
        }
        current.append(i)
    }
    if !current.isEmpty { batches.append(current) }
    batches.shuffle(using: &rng)
    return batches
}
