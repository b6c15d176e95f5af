import Foundation

/// The audio files of a batch: files and folders named on the command line, or a manifest,
/// optionally one shard of them.
public enum TranscriptionInputs {
    /// Extensions of the audio files a folder contributes (what libsndfile reads).
    public static let audioExtensions: Set<String> = ["wav", "flac", "ogg", "oga", "opus", "aif", "aiff", "au", "caf", "w64", "rf64", "mp3"]

    /// `paths` with every folder replaced by the audio files below it (recursively, sorted).
    /// A path that does not exist stays, so that its line reports the problem.
    public static func expand(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                files.append(path)
                continue
            }
            guard let walker = FileManager.default.enumerator(atPath: path) else {
                throw ConfigError(path: path, message: "cannot list the folder")
            }
            var found: [String] = []
            while let name = walker.nextObject() as? String {
                if audioExtensions.contains((name as NSString).pathExtension.lowercased()) {
                    found.append((path as NSString).appendingPathComponent(name))
                }
            }
            guard !found.isEmpty else {
                throw ConfigError(path: path, message: "no audio files (\(audioExtensions.sorted().joined(separator: ", "))) in this folder")
            }
            files += found.sorted()
        }
        return files
    }

    /// The audio paths of a manifest, one per line: a JSON object with `audio_filepath`
    /// (NeMo), `audio`, `path` or `file`; or `path<TAB>anything` (TSV with or without a
    /// transcript); or a bare path. Relative paths start from the manifest's folder. Blank
    /// lines and lines starting with # are skipped; a `path` header line too.
    public static func readManifest(_ manifest: String) throws -> [String] {
        let base = folder(of: manifest)
        var paths: [String] = []
        for (number, line) in try readLines(manifest, key: manifest) {
            guard let line else { throw ConfigError(path: "\(manifest):\(number)", message: "not UTF-8 text") }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var path: String
            if trimmed.hasPrefix("{") {
                guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                    throw ConfigError(path: "\(manifest):\(number)", message: "not a JSON object")
                }
                guard let value = ["audio_filepath", "audio", "path", "file"].lazy.compactMap({ object[$0] as? String }).first else {
                    throw ConfigError(path: "\(manifest):\(number)", message: "no audio path (expected the key audio_filepath, audio, path or file)")
                }
                path = value
            } else {
                path = String(trimmed.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)[0])
                if paths.isEmpty && ["path", "audio", "file", "audio_filepath"].contains(path.lowercased()) { continue }
            }
            if !path.hasPrefix("/") && base != "." { path = (base as NSString).appendingPathComponent(path) }
            paths.append(path)
        }
        return paths
    }
}

/// `--shard I/N`: the files whose position p in the full list has p % N == I (I from 0), so N
/// processes with I = 0..<N share a list without overlap, whatever scheduler starts them.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int, count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (0..<count).contains(index) else {
            throw ConfigError(path: "--shard", message: "\(index)/\(count): expected I/N with N >= 1 and 0 <= I < N")
        }
        self.index = index
        self.count = count
    }

    /// Parses "I/N".
    public init(_ text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw ConfigError(path: "--shard", message: "'\(text)': expected I/N, e.g. 0/4 (the first of four shards)")
        }
        try self.init(index: i, count: n)
    }

    public func select<T>(_ items: [T]) -> [T] {
        items.enumerated().filter { $0.offset % count == index }.map(\.element)
    }

    public var description: String { "\(index)/\(count)" }
}
