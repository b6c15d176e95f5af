/// A connected-digit utterance made from isolated recordings of one speaker: the parts are
/// played one after the other with silent gaps between them ("four one seven").
public struct ConnectedUtterance: Codable, Equatable, Sendable {
    public var id: String
    /// Audio paths of the parts, in order.
    public var parts: [String]
    /// Milliseconds of silence between consecutive parts: `parts.count - 1` values.
    public var gapsMs: [Int]
    /// The parts' transcripts joined by spaces.
    public var text: String
    public var speaker: String

    public init(id: String, parts: [String], gapsMs: [Int], text: String, speaker: String) {
        self.id = id
        self.parts = parts
        self.gapsMs = gapsMs
        self.text = text
        self.speaker = speaker
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, parts, gapsMs = "gaps_ms", text, speaker
    }
}

/// `count` connected-digit utterances drawn from `utterances` (isolated digits, e.g. an FSDD
/// data set). Each picks a speaker (with probability proportional to that speaker's
/// recordings), a length uniform in `minDigits...maxDigits`, that many of the speaker's
/// recordings uniformly with replacement (so digits may repeat, "one one"), and gaps uniform in
/// `gapMs`. The same inputs and `seed` give the same result. Utterances without a speaker are
/// grouped together. Ids are `connected-<seed>-<index>`.
public func makeConnectedDigits(from utterances: [Utterance], count: Int, minDigits: Int = 1, maxDigits: Int = 7,
                                gapMs: ClosedRange<Int> = 50...300, seed: UInt64) -> [ConnectedUtterance] {
    precondition(count >= 0, "count must not be negative")
    precondition(minDigits >= 1 && minDigits <= maxDigits, "expected 1 <= minDigits <= maxDigits")
    precondition(gapMs.lowerBound >= 0, "gaps must not be negative")
    guard !utterances.isEmpty else { return [] }
    // Group by speaker, in a fixed order, so the result does not depend on hashing.
    var bySpeaker: [String: [Utterance]] = [:]
    for u in utterances { bySpeaker[u.speaker ?? "", default: []].append(u) }
    let order = utterances.map { $0.speaker ?? "" }   // one entry per recording: picks a speaker by weight
    var rng = SeededRandom(seed: seed)
    func below(_ n: Int) -> Int { Int(rng.next().multipliedFullWidth(by: UInt64(n)).high) }
    return (0..<count).map { i in
        let speaker = order[below(order.count)]
        let pool = bySpeaker[speaker]!
        let n = minDigits + below(maxDigits - minDigits + 1)
        let picks = (0..<n).map { _ in pool[below(pool.count)] }
        let gaps = (0..<(n - 1)).map { _ in gapMs.lowerBound + below(gapMs.count) }
        return ConnectedUtterance(id: "connected-\(seed)-\(i)", parts: picks.map(\.audioPath), gapsMs: gaps,
                                  text: picks.map(\.text).joined(separator: " "), speaker: speaker)
    }
}

/// The samples of a connected utterance at `sampleRate`: each part read (and resampled) with
/// `AudioReader`, with `gapsMs[i] * sampleRate / 1000` zeros between parts i and i + 1.
public func renderConnected(_ u: ConnectedUtterance, sampleRate: Int) throws -> [Float] {
    guard !u.parts.isEmpty, u.gapsMs.count == u.parts.count - 1 else {
        throw DataProblem(source: u.id, line: nil,
                          message: "\(u.parts.count) parts need \(max(0, u.parts.count - 1)) gaps, got \(u.gapsMs.count)")
    }
    if let negative = u.gapsMs.first(where: { $0 < 0 }) {
        throw DataProblem(source: u.id, line: nil, message: "gap of \(negative) ms; gaps must not be negative")
    }
    var samples: [Float] = []
    for (i, part) in u.parts.enumerated() {
        if i > 0 { samples.append(contentsOf: repeatElement(0, count: u.gapsMs[i - 1] * sampleRate / 1000)) }
        samples.append(contentsOf: try AudioReader.read(part, sampleRate: sampleRate).samples)
    }
    return samples
}
