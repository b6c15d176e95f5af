import Foundation

// Helpers that make `Codable` configuration structs behave like a recipe schema:
// every missing key takes its documented default, an unknown key is an error that names
// its path, and decoding errors read as `features.frame_shift_ms: expected a number, got "10"`.

/// A coding key for any string, used to list the keys a JSON object really has.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

extension Decoder {
    /// Throws if the JSON object being decoded has a key that `Keys` does not list.
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_: Keys.Type) throws {
        let known = Set(Keys.allCases.map(\.stringValue))
        let container = try container(keyedBy: AnyCodingKey.self)
        for key in container.allKeys where !known.contains(key.stringValue) {
            let suggestion = known.min { editDistance($0, key.stringValue) < editDistance($1, key.stringValue) }
            var message = "unknown key"
            if let suggestion, editDistance(suggestion, key.stringValue) <= 3 { message += " (did you mean '\(suggestion)'?)" }
            message += "; known keys: \(known.sorted().joined(separator: ", "))"
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [key], debugDescription: message))
        }
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `fallback` when the key is absent.
    func value<T: Decodable>(_ key: Key, or fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}

/// A configuration value that is present but wrong.
public struct ConfigError: Error, CustomStringConvertible {
    public let path: String
    public let message: String
    public init(path: String, message: String) { self.path = path; self.message = message }
    public var description: String { "\(path): \(message)" }
}

/// One line for a `DecodingError`: the dotted key path, what was expected, what was found.
/// Pass the JSON that was decoded as `json` to have the offending value quoted.
public func describeDecodingError(_ error: Error, in source: String? = nil, json: Data? = nil) -> String {
    let prefix = source.map { "\($0): " } ?? ""
    func path(_ codingPath: [CodingKey]) -> String {
        let parts = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        let joined = parts.reduce("") { acc, part in part.hasPrefix("[") || acc.isEmpty ? acc + part : acc + "." + part }
        return joined.isEmpty ? "(top level)" : joined
    }
    guard let error = error as? DecodingError else {
        if let config = error as? ConfigError { return prefix + config.description }
        return prefix + String(describing: error)
    }
    switch error {
    case .typeMismatch(let type, let context):
        let found = json.flatMap { jsonValue(in: $0, at: context.codingPath) } ?? "a value of another type"
        return prefix + "\(path(context.codingPath)): expected \(typeName(type)), got \(found)"
    case .valueNotFound(let type, let context):
        return prefix + "\(path(context.codingPath)): expected \(typeName(type)), got null"
    case .keyNotFound(let key, let context):
        return prefix + "\(path(context.codingPath + [key])): required key is missing"
    case .dataCorrupted(let context):
        let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
        return prefix + "\(path(context.codingPath)): \(underlying ?? context.debugDescription)"
    @unknown default:
        return prefix + String(describing: error)
    }
}

/// The JSON text of the value at `codingPath` inside `json`, if it can be found.
private func jsonValue(in json: Data, at codingPath: [CodingKey]) -> String? {
    guard var node = try? JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed]) else { return nil }
    for key in codingPath {
        if let index = key.intValue, let array = node as? [Any], array.indices.contains(index) {
            node = array[index]
        } else if let object = node as? [String: Any], let child = object[key.stringValue] {
            node = child
        } else {
            return nil
        }
    }
    if let string = node as? String { return "\"\(string)\"" }
    if node is NSNull { return "null" }
    guard let data = try? JSONSerialization.data(withJSONObject: node, options: [.fragmentsAllowed, .sortedKeys]) else { return nil }
    return String(decoding: data, as: UTF8.self)
}

private func typeName(_ type: Any.Type) -> String {
    switch type {
    case is Int.Type: return "an integer"
    case is Double.Type, is Float.Type: return "a number"
    case is Bool.Type: return "true or false"
    case is String.Type: return "a string"
    default:
        let name = String(describing: type)
        if name.hasPrefix("Array") { return "a list" }
        if name.hasPrefix("Dictionary") { return "an object" }
        return name
    }
}

/// Levenshtein distance, for "did you mean" suggestions on unknown keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
