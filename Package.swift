// swift-tools-version:6.0
import PackageDescription
import Foundation

// Swift targets baseline x86-64 (SSE2) unless told otherwise, which turns SIMD fused
// multiply-adds into libm calls. On x86_64 we build for Haswell (AVX2 + FMA, every x86
// CPU since 2013) by default; ASR_TARGET_CPU=<llvm cpu name> picks another, and
// ASR_TARGET_CPU=generic keeps the portable baseline.
var cpuFlags: [SwiftSetting] = []
#if arch(x86_64)
let targetCPU = ProcessInfo.processInfo.environment["ASR_TARGET_CPU"] ?? "haswell"
if targetCPU != "generic" {
    // ASR_AVX: the CPU has AVX (every target we name does), so the gate loops may use its
    // 256-bit loads and stores directly.
    cpuFlags = [.unsafeFlags(["-target-cpu", targetCPU]), .define("ASR_AVX")]
}
#endif

// MPI (optional): data-parallel training with `mpirun -np N asr train`. The CMPI target and the
// ASR_MPI define are added when Open MPI's development files are installed (Debian:
// libopenmpi-dev, which provides the pkg-config file ompi-c.pc), or when ASR_MPI=1;
// ASR_MPI=0 leaves MPI out. Without it, asr builds and trains on one process as before.
func openMPIInstalled() -> Bool {
    let env = ProcessInfo.processInfo.environment
    var folders = (env["PKG_CONFIG_PATH"] ?? "").split(separator: ":").map(String.init)
    folders += ["/usr/lib/pkgconfig", "/usr/lib64/pkgconfig", "/usr/local/lib/pkgconfig", "/usr/share/pkgconfig"]
    // Debian's multiarch folders: /usr/lib/x86_64-linux-gnu/pkgconfig, /usr/lib/aarch64-linux-gnu/pkgconfig, ...
    let multiarch = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib")) ?? []
    folders += multiarch.filter { $0.hasSuffix("-linux-gnu") }.map { "/usr/lib/\($0)/pkgconfig" }
    return folders.contains { FileManager.default.fileExists(atPath: "\($0)/ompi-c.pc") }
}
let mpiChoice = ProcessInfo.processInfo.environment["ASR_MPI"]
let useMPI = mpiChoice == "1" || (mpiChoice != "0" && openMPIInstalled())
let mpiTargets: [Target] = useMPI
    ? [.systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])])] : []
let mpiDependency: [Target.Dependency] = useMPI ? ["CMPI"] : []
let mpiFlags: [SwiftSetting] = useMPI ? [.define("ASR_MPI")] : []

// A release build links the Swift runtime and Foundation statically (what `swift build
// --static-swift-stdlib` does; the modules are compiled for it too): `asr` then runs on a
// machine without Swift, and starts faster, with fewer shared libraries to load and bind.
let staticRuntime: [SwiftSetting] = [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))]
let staticLink: [LinkerSetting] = [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))]

let package = Package(
    name: "asr",
    products: [
        .executable(name: "asr", targets: ["CLI"]),
        .executable(name: "asr-bench", targets: ["Bench"]),
        .library(name: "ASR", targets: ["ASR"]),
        .executable(name: "asr-fuzz", targets: ["Fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries from Debian: module map + shim header + pkg-config name.
        .systemLibrary(name: "CSndfile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CSamplerate", pkgConfig: "samplerate", providers: [.apt(["libsamplerate0-dev"])]),
        // oneDNN's int8 GEMM for quantized models (Debian ships no pkg-config file for it).
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // libFuzzer's driver entry point (linked by scripts/fuzz.sh only).
        .systemLibrary(name: "CFuzzer"),
    ] + mpiTargets + [

        // The pipeline: one folder per stage (audio, features, ...).
        .target(
            name: "ASR",
            dependencies: ["CSndfile", "CFFTW", "COpenBLAS", "CSamplerate", "CDNNL"] + mpiDependency,
            swiftSettings: cpuFlags + mpiFlags + staticRuntime
        ),
        // The `asr` command: a thin layer over the library.
        .executableTarget(
            name: "CLI",
            dependencies: ["ASR", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/cli",
            swiftSettings: cpuFlags + staticRuntime,
            linkerSettings: staticLink
        ),
        // Benchmarks: `swift run -c release asr-bench --help`.
        .executableTarget(
            name: "Bench",
            dependencies: ["ASR", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "bench/swift",
            swiftSettings: cpuFlags + staticRuntime,
            linkerSettings: staticLink
        ),
        // Fuzz targets: `scripts/fuzz.sh TARGET SECONDS`; other builds replay inputs.
        .executableTarget(
            name: "Fuzz",
            dependencies: ["ASR", "CFuzzer"],
            path: "Sources/fuzz",
            swiftSettings: cpuFlags + staticRuntime,
            linkerSettings: staticLink
        ),
        .testTarget(
            name: "ASRTests",
            dependencies: ["ASR"],
            resources: [.copy("fixtures")],
            swiftSettings: cpuFlags + staticRuntime,
            linkerSettings: staticLink
        ),
    ]
)
