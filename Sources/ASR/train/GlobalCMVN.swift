import Foundation

extension Recipe {
    /// This recipe with `features.cmvn_statistics` filled in when `features.cmvn` is `global`:
    /// read from `features.cmvn_stats`, or, when that is not given, gathered over `train` (the
    /// training utterances as they are, without augmentation). The trainer writes the features
    /// into every checkpoint, so the model carries its statistics. Other recipes come back as
    /// they are.
    func withGlobalCMVN(over train: [TrainingItem], log: (String) -> Void) throws -> Recipe {
        guard features.cmvn == .global, features.cmvnStatistics == nil else { return self }
        var recipe = self
        if features.cmvnStats != nil {
            recipe.features.cmvnStatistics = try CMVNStats.load(for: features)
            return recipe
        }
        var plain = features
        plain.cmvn = .none
        let source = try FeatureSource(config: plain, cacheFeatures: false)
        var stats = CMVNStats(dimension: features.dimension)
        for item in train { stats.accumulate(try source.features(of: item)) }
        log("global CMVN: statistics of \(Int(stats.count)) frames from the \(train.count) training utterances")
        recipe.features.cmvnStatistics = stats
        return recipe
    }
}
