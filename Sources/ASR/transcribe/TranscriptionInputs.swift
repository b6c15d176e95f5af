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
