import COpenBLAS
import Foundation

/// Debian 12's OpenBLAS 0.3.21 does not recognise recent Intel CPUs and falls back to its
/// Prescott (SSE3) kernels, 4-6x slower. The kernels are chosen when the library loads, so the
/// only fix from inside is to set OPENBLAS_CORETYPE and start the process again. Call
/// `ensureFastKernels` first thing in `main`; it returns at once when nothing needs doing.
public enum BLASSetup {
    /// The kernel family OpenBLAS uses, e.g. "SkylakeX", "Haswell", "Prescott".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Cores that mean "did not recognise this CPU".
    static let fallbackCores: Set<String> = ["prescott", "core2", "katmai", "coppermine", "northwood", "banias", "generic", "unknown"]

    /// The core type this CPU can use according to /proc/cpuinfo, or nil.
    static func bestCoreType() -> String? {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// Re-executes this program with OPENBLAS_CORETYPE set when OpenBLAS picked a fallback core
    /// on a CPU with AVX2 or AVX-512. Does nothing if the user set OPENBLAS_CORETYPE.
    public static func ensureFastKernels(verbose: Bool) {
        let env = ProcessInfo.processInfo.environment
        let core = coreName
        if let set = env["OPENBLAS_CORETYPE"] {
            if verbose { printError("asr: OpenBLAS core \(core) (OPENBLAS_CORETYPE=\(set))\n") }
            return
        }
        guard fallbackCores.contains(core.lowercased()), let better = bestCoreType() else {
            if verbose { printError("asr: OpenBLAS core \(core)\n") }
            return
        }
        if verbose {
            printError("asr: OpenBLAS chose its \(core) kernels for this CPU; restarting with OPENBLAS_CORETYPE=\(better)\n")
        }
        setenv("OPENBLAS_CORETYPE", better, 1)
        let args = CommandLine.arguments
        var cArgs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        cArgs.append(nil)
        execv("/proc/self/exe", &cArgs)
        // exec failed: carry on with the slow kernels.
        if verbose { printError("asr: restart failed (\(String(cString: strerror(errno)))); continuing\n") }
    }
}

/// Writes `message` to standard error.
public func printError(_ message: String) {
    FileHandle.standardError.write(Data(message.utf8))
}
