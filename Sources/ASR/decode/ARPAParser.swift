/// Reads the ARPA backoff n-gram format:
///
///   \data\
///   ngram 1=<count>
///   ngram 2=<count>          one line per order, 1, 2, ... in turn
///
///   \1-grams:
///   <log10 prob> <w1> [<log10 backoff>]
///   \2-grams:
///   <log10 prob> <w1> <w2> [<log10 backoff>]
///   ...                      the highest order has no backoff field
///   \end\
///
/// The first non-blank line must be `\data\` (no text before the header). Fields are
/// separated by spaces or tabs; blank lines are ignored. Anything wrong is an
/// `ARPAError.malformed` naming the file and line: a missing or misplaced header, a section
/// out of order, a line with the wrong number of fields, a probability that is not a number
/// or is above 0 (log10 of more than 1), a backoff that is not a number, a word of a higher
/// order missing from the 1-grams, a duplicate n-gram, or a section whose number of entries
/// differs from its `ngram n=` count.
struct ARPAParser {
    let source: String

    struct Result {
        var counts: [Int] = []
        var vocabulary: [String] = []
        var ids: [String: Int32] = [:]
        var tables: [[[Int32]: ARPALanguageModel.Entry]] = []
    }

    private func fail(_ line: Int, _ reason: String) -> ARPAError {
        .malformed(path: source, line: line, reason: reason)
    }

    func parse(_ text: String) throws(ARPAError) -> Result {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? line.dropLast() : line
        }[...]
        if lines.last?.isEmpty == true { lines.removeLast() }   // the newline ending the last line
        var number = 0   // 1-based number of the line last taken
        /// The next non-blank line, trimmed, with its number; nil at the end of the text.
        func next() -> Substring? {
            while let line = lines.popFirst() {
                number += 1
                let trimmed = line.trimmingEdges()
                if !trimmed.isEmpty { return trimmed }
            }
            return nil
        }

        // \data\ and the counts.
        guard let first = next() else { throw fail(max(number, 1), "empty file; expected an ARPA language model starting with \\data\\") }
        guard first == "\\data\\" else { throw fail(number, "expected \\data\\ (the ARPA header), got '\(first.prefix(60))'") }
        var result = Result()
        var line = next()
        while let current = line, current.hasPrefix("ngram") {
            let spec = current.dropFirst("ngram".count).trimmingEdges()
            let parts = spec.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, let n = Int(parts[0].trimmingEdges()), let count = Int(parts[1].trimmingEdges()) else {
                throw fail(number, "expected 'ngram <order>=<count>', got '\(current)'")
            }
            guard n == result.counts.count + 1 else {
                throw fail(number, "ngram \(n)=...: expected the count of order \(result.counts.count + 1) (orders 1, 2, ... in turn)")
            }
            guard count >= 0 else { throw fail(number, "ngram \(n)=\(count): a count cannot be negative") }
            // Each n-gram takes a line: a count beyond the lines left is wrong, and is never
            // used to reserve memory.
            guard count <= lines.count else {
                throw fail(number, "ngram \(n)=\(count): the file has only \(lines.count) more lines, so it cannot hold that many \(n)-grams")
            }
            result.counts.append(count)
            line = next()
        }
        guard !result.counts.isEmpty else {
            throw fail(number, "expected 'ngram 1=<count>' after \\data\\, got \(line.map { "'\($0)'" } ?? "the end of the file")")
        }
        let order = result.counts.count

        // The sections.
        for n in 1...order {
            guard let header = line else { throw fail(number, "the file ends before the \\\(n)-grams: section") }
            guard header == "\\\(n)-grams:" else {
                throw fail(number, "expected the \\\(n)-grams: section header, got '\(header.prefix(60))'")
            }
            let headerLine = number
            var table = [[Int32]: ARPALanguageModel.Entry]()
            table.reserveCapacity(result.counts[n - 1])
            var entries = 0
            line = next()
            while let current = line, !current.hasPrefix("\\") {
                entries += 1
                guard entries <= result.counts[n - 1] else {
                    throw fail(number, "more \(n)-grams than the \(result.counts[n - 1]) of 'ngram \(n)=' in the header")
                }
                try parseEntry(current, order: n, highest: n == order, line: number, into: &table, result: &result)
                line = next()
            }
            guard entries == result.counts[n - 1] else {
                throw fail(number, "the \\\(n)-grams: section (line \(headerLine)) has \(entries) entries; the header says ngram \(n)=\(result.counts[n - 1])")
            }
            result.tables.append(table)
        }
        guard let end = line else { throw fail(number, "the file ends without \\end\\") }
        guard end == "\\end\\" else {
            throw fail(number, "expected \\end\\ after the \\\(order)-grams: section (the header declares order \(order)), got '\(end.prefix(60))'")
        }
        return result
    }

    /// One n-gram line: prob, n words, and a backoff unless this is the highest order.
    private func parseEntry(_ text: Substring, order n: Int, highest: Bool, line: Int,
                            into table: inout [[Int32]: ARPALanguageModel.Entry], result: inout Result) throws(ARPAError) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        let expected = highest ? "\(n + 1)" : "\(n + 1) or \(n + 2)"
        guard fields.count == n + 1 || (!highest && fields.count == n + 2) else {
            throw fail(line, "\(fields.count) fields in a \(n)-gram line; expected \(expected) (log10 probability, \(n) word\(n == 1 ? "" : "s")\(highest ? "" : ", optional backoff"))")
        }
        guard let prob = Double(fields[0]), !prob.isNaN else {
            throw fail(line, "the probability '\(fields[0])' is not a number")
        }
        guard prob <= 0 else { throw fail(line, "the log10 probability \(fields[0]) is above 0") }
        var backoff = 0.0
        if fields.count == n + 2 {
            guard let b = Double(fields[n + 1]), !b.isNaN else {
                throw fail(line, "the backoff weight '\(fields[n + 1])' is not a number")
            }
            backoff = b
        }
        var key = [Int32]()
        key.reserveCapacity(n)
        for field in fields[1...n] {
            let word = String(field)
            if n == 1 {
                guard result.ids[word] == nil else { throw fail(line, "the 1-gram '\(word)' is listed twice") }
                let id = Int32(result.vocabulary.count)
                result.ids[word] = id
                result.vocabulary.append(word)
                key.append(id)
            } else {
                guard let id = result.ids[word] else { throw fail(line, "the word '\(word)' is not in the \\1-grams: section") }
                key.append(id)
            }
        }
        guard table.updateValue(.init(log10Prob: prob, log10Backoff: backoff), forKey: key) == nil else {
            throw fail(line, "the \(n)-gram '\(fields[1...n].joined(separator: " "))' is listed twice")
        }
    }
}

private extension Substring {
    /// Without leading and trailing spaces and tabs.
    func trimmingEdges() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return s
    }
}
