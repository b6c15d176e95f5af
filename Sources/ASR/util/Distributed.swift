import Foundation
#if ASR_MPI
import CMPI
#endif

/// The processes of one job and the collective operations between them: what data-parallel
/// training needs (sum gradients, give everyone rank 0's state, compare notes) and what
/// gathering results needs (variable-length bytes from every rank).
///
/// Every rank must call the same collectives in the same order; a rank that cannot go on
/// calls `abort`, which ends the whole job instead of leaving the others waiting.
/// Call the collectives from one thread (the main one).
public protocol Communicator: AnyObject {
    /// This process's number, 0..<size. Rank 0 writes files and logs.
    var rank: Int { get }
    var size: Int { get }
    /// Replaces `values` on every rank by their element-wise sum over all ranks.
    func allreduceSum(_ values: inout [Float])
    func allreduceSum(_ values: inout [Double])
    /// Replaces `bytes` on every rank by those of `root` (any length; the others' are ignored).
    func broadcast(_ bytes: inout [UInt8], root: Int)
    /// Every rank's `bytes` (any length), in rank order, on every rank.
    func allgather(_ bytes: [UInt8]) -> [[UInt8]]
    func barrier()
    /// Prints `message` to stderr and ends every process of the job with `code`.
    func abort(_ message: String, code: Int32) -> Never
    /// Ends MPI on this process, after the last collective.
    func finish()
}

extension Communicator {
    public var isRoot: Bool { rank == 0 }

    /// Replaces `values` by root's, whose length every rank must already have.
    public func broadcast(_ values: inout [Float], root: Int) {
        var bytes = values.withUnsafeBytes { [UInt8]($0) }
        broadcast(&bytes, root: root)
        precondition(bytes.count == values.count * MemoryLayout<Float>.size, "broadcast of \(values.count) floats got \(bytes.count) bytes")
        _ = values.withUnsafeMutableBytes { bytes.copyBytes(to: $0) }
    }

    /// Every rank's string, in rank order, on every rank (e.g. results to merge in order).
    public func allgather(_ string: String) -> [String] {
        allgather(Array(string.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Throws unless every rank passes the same `value` (e.g. a hash of what it is about to use).
    public func checkSame(_ value: UInt64, _ what: String) throws {
        guard size > 1 else { return }
        let values = allgather(withUnsafeBytes(of: value) { [UInt8]($0) }).map { $0.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } }
        if let other = values.firstIndex(where: { $0 != values[0] }) {
            throw DistributedError(message: "rank \(other) has different \(what) than rank 0; every rank must run the same asr on the same recipe and data")
        }
    }
}

extension Communicator {
    /// Work shared out between the ranks: of `count` items, each rank takes every size-th one
    /// from its rank on (`shard`), `work` turns this rank's indices into one result each (in
    /// their order), and every rank gets all the results back in item order. One process: just
    /// `work` on every index. The training's evaluation and `asr transcribe` under `mpirun`
    /// share their sets this way.
    public func shareWork<T: Codable>(count: Int, _ work: ([Int]) throws -> [T]) throws -> [T] {
        let mine = shard(Array(0..<count), rank: rank, size: size)
        let part = try work(mine)
        precondition(part.count == mine.count, "shareWork: \(part.count) results for \(mine.count) items")
        guard size > 1 else { return part }
        let gathered = try allgather([UInt8](JSONEncoder().encode(part))).map { try JSONDecoder().decode([T].self, from: Data($0)) }
        for (r, results) in gathered.enumerated() where results.count != (count - r + size - 1) / size {
            throw DistributedError(message: "rank \(r) returned \(results.count) results for its share of \(count) items")
        }
        return (0..<count).map { gathered[$0 % size][$0 / size] }
    }
}

public struct DistributedError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// One process alone: every collective is the identity.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allreduceSum(_ values: inout [Float]) {}
    public func allreduceSum(_ values: inout [Double]) {}
    public func broadcast(_ bytes: inout [UInt8], root: Int) {}
    public func allgather(_ bytes: [UInt8]) -> [[UInt8]] { [bytes] }
    public func barrier() {}
    public func abort(_ message: String, code: Int32) -> Never {
        printError(message + "\n")
        exit(code)
    }
    public func finish() {}
}

public enum Distributed {
    /// Whether this asr was built with MPI (Open MPI's headers were found at build time).
    public static var mpiBuilt: Bool {
        #if ASR_MPI
        return true
        #else
        return false
        #endif
    }

    /// Processes the launcher (mpirun, srun with PMIx, Hydra) says this job has, or nil when
    /// asr was not started by one.
    public static var launchedSize: Int? {
        let env = ProcessInfo.processInfo.environment
        for key in ["OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"] {
            if let n = env[key].flatMap({ Int($0) }) { return n }
        }
        return env["PMIX_RANK"] != nil ? 0 : nil
    }

    /// The communicator of this process: MPI's world when started by an MPI launcher,
    /// otherwise a single process. Throws when launched as several processes by an asr built
    /// without MPI (each would train alone and they would overwrite each other's files).
    public static func start() throws -> any Communicator {
        guard let launched = launchedSize else { return SingleProcess() }
        #if ASR_MPI
        return try MPICommunicator()
        #else
        if launched > 1 {
            throw DistributedError(message: "started as one of \(launched) MPI processes, but this asr was built without MPI. "
                                   + "Install Open MPI (Debian: libopenmpi-dev openmpi-bin) and rebuild, or build with ASR_MPI=1.")
        }
        return SingleProcess()
        #endif
    }

    /// The MPI library's version string, when built with MPI.
    public static var libraryVersion: String? {
        #if ASR_MPI
        var buffer = [CChar](repeating: 0, count: Int(asr_mpi_max_library_version_string()))
        var length: Int32 = 0
        MPI_Get_library_version(&buffer, &length)
        let text = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? text
        #else
        return nil
        #endif
    }
}

/// A line to print if the process is stopped by SIGTERM: what mpirun sends the other ranks
/// when one rank dies or aborts. The trainer keeps it naming the last finished epoch, so the
/// user reads how to continue beside mpirun's own message about the failed rank.
public enum StopNotice {
    private static let capacity = 1024
    nonisolated(unsafe) private static let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
    nonisolated(unsafe) private static var length = 0
    nonisolated(unsafe) private static var installed = false

    /// Sets the line (and installs the SIGTERM handler on first use). The handler only calls
    /// write(2) and _exit(2), which are safe in a signal handler.
    public static func set(_ message: String) {
        let bytes = Array((message + "\n").utf8.prefix(capacity))
        length = 0
        for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
        length = bytes.count
        guard !installed else { return }
        installed = true
        signal(SIGTERM) { _ in
            _ = write(2, StopNotice.buffer, StopNotice.length)
            _exit(143)
        }
    }
}

/// The elements of one global batch that `rank` of `size` trains on: every size-th one,
/// starting at its rank. Global batches are sorted by length, so every rank gets a similar mix.
public func shard<T>(_ batch: [T], rank: Int, size: Int) -> [T] {
    stride(from: rank, to: batch.count, by: size).map { batch[$0] }
}

#if ASR_MPI
/// MPI_COMM_WORLD. MPI errors keep Open MPI's default handler, MPI_ERRORS_ARE_FATAL: any
/// failure of a collective ends the job. A process that dies makes mpirun end the others.
final class MPICommunicator: Communicator {
    let rank: Int
    let size: Int
    private let world = asr_mpi_comm_world()

    init() throws {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            // Funneled: asr has other threads (features, the two directions), but only the
            // main thread calls MPI.
            var provided: Int32 = 0
            guard MPI_Init_thread(nil, nil, asr_mpi_thread_funneled(), &provided) == MPI_SUCCESS else {
                throw DistributedError(message: "MPI_Init_thread failed")
            }
        }
        var r: Int32 = 0, n: Int32 = 0
        MPI_Comm_rank(world, &r)
        MPI_Comm_size(world, &n)
        rank = Int(r)
        size = Int(n)
    }

    private func count(_ n: Int) -> Int32 {
        guard let c = Int32(exactly: n) else { abort("asr: rank \(rank): an MPI message of \(n) elements is too long", code: 1) }
        return c
    }

    func allreduceSum(_ values: inout [Float]) {
        let n = count(values.count)
        _ = values.withUnsafeMutableBufferPointer {
            MPI_Allreduce(asr_mpi_in_place(), $0.baseAddress, n, asr_mpi_float(), asr_mpi_sum(), world)
        }
    }

    func allreduceSum(_ values: inout [Double]) {
        let n = count(values.count)
        _ = values.withUnsafeMutableBufferPointer {
            MPI_Allreduce(asr_mpi_in_place(), $0.baseAddress, n, asr_mpi_double(), asr_mpi_sum(), world)
        }
    }

    func broadcast(_ bytes: inout [UInt8], root: Int) {
        var length = Int32(rank == root ? count(bytes.count) : 0)
        MPI_Bcast(&length, 1, asr_mpi_int(), Int32(root), world)
        if rank != root { bytes = [UInt8](repeating: 0, count: Int(length)) }
        _ = bytes.withUnsafeMutableBufferPointer { MPI_Bcast($0.baseAddress, length, asr_mpi_byte(), Int32(root), world) }
    }

    func allgather(_ bytes: [UInt8]) -> [[UInt8]] {
        var mine = count(bytes.count)
        var lengths = [Int32](repeating: 0, count: size)
        MPI_Allgather(&mine, 1, asr_mpi_int(), &lengths, 1, asr_mpi_int(), world)
        var offsets = [Int32](repeating: 0, count: size)
        for i in 1..<max(size, 1) { offsets[i] = offsets[i - 1] + lengths[i - 1] }
        let total = Int(offsets[size - 1] + lengths[size - 1])
        var all = [UInt8](repeating: 0, count: max(total, 1))
        var send = bytes.isEmpty ? [0] : bytes
        send.withUnsafeMutableBufferPointer { s in
            all.withUnsafeMutableBufferPointer { a in
                _ = MPI_Allgatherv(s.baseAddress, mine, asr_mpi_byte(), a.baseAddress, &lengths, &offsets, asr_mpi_byte(), world)
            }
        }
        return (0..<size).map { Array(all[Int(offsets[$0])..<Int(offsets[$0] + lengths[$0])]) }
    }

    func barrier() { MPI_Barrier(world) }

    func abort(_ message: String, code: Int32) -> Never {
        printError(message + "\n")
        MPI_Abort(world, code)
        exit(code)
    }

    func finish() {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        if finalized == 0 { MPI_Finalize() }
    }
}
#endif
