import Foundation

/// Checkpoint averaging: the element-wise mean of the weights of several checkpoints of one
/// training run, as ESPnet's `average_checkpoints` and fairseq's `average_checkpoints.py` do.
///
/// Late in a run the weights wander around a minimum from epoch to epoch, and a model picked
/// from one epoch carries that epoch's noise; the mean of the last few sits nearer the middle
/// (the idea behind stochastic weight averaging, Izmailov et al. 2018). Every checkpoint must
/// have the same model, features and tokens; the result keeps the last one's metadata and
/// records where it came from in `asr.averaged_from`.
public enum CheckpointAveraging {
    public static func average(_ paths: [String]) throws -> Checkpoint {
        guard let lastPath = paths.last else {
            throw CheckpointError(path: "(none)", message: "no checkpoints to average")
        }
        let last = try Checkpoint.load(from: lastPath)
        let parameters = last.model.parameters
        // Sums in Double, so the mean does not depend on the order of the files.
        var sums = parameters.map { $0.value.map(Double.init) }
        for path in paths.dropLast() {
            let other = try Checkpoint.load(from: path)
            guard other.model.config == last.model.config, other.features == last.features, other.tokens == last.tokens else {
                throw CheckpointError(path: path, message: "its model, features or tokens differ from \(lastPath)'s; "
                                      + "only checkpoints of one training run can be averaged")
            }
            for (i, p) in other.model.parameters.enumerated() {
                for j in p.value.indices { sums[i][j] += Double(p.value[j]) }
            }
        }
        let n = Double(paths.count)
        for (i, p) in parameters.enumerated() {
            p.value = sums[i].map { Float($0 / n) }
        }
        var averaged = last
        averaged.extra["asr.averaged_from"] = paths.map { ($0 as NSString).lastPathComponent }.joined(separator: ",")
        return averaged
    }
}
