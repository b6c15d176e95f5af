/// Bad input to a decoder, a lexicon or a forced alignment. Every case says what to fix;
/// the file-reading cases name the file (and the line, where there is one).
public enum DecodeError: Error, Equatable, CustomStringConvertible {
    /// The log-probability array does not hold `frames * V` values.
    case shapeMismatch(values: Int, frames: Int, V: Int)
    /// The log-probabilities have V columns but the symbol table has another size.
    case vocabularySizeMismatch(V: Int, symbols: Int)
    /// The symbol table is unusable (too small, duplicate symbols, no blank, ...).
    case invalidSymbolTable(reason: String)
    /// An option is out of range.
    case invalidOption(name: String, value: String, reason: String)
    /// A label outside 1..<V (0 is the blank and cannot be a label).
    case labelOutOfRange(position: Int, label: Int, V: Int)
    /// A label sequence needs more frames than the utterance has.
    case alignmentInfeasible(labels: Int, requiredFrames: Int, frames: Int)
    /// Every alignment of a label sequence has probability 0 (log-probabilities of -inf).
    case alignmentImpossible(labels: Int)
    /// A hypothesis's `labelFrames` are not an alignment of its labels.
    case alignmentMismatch(reason: String)
    /// A lexicon file cannot be read.
    case lexiconUnreadable(path: String, reason: String)
    /// A lexicon (file or list) has no word that the symbol table can spell.
    case emptyLexicon(source: String, skipped: Int)

    public var description: String {
        switch self {
        case .shapeMismatch(let values, let frames, let v):
            return "decoder: \(values) log-probabilities for \(frames) frames of \(v) symbols; expected \(frames * v) (frames x V, row-major)"
        case .vocabularySizeMismatch(let v, let symbols):
            return "decoder: the log-probabilities have \(v) symbols per frame but the symbol table has \(symbols); they must match"
        case .invalidSymbolTable(let reason):
            return "symbol table: \(reason)"
        case .invalidOption(let name, let value, let reason):
            return "decoder option \(name) = \(value): \(reason)"
        case .labelOutOfRange(let position, let label, let v):
            return "labels[\(position)] = \(label): expected 1..<\(v) (0 is the blank)"
        case .alignmentInfeasible(let labels, let required, let frames):
            return "forced alignment: \(labels) labels need at least \(required) frames, the utterance has \(frames)"
        case .alignmentImpossible(let labels):
            return "forced alignment: every alignment of the \(labels) labels has probability 0"
        case .alignmentMismatch(let reason):
            return "alignment: \(reason)"
        case .lexiconUnreadable(let path, let reason):
            return "\(path): cannot read the lexicon: \(reason)"
        case .emptyLexicon(let source, let skipped):
            return "\(source): the lexicon has no word the symbol table can spell (\(skipped) skipped)"
        }
    }
}
