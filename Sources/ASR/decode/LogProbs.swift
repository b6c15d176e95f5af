import Foundation

/// The decoders' input: the per-frame log-probabilities of one utterance, `(frames, V)`
/// row-major, log-softmax already applied, symbol 0 the CTC blank. The decoders read the
/// values through an unsafe pointer; this type only checks the shape once.
public struct LogProbs: Sendable {
    public let frames: Int
    public let V: Int
    /// (frames, V) row-major natural-log probabilities.
    public let values: [Float]

    public init(frames: Int, V: Int, values: [Float]) throws(DecodeError) {
        guard frames >= 0, V >= 2, values.count == frames * V else {
            throw .shapeMismatch(values: values.count, frames: frames, V: V)
        }
        self.frames = frames
        self.V = V
        self.values = values
    }

    /// Row-major probabilities (each row summing to about 1) -> log-probabilities. For tests
    /// and hand-built posteriorgrams; a probability of 0 becomes -inf.
    public init(probabilities rows: [[Double]]) throws(DecodeError) {
        let v = rows.first?.count ?? 2
        var values = [Float]()
        values.reserveCapacity(rows.count * v)
        for row in rows {
            guard row.count == v else { throw .shapeMismatch(values: row.count, frames: 1, V: v) }
            for p in row { values.append(Float(p > 0 ? Foundation.log(p) : -Double.infinity)) }
        }
        try self.init(frames: rows.count, V: v, values: values)
    }

    /// log P(symbol at frame t).
    @inlinable public subscript(t: Int, v: Int) -> Float { values[t * V + v] }
}

extension LogProbs {
    /// Runs `body` on the row-major values: a valid pointer even with no frames (never read then).
    func withValues<R>(_ body: (UnsafePointer<Float>) throws(DecodeError) -> R) throws(DecodeError) -> R {
        var result: Result<R, DecodeError>!
        values.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Float>.alignment)!
            do throws(DecodeError) { result = .success(try body(base)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    /// `withValues` after checking that V matches the symbol table.
    func withValues<R>(checkedAgainst symbols: Vocabulary,
                       _ body: (UnsafePointer<Float>) throws(DecodeError) -> R) throws(DecodeError) -> R {
        guard V == symbols.count else { throw .vocabularySizeMismatch(V: V, symbols: symbols.count) }
        return try withValues(body)
    }
}
