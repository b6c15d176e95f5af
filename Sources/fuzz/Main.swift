import ASR
import CFuzzer
import Foundation

// asr-fuzz: the project's fuzz targets (Targets.swift), one executable for all of them.
//
//   asr-fuzz list                      the targets and what each reads
//   asr-fuzz seeds DIR                 writes the generated seeds (checkpoints) under DIR/TARGET
//   asr-fuzz TARGET [libFuzzer args]   a fuzzing build (scripts/fuzz.sh): libFuzzer drives TARGET
//   asr-fuzz TARGET FILE|DIR ...       any other build: runs TARGET once on each file (replay)
//
// A fuzzing build is this program compiled with coverage and AddressSanitizer and linked with
// libFuzzer's driver (FUZZING defined); `scripts/fuzz.sh TARGET SECONDS` makes and runs it.
// Bad input is meant to throw: a target catches every error, so only a crash, a hang or an
// allocation over libFuzzer's limit is a finding.

/// The target the fuzzing callback runs (a C callback cannot capture it).
nonisolated(unsafe) var selected: FuzzTarget?

@main
struct FuzzMain {
    static func main() throws {
        let args = CommandLine.arguments
        guard args.count >= 2 else { usage() }
        switch args[1] {
        case "list":
            for target in FuzzTarget.all { print(target.name.padding(toLength: 12, withPad: " ", startingAt: 0) + target.about) }
            return
        case "seeds":
            guard args.count == 3 else { usage() }
            try writeGeneratedSeeds(into: args[2])
            return
        default:
            guard let target = FuzzTarget.all.first(where: { $0.name == args[1] }) else {
                fail("no target '\(args[1])'; the targets: \(FuzzTarget.all.map(\.name).joined(separator: ", "))")
            }
            selected = target
        }
        let target = selected!
        #if FUZZING
        // libFuzzer reads its options and corpus folders from argv; drop the target's name.
        var argv = Array(args.dropFirst(2))
        argv.insert(args[0], at: 0)
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var argc = CInt(argv.count)
        let status = cArgs.withUnsafeMutableBufferPointer { buffer -> CInt in
            var pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
            return LLVMFuzzerRunDriver(&argc, &pointer) { data, size in
                _ = selected!.runOnce(Data(bytes: data!, count: size))
                return 0
            }
        }
        exit(status)
        #else
        try replay(target, inputs: Array(args.dropFirst(2)))
        #endif
    }

    /// Runs `target` on every file named, or in the folders named.
    static func replay(_ target: FuzzTarget, inputs: [String]) throws {
        guard !inputs.isEmpty else { fail("replay: name the files or folders to run \(target.name) on") }
        var files: [String] = []
        for input in inputs {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isFolder) else { fail("no such file or folder '\(input)'") }
            if isFolder.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: input).sorted()
                files += names.map { "\(input)/\($0)" }
            } else {
                files.append(input)
            }
        }
        var refused = 0
        for file in files {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            if let error = target.runOnce(bytes) {
                refused += 1
                if ProcessInfo.processInfo.environment["FUZZ_VERBOSE"] != nil { print("\(file): \(error)") }
            }
        }
        print("\(target.name): \(files.count) inputs, \(refused) refused with an error, \(files.count - refused) accepted, no crash")
    }

    static func usage() -> Never {
        fail("usage: asr-fuzz list | seeds DIR | TARGET [libFuzzer options] | TARGET FILE|DIR ...")
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("asr-fuzz: \(message)\n".utf8))
        exit(2)
    }
}
