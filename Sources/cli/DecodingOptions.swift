import ASR
import ArgumentParser

/// Decoding flags shared by `transcribe` and `evaluate`. They adjust the decoding the model was
/// trained with (stored in its checkpoint); without flags, that decoding is used as is.
struct DecodingOptions: ParsableArguments {
    @Flag(help: "Best-path decoding.")
    var greedy = false

    @Option(help: "Beam search with this width.")
    var beam: Int?

    @Option(help: "A word list (one per line) the output must use.")
    var lexicon: String?

    @Flag(name: .customLong("no-lexicon"), help: "Drop the lexicon the model was trained with.")
    var noLexicon = false

    /// `stored` with these flags applied.
    func apply(to stored: DecodingConfig) throws -> DecodingConfig {
        var d = stored
        if let beam { d.method = .beam; d.beamWidth = beam }
        if noLexicon { d.lexicon = nil; d.lexiconFile = nil }
        if let lexicon { d.method = .beam; d.lexicon = nil; d.lexiconFile = lexicon }
        if greedy { d.method = .greedy }
        try d.validate()
        return d
    }
}
