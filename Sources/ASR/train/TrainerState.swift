import Foundation

/// One epoch's figures, as logged (JSON lines) and reported.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var validationLoss: Double?
    public var validationWER: Double?
    public var validationCER: Double?
    public var learningRate: Double
    public var seconds: Double
    public var utterances: Int
    public var utterancesPerSecond: Double
    /// Share of the epoch the trainer waited for batches from the feature thread.
    public var dataWaitShare: Double
    public var gradientNorm: Double
    /// MPI ranks that trained the epoch, and the seconds rank 0 spent in the gradient allreduce,
    /// waiting for slower ranks included (nil for one process).
    public var ranks: Int? = nil
    public var allreduceSeconds: Double? = nil

    enum CodingKeys: String, CodingKey {
        case epoch, trainLoss = "train_loss", validationLoss = "validation_loss", validationWER = "validation_wer"
        case validationCER = "validation_cer", learningRate = "lr", seconds, utterances
        case utterancesPerSecond = "utterances_per_second", dataWaitShare = "data_wait_share", gradientNorm = "grad_norm"
        case ranks, allreduceSeconds = "allreduce_seconds"
    }
}

/// What a run needs to resume: written atomically after each epoch, after the files it names.
struct TrainerState: Codable {
    var epochsDone = 0
    var step = 0
    var bestWER: Double? = nil
    var bestEpoch: Int? = nil
    var epochsWithoutImprovement = 0
    var history: [EpochRecord] = []
    var schedule: [String: String] = [:]
    /// Checkpoint and optimiser files of the last finished epoch (names in the run folder).
    var checkpoint: String? = nil
    var optimizer: String? = nil
    /// Data problems found when loading (reported, counted).
    var skipped: [String: Int] = [:]

    static func load(_ path: String) throws -> TrainerState {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(path: path, message: "no training state to resume from (start without --resume)")
        }
        do { return try JSONDecoder().decode(TrainerState.self, from: data) } catch {
            throw ConfigError(path: path, message: "unreadable training state: \(describeDecodingError(error, json: data))")
        }
    }

    func save(_ path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeFileAtomically(try encoder.encode(self), to: path)
    }
}
