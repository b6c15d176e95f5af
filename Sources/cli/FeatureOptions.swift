import ASR
import ArgumentParser
import Foundation

extension FeatureConfig.Kind: ExpressibleByArgument {}
extension FeatureConfig.CMVNMode: ExpressibleByArgument {}
extension FeatureConfig.Window: ExpressibleByArgument {}

/// The feature options shared by the commands that compute features.
struct FeatureOptions: ParsableArguments {
    @Option(help: "A JSON file with the feature configuration (the `features` object of a recipe, or a recipe holding one).")
    var config: String?

    @Option(help: "mfcc or fbank.")
    var type: FeatureConfig.Kind?

    @Option(name: .customLong("sample-rate"), help: "Resample to this rate in Hz (default: each file's own rate).")
    var sampleRate: Int?

    @Option(name: .customLong("mel-bins"), help: "Mel bins (default 23 for mfcc, 80 for fbank).")
    var melBins: Int?

    @Option(help: "Cepstra for mfcc (default 13).")
    var ceps: Int?

    @Option(help: "povey, hamming, hanning, rectangular or blackman (default povey).")
    var window: FeatureConfig.Window?

    @Flag(help: "Append deltas and delta-deltas (window 2).")
    var deltas = false

    @Option(help: "none, utterance or global (default none).")
    var cmvn: FeatureConfig.CMVNMode?

    @Option(name: .customLong("cmvn-stats"), help: "Statistics file for --cmvn global (written by `asr cmvn-stats`).")
    var cmvnStats: String?

    @Flag(name: .customLong("norm-vars"), help: "CMVN normalises variance as well as mean.")
    var normVars = false

    /// The configuration these options describe, and whether it fixes the sample rate (if not,
    /// each file is read at its own rate).
    func resolve() throws -> (config: FeatureConfig, fixedRate: Bool) {
        var result = FeatureConfig()
        var fixedRate = sampleRate != nil
        if let config {
            guard let data = FileManager.default.contents(atPath: config) else {
                throw ConfigError(path: config, message: "cannot read the file")
            }
            let object: [String: Any]
            do {
                guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw ConfigError(path: config, message: "expected a JSON object")
                }
                object = parsed
            } catch let error as ConfigError {
                throw error
            } catch {
                throw ConfigError(path: config, message: "not valid JSON: \((error as NSError).localizedDescription)")
            }
            // A recipe holds the configuration under "features"; a bare features object is accepted too.
            let inRecipe = object["features"] is [String: Any]
            let features = inRecipe ? object["features"] as! [String: Any] : object
            let json = try JSONSerialization.data(withJSONObject: features)
            do {
                result = try JSONDecoder().decode(FeatureConfig.self, from: json)
            } catch {
                let message = describeDecodingError(error, json: json)
                throw ConfigError(path: config, message: inRecipe ? "features." + message : message)
            }
            if features["sample_rate"] != nil { fixedRate = true }
        }
        if let type { result.type = type }
        if let sampleRate { result.sampleRate = sampleRate }
        if let melBins { result.numMelBins = melBins }
        if let ceps { result.numCeps = ceps }
        if let window { result.windowType = window }
        if deltas { result.deltaOrder = 2 }
        if let cmvn { result.cmvn = cmvn }
        if let cmvnStats { result.cmvnStats = cmvnStats }
        if normVars { result.cmvnNormVars = true }
        return (result, fixedRate)
    }
}
