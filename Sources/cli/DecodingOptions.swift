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

    @Option(help: "A word n-gram language model (ARPA file) for beam search.")
    var lm: String?

    @Option(name: .customLong("lm-weight"), help: "Weight of the language model's log-probability (shallow fusion).")
    var lmWeight: Double?

    @Option(name: .customLong("word-bonus"), help: "Added to the score for every word (offsets the LM's preference for short outputs).")
    var wordBonus: Double?

    @Flag(name: .customLong("no-lm"), help: "Drop the language model the model was trained with.")
    var noLM = false

    /// `stored` with these flags applied.
    func apply(to stored: DecodingConfig) throws -> DecodingConfig {
        var d = stored
        if let beam { d.method = .beam; d.beamWidth = beam }
        if noLexicon { d.lexicon = nil; d.lexiconFile = nil }
        if let lexicon { d.method = .beam; d.lexicon = nil; d.lexiconFile = lexicon }
        if noLM { d.lm = nil; d.lmArpa = nil }
        if let lm { d.method = .beam; d.lm = lm; d.lmArpa = nil }
        if let lmWeight { d.lmWeight = lmWeight }
        if let wordBonus { d.wordBonus = wordBonus }
        if greedy { d.method = .greedy }
        try d.validate()
        return d
    }
}

/// How a recording is cut for the model: the options `asr transcribe` and `asr evaluate`
/// share, so that both recognize a recording the same way.
struct WindowOptions: ParsableArguments {
    @Option(name: .customLong("chunk-seconds"), help: "Longer recordings go through the model in windows of this many seconds.")
    var chunkSeconds: Double = 30

    @Flag(help: "Recognize only where someone speaks (energy-based voice activity detection): trims leading and trailing silence and splits recordings at pauses.")
    var vad = false

    /// The recognizer options these flags give.
    var recognizerOptions: RecognizerOptions {
        var options = RecognizerOptions()
        options.chunkSeconds = chunkSeconds
        if vad { options.vad = VADOptions() }
        return options
    }
}
