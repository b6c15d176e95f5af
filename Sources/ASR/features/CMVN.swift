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

    /// Adds the frames of `features` (only those marked in `frames`, when given).
    public mutating func accumulate(_ features: FeatureMatrix, frames: [Bool]? = nil) {
        precondition(features.cols == dimension, "CMVN statistics of \(dimension) dims, features of \(features.cols)")
        let d = dimension
        for t in 0..<features.rows where frames?[t] ?? true {
            for i in 0..<d {
                let v = Double(features.data[t * d + i])
                sum[i] += v
                sumOfSquares[i] += v * v
            }
        }
        count += Double(frames?.lazy.filter { $0 }.count ?? features.rows)
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

    /// Per-utterance CMVN, with statistics over `frames` (all when nil).
    public static func normalizeUtterance(_ features: inout FeatureMatrix, normVars: Bool, frames: [Bool]? = nil) {
        var stats = CMVNStats(dimension: features.cols)
        stats.accumulate(features, frames: frames)
        stats.apply(to: &features, normVars: normVars)
    }

    /// The frames of `base` (features before deltas, as `config` computes them) whose level is
    /// within `withinDB` of the loudest frame's. The level is the frame's mean log mel energy:
    /// C0 / sqrt(mel bins) for MFCC (the orthonormal DCT's first row is 1 / sqrt(bins), and the
    /// lifter leaves C0 alone), the mean of the log mel columns for fbank, or the log energy
    /// when `use_energy` puts it in column 0.
    public static func speechFrames(_ base: FeatureMatrix, config: FeatureConfig, withinDB: Double) -> [Bool] {
        let d = base.cols, bins = config.melBins
        let levels: [Double] = (0..<base.rows).map { t in
            let row = base.data[(t * d)..<((t + 1) * d)]
            if config.useEnergy { return Double(row[row.startIndex]) }
            switch config.type {
            case .mfcc: return Double(row[row.startIndex]) / Double(bins).squareRoot()
            case .fbank:
                let mean = row.reduce(0) { $0 + Double($1) } / Double(d)
                return config.useLogFbank ? mean : log(max(mean, Double(Float.ulpOfOne)))
            }
        }
        guard let loudest = levels.max() else { return [] }
        let floor = loudest - withinDB / 10 * log(10)   // dB of power -> natural log of power
        return levels.map { $0 >= floor }
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
