import Foundation

/// Cepstral mean and variance normalisation, as Kaldi's `apply-cmvn` does it:
/// x' = x - mean, and with `normVars`, x' = (x - mean) / sqrt(max(var, 1e-20)).
/// Statistics are kept in Double over any number of utterances.
public struct CMVNStats: Codable, Equatable, Sendable {
    /// Frames accumulated.
    public var count: Double
    /// Per-dimension sum and sum of squares.
    public var sum: [Double]
    public var sumOfSquares: [Double]

    enum CodingKeys: String, CodingKey { case count, sum, sumOfSquares = "sum_of_squares" }

    public init(dimension: Int) {
        count = 0
        sum = [Double](repeating: 0, count: dimension)
        sumOfSquares = sum
    }

    public var dimension: Int { sum.count }

    public mutating func accumulate(_ features: FeatureMatrix) {
        precondition(features.cols == dimension, "CMVN statistics of \(dimension) dims, features of \(features.cols)")
        let d = dimension
        for t in 0..<features.rows {
            for i in 0..<d {
                let v = Double(features.data[t * d + i])
                sum[i] += v
                sumOfSquares[i] += v * v
            }
        }
        count += Double(features.rows)
    }

    public var mean: [Double] { sum.map { count > 0 ? $0 / count : 0 } }

    /// Population variance per dimension.
    public var variance: [Double] {
        zip(sum, sumOfSquares).map { s, q in
            guard count > 0 else { return 1 }
            let m = s / count
            return max(q / count - m * m, 0)
        }
    }

    /// Normalises `features` in place with these statistics.
    public func apply(to features: inout FeatureMatrix, normVars: Bool) {
        precondition(features.cols == dimension, "CMVN statistics of \(dimension) dims, features of \(features.cols)")
        let offset = mean.map(Float.init)
        let scale = normVars ? variance.map { Float(1 / max($0, 1e-20).squareRoot()) } : [Float](repeating: 1, count: dimension)
        let d = dimension
        features.data.withUnsafeMutableBufferPointer { x in
            for t in 0..<features.rows {
                let row = x.baseAddress! + t * d
                for i in 0..<d { row[i] = (row[i] - offset[i]) * scale[i] }
            }
        }
    }

    /// Per-utterance CMVN.
    public static func normalizeUtterance(_ features: inout FeatureMatrix, normVars: Bool) {
        var stats = CMVNStats(dimension: features.cols)
        stats.accumulate(features)
        stats.apply(to: &features, normVars: normVars)
    }

    /// The statistics file `config.cmvn_stats` names, checked against the features.
    public static func load(for config: FeatureConfig) throws -> CMVNStats {
        guard let path = config.cmvnStats else {
            throw ConfigError(path: "features.cmvn_stats",
                              message: "cmvn is 'global' but no statistics are given; asr train gathers them over the training set, "
                                  + "asr cmvn-stats over any files")
        }
        let stats = try load(from: path)
        guard stats.dimension == config.dimension else {
            throw ConfigError(path: "features.cmvn_stats",
                              message: "\(path) holds statistics of \(stats.dimension) dims; these features have \(config.dimension)")
        }
        return stats
    }

    /// Reads statistics written by `save(to:)`.
    public static func load(from path: String) throws -> CMVNStats {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(path: "features.cmvn_stats", message: "cannot read CMVN statistics file \(path)")
        }
        do {
            let stats = try JSONDecoder().decode(CMVNStats.self, from: data)
            guard stats.sumOfSquares.count == stats.sum.count, stats.count > 0 else {
                throw ConfigError(path: path, message: "CMVN statistics are empty or inconsistent")
            }
            return stats
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(path: path, message: "not a CMVN statistics file: \(describeDecodingError(error))")
        }
    }

    /// Writes the statistics as JSON, atomically.
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeFileAtomically(try encoder.encode(self), to: path)
    }
}
