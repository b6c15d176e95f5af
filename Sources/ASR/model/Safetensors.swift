import Foundation

// Hugging Face's safetensors format, the checkpoint format of `asr` and of PyTorch users:
//
//   8 bytes      N, the header length, little-endian u64
//   N bytes      UTF-8 JSON object, possibly padded with trailing spaces:
//                {"__metadata__": {"key": "value", ...},
//                 "name": {"dtype": "F32", "shape": [3, 4], "data_offsets": [begin, end]}, ...}
//   the rest     the data section; offsets are relative to its start; each tensor is
//                contiguous, row-major, little-endian
//
// Reading validates everything before it allocates or converts anything, so that a truncated
// or hostile file is refused with one line naming the file, the tensor or field, and what was
// expected. As in the reference implementation, tensors must tile the data section exactly:
// no overlaps, no gaps, no trailing bytes.

/// Why a safetensors file cannot be read, written, or loaded into a model.
public enum SafetensorsError: Error, CustomStringConvertible {
    /// The file cannot be opened or read (missing, a directory, no permission).
    case unreadable(path: String, reason: String)
    /// Fewer than the 8 bytes of the header length.
    case truncated(path: String, size: Int)
    /// The header length is larger than `SafetensorsFile.maxHeaderLength`.
    case headerTooLarge(path: String, length: UInt64)
    /// The header length runs past the end of the file.
    case headerPastEnd(path: String, length: UInt64, fileSize: Int)
    /// The header is not UTF-8, not JSON, or not a JSON object.
    case invalidHeader(path: String, reason: String)
    /// `__metadata__` is not an object of strings, or a metadata value is wrong.
    case invalidMetadata(path: String, key: String?, reason: String)
    /// A field of a tensor entry is missing or has the wrong type or value.
    case invalidEntry(path: String, tensor: String, field: String, expected: String, got: String)
    /// A dtype this reader does not convert.
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// The shape has more elements than `SafetensorsFile.maxElements`, or overflows.
    case tooManyElements(path: String, tensor: String, shape: [Int])
    /// `data_offsets` span a different number of bytes than the shape and dtype need.
    case sizeMismatch(path: String, tensor: String, bytes: Int, expected: Int, shape: [Int], dtype: String)
    /// `data_offsets` end beyond the data section.
    case outOfBounds(path: String, tensor: String, end: Int, dataSize: Int)
    /// Two tensors share bytes.
    case overlap(path: String, tensor: String, other: String)
    /// Bytes of the data section that belong to no tensor.
    case uncoveredBytes(path: String, begin: Int, end: Int)
    /// A tensor to be written is inconsistent (value count vs shape, reserved or empty name).
    case invalidTensor(path: String, tensor: String, reason: String)
    /// Loading into a model: a tensor has another shape than the parameter.
    case shapeMismatch(path: String, tensor: String, shape: [Int], expected: [Int])
    /// Loading into a model: expected tensors absent from the file, or tensors the model lacks.
    case nameMismatch(path: String, missing: [(name: String, shape: [Int])], unexpected: [String])
    /// Writing failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        func dims(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .truncated(let path, let size):
            return "\(path): not a safetensors file: \(size) bytes; expected at least 8 (the header length)"
        case .headerTooLarge(let path, let length):
            return "\(path): not a safetensors file: header length \(length) bytes; expected at most \(SafetensorsFile.maxHeaderLength)"
        case .headerPastEnd(let path, let length, let fileSize):
            return "\(path): truncated or not a safetensors file: header length \(length) bytes, but only \(max(0, fileSize - 8)) bytes follow the length"
        case .invalidHeader(let path, let reason):
            return "\(path): invalid safetensors header: \(reason)"
        case .invalidMetadata(let path, let key, let reason):
            return "\(path): __metadata__\(key.map { ".\($0)" } ?? ""): \(reason)"
        case .invalidEntry(let path, let tensor, let field, let expected, let got):
            return "\(path): tensor '\(tensor)': \(field): expected \(expected), got \(got)"
        case .unsupportedDType(let path, let tensor, let dtype):
            return "\(path): tensor '\(tensor)': dtype '\(dtype)' is not supported (expected F32, F64, F16, BF16 or I8)"
        case .tooManyElements(let path, let tensor, let shape):
            return "\(path): tensor '\(tensor)': shape \(dims(shape)) has too many elements (expected at most \(SafetensorsFile.maxElements))"
        case .sizeMismatch(let path, let tensor, let bytes, let expected, let shape, let dtype):
            return "\(path): tensor '\(tensor)': data_offsets span \(bytes) bytes; expected \(expected) for \(dtype) with shape \(dims(shape))"
        case .outOfBounds(let path, let tensor, let end, let dataSize):
            return "\(path): tensor '\(tensor)': data_offsets end at byte \(end), beyond the data section (\(dataSize) bytes)"
        case .overlap(let path, let tensor, let other):
            return "\(path): tensor '\(tensor)' overlaps tensor '\(other)' in the data section"
        case .uncoveredBytes(let path, let begin, let end):
            return "\(path): bytes \(begin)..<\(end) of the data section belong to no tensor"
        case .invalidTensor(let path, let tensor, let reason):
            return "\(path): tensor '\(tensor)': \(reason)"
        case .shapeMismatch(let path, let tensor, let shape, let expected):
            return "\(path): tensor '\(tensor)' has shape \(dims(shape)), expected \(dims(expected))"
        case .nameMismatch(let path, let missing, let unexpected):
            var parts: [String] = []
            if !missing.isEmpty {
                parts.append("missing " + missing.map { "'\($0.name)' (expected shape \(dims($0.shape)))" }.joined(separator: ", "))
            }
            if !unexpected.isEmpty {
                parts.append("unexpected " + unexpected.map { "'\($0)'" }.joined(separator: ", "))
            }
            return "\(path): tensors do not match the model: " + parts.joined(separator: "; ")
        case .writeFailed(let path, let reason):
            return "\(path): cannot write: \(reason)"
        }
    }
}

/// The contents of a safetensors file: string metadata and named Float tensors.
public struct SafetensorsFile {
    /// A row-major tensor. `values` are Float whatever the file stores; `dtype` says what that
    /// is ("F32", "F16", "I8", ...). `write` stores I8 tensors as I8 (integer values in -128...127)
    /// and all others as F32.
    public struct Tensor: Equatable {
        public var shape: [Int]
        public var values: [Float]
        public var dtype: String
        public init(shape: [Int], values: [Float], dtype: String = "F32") {
            self.shape = shape
            self.values = values
            self.dtype = dtype
        }
    }

    /// The `__metadata__` object (string values only, as the format requires).
    public var metadata: [String: String]
    /// Tensors by name. `write` stores them sorted by name; `read` converts every dtype to Float.
    public var tensors: [String: Tensor]

    /// Headers longer than this are refused (100 MB, as the reference implementation does).
    public static let maxHeaderLength = 100_000_000
    /// The per-row scales of an I8 weight `name` are the tensor `name + scaleSuffix`.
    public static let scaleSuffix = "_scale"
    /// Tensors with more elements than this are refused (2^31).
    public static let maxElements = 1 << 31

    public init(metadata: [String: String] = [:], tensors: [String: Tensor] = [:]) {
        self.metadata = metadata
        self.tensors = tensors
    }

    /// The parameters' current values under their PyTorch names. A quantized weight is stored
    /// as its I8 values under its name and its per-row scales as F32 under `<name>_scale`
    /// (in PyTorch: `w = t[name].float() * t[name + "_scale"][:, None]`).
    public init(parameters: [Parameter], metadata: [String: String] = [:]) {
        var tensors: [String: Tensor] = [:]
        for p in parameters {
            precondition(tensors[p.name] == nil, "SafetensorsFile: two parameters are named '\(p.name)'")
            if let q = p.int8 {
                tensors[p.name] = Tensor(shape: p.shape, values: q.values.map(Float.init), dtype: "I8")
                tensors[p.name + Self.scaleSuffix] = Tensor(shape: [q.rows], values: q.scales)
            } else {
                tensors[p.name] = Tensor(shape: p.shape, values: p.value)
            }
        }
        self.init(metadata: metadata, tensors: tensors)
    }
}

// MARK: - Reading

/// Element types the reader converts to Float.
enum SafetensorsDType: String {
    case f32 = "F32", f64 = "F64", f16 = "F16", bf16 = "BF16", i8 = "I8"
    var width: Int {
        switch self {
        case .f32: return 4
        case .f64: return 8
        case .f16, .bf16: return 2
        case .i8: return 1
        }
    }
}

extension SafetensorsFile {
    /// Reads and validates `path`. F32 is read as is; F64, F16 and BF16 are converted to Float.
    public static func read(_ path: String) throws -> SafetensorsFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SafetensorsError.unreadable(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw SafetensorsError.unreadable(path: path, reason: "is a directory") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw SafetensorsError.unreadable(path: path, reason: error.localizedDescription)
        }
        return try data.withUnsafeBytes { try parse($0, path: path) }
    }

    /// Parses the bytes of a whole file; `path` is only used in error messages.
    static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws -> SafetensorsFile {
        guard bytes.count >= 8 else { throw SafetensorsError.truncated(path: path, size: bytes.count) }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        // A real header length is a small number (high bytes zero); eight bytes of text mean
        // another kind of file, which is the clearer thing to say (`--model recipes/digits.json`).
        if (0..<8).allSatisfy({ (0x09...0x0D).contains(bytes[$0]) || (0x20...0x7E).contains(bytes[$0]) }) {
            let start = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<min(bytes.count, 24)]), as: UTF8.self)
            throw SafetensorsError.invalidHeader(path: path, reason: "not a safetensors file: it starts with text (\(start.debugDescription)), "
                                                 + "where a safetensors file starts with its 8-byte header length; is it a recipe, a manifest or a log?")
        }
        guard length <= UInt64(maxHeaderLength) else { throw SafetensorsError.headerTooLarge(path: path, length: length) }
        guard Int(length) <= bytes.count - 8 else {
            throw SafetensorsError.headerPastEnd(path: path, length: length, fileSize: bytes.count)
        }
        let dataStart = 8 + Int(length)
        let dataSize = bytes.count - dataStart
        let header = try parseHeader(UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart]), path: path)

        var metadata: [String: String] = [:]
        var entries: [(name: String, dtype: SafetensorsDType, shape: [Int], begin: Int, end: Int)] = []
        for (name, entry) in header {
            if name == "__metadata__" {
                metadata = try parseMetadata(entry, path: path)
                continue
            }
            let e = try parseEntry(name: name, entry, path: path)
            guard e.end <= dataSize else {
                throw SafetensorsError.outOfBounds(path: path, tensor: name, end: e.end, dataSize: dataSize)
            }
            entries.append((name, e.dtype, e.shape, e.begin, e.end))
        }

        // The tensors must tile the data section: sorted by offset, each begins where the last ended.
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var covered = 0
        for (i, e) in entries.enumerated() {
            if e.begin < covered { throw SafetensorsError.overlap(path: path, tensor: e.name, other: entries[i - 1].name) }
            if e.begin > covered { throw SafetensorsError.uncoveredBytes(path: path, begin: covered, end: e.begin) }
            covered = e.end
        }
        if covered < dataSize { throw SafetensorsError.uncoveredBytes(path: path, begin: covered, end: dataSize) }

        var tensors: [String: Tensor] = [:]
        tensors.reserveCapacity(entries.count)
        for e in entries {
            let raw = UnsafeRawBufferPointer(rebasing: bytes[(dataStart + e.begin)..<(dataStart + e.end)])
            tensors[e.name] = Tensor(shape: e.shape, values: convert(raw, dtype: e.dtype), dtype: e.dtype.rawValue)
        }
        return SafetensorsFile(metadata: metadata, tensors: tensors)
    }

    private static func parseHeader(_ raw: UnsafeRawBufferPointer, path: String) throws -> [String: JSONValue] {
        guard String(validating: raw, as: UTF8.self) != nil else {
            throw SafetensorsError.invalidHeader(path: path, reason: "not valid UTF-8")
        }
        let json = Data(raw)
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: json)
        } catch {
            // JSONDecoder does not say where; JSONSerialization does ("around character 12").
            var reason = "not valid JSON"
            do { _ = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed]) } catch {
                if let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String { reason += ": " + detail }
            }
            throw SafetensorsError.invalidHeader(path: path, reason: reason)
        }
        guard case .object(let object) = value else {
            throw SafetensorsError.invalidHeader(path: path, reason: "expected a JSON object, got \(value.kind)")
        }
        return object
    }

    private static func parseMetadata(_ value: JSONValue, path: String) throws -> [String: String] {
        switch value {
        case .null:
            return [:]
        case .object(let object):
            var out: [String: String] = [:]
            for (key, v) in object {
                guard case .string(let s) = v else {
                    throw SafetensorsError.invalidMetadata(path: path, key: key, reason: "expected a string, got \(v.kind)")
                }
                out[key] = s
            }
            return out
        default:
            throw SafetensorsError.invalidMetadata(path: path, key: nil, reason: "expected an object of strings, got \(value.kind)")
        }
    }

    private static func parseEntry(name: String, _ value: JSONValue, path: String) throws
        -> (dtype: SafetensorsDType, shape: [Int], begin: Int, end: Int)
    {
        func bad(_ field: String, _ expected: String, _ got: String) -> SafetensorsError {
            .invalidEntry(path: path, tensor: name, field: field, expected: expected, got: got)
        }
        guard case .object(let fields) = value else { throw bad("entry", "an object with dtype, shape and data_offsets", value.kind) }
        guard let dtypeValue = fields["dtype"] else { throw bad("dtype", "a string such as \"F32\"", "nothing (missing)") }
        guard case .string(let dtypeName) = dtypeValue else { throw bad("dtype", "a string such as \"F32\"", dtypeValue.kind) }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw SafetensorsError.unsupportedDType(path: path, tensor: name, dtype: dtypeName)
        }

        func integers(_ field: String, _ expected: String) throws -> [Int] {
            guard let v = fields[field] else { throw bad(field, expected, "nothing (missing)") }
            guard case .array(let items) = v else { throw bad(field, expected, v.kind) }
            return try items.map { item in
                guard case .int(let n) = item, n >= 0 else { throw bad(field, expected, "an element \(item.kind)") }
                return n
            }
        }
        let shape = try integers("shape", "a list of non-negative integers")
        let offsets = try integers("data_offsets", "[begin, end] with 0 <= begin <= end")
        guard offsets.count == 2, offsets[0] <= offsets[1] else {
            throw bad("data_offsets", "[begin, end] with 0 <= begin <= end", "[" + offsets.map(String.init).joined(separator: ", ") + "]")
        }

        var elements = 1
        for d in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow, product <= maxElements else { throw SafetensorsError.tooManyElements(path: path, tensor: name, shape: shape) }
            elements = product
        }
        let bytes = offsets[1] - offsets[0], expected = elements * dtype.width
        guard bytes == expected else {
            throw SafetensorsError.sizeMismatch(path: path, tensor: name, bytes: bytes, expected: expected, shape: shape, dtype: dtypeName)
        }
        return (dtype, shape, offsets[0], offsets[1])
    }

    /// Little-endian elements of `dtype` (any alignment) as Float.
    private static func convert(_ raw: UnsafeRawBufferPointer, dtype: SafetensorsDType) -> [Float] {
        let count = raw.count / dtype.width
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            switch dtype {
            case .f32:   // x86-64 and arm64 are little-endian
                if count > 0 { memcpy(out.baseAddress!, raw.baseAddress!, count * 4) }
            case .f64:
                for i in 0..<count { out[i] = Float(raw.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
            case .f16:
                for i in 0..<count { out[i] = halfToFloat(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
            case .bf16:
                for i in 0..<count {
                    out[i] = Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
                }
            case .i8:
                for i in 0..<count { out[i] = Float(raw.load(fromByteOffset: i, as: Int8.self)) }
            }
            initialized = count
        }
    }
}

/// IEEE 754 binary16 to Float, exactly (subnormals, infinities and NaN included).
func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x3FF)
    switch exponent {
    case 0:
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    case 31:
        return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    default:
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }
}

// MARK: - Writing

extension SafetensorsFile {
    /// The bytes of the file: F32 (or I8) tensors sorted by name, metadata keys sorted, the header
    /// padded with spaces to a multiple of 8 bytes.
    public func encoded(path: String = "safetensors") throws -> Data {
        let names = tensors.keys.sorted()
        var header = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            fields.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for name in names {
            let t = tensors[name]!
            if name == "__metadata__" { throw SafetensorsError.invalidTensor(path: path, tensor: name, reason: "the name is reserved for metadata") }
            if let d = t.shape.first(where: { $0 < 0 }) {
                throw SafetensorsError.invalidTensor(path: path, tensor: name, reason: "negative dimension \(d) in shape \(t.shape)")
            }
            let elements = t.shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
            guard elements == t.values.count else {
                throw SafetensorsError.invalidTensor(path: path, tensor: name, reason: "\(t.values.count) values for shape \(t.shape)")
            }
            // I8 stays I8; every other dtype was read as Float and is written as F32.
            let dtype = t.dtype == "I8" ? "I8" : "F32"
            if dtype == "I8", let bad = t.values.first(where: { $0 != $0.rounded() || $0 < -128 || $0 > 127 }) {
                throw SafetensorsError.invalidTensor(path: path, tensor: name, reason: "\(bad) is not an 8-bit integer")
            }
            let width = dtype == "I8" ? 1 : 4
            let shape = "[" + t.shape.map(String.init).joined(separator: ",") + "]"
            fields.append("\(jsonString(name)):{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(offset),\(offset + width * elements)]}")
            offset += width * elements
        }
        header += fields.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        headerBytes += [UInt8](repeating: 0x20, count: (8 - headerBytes.count % 8) % 8)

        var out = Data(capacity: 8 + headerBytes.count + offset)
        let length = UInt64(headerBytes.count)
        out.append(contentsOf: (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) })
        out.append(contentsOf: headerBytes)
        for name in names {
            let t = tensors[name]!
            if t.dtype == "I8" {
                out.append(contentsOf: t.values.map { UInt8(bitPattern: Int8($0)) })
            } else {
                t.values.withUnsafeBytes { out.append(contentsOf: $0) }   // little-endian hosts
            }
        }
        return out
    }

    /// Writes the file atomically (temporary file, fsync, rename).
    public func write(to path: String) throws {
        let data = try encoded(path: path)
        do {
            try writeFileAtomically(data, to: path)
        } catch let error as FileWriteError {
            throw SafetensorsError.writeFailed(path: path, reason: error.reason)
        }
    }
}

// MARK: - Parameters

/// Copies the tensors of `file` into `params`. Every parameter must be present with exactly its
/// shape, and the file must hold no other tensor; nothing is changed unless everything matches.
/// An I8 weight (2-D) comes with its per-row scales (`<name>_scale`) and loads quantized.
/// `path` names the file in errors.
public func loadParameters(_ params: [Parameter], from file: SafetensorsFile, path: String) throws {
    var missing: [(name: String, shape: [Int])] = []
    var quantized: [String: Int8Matrix] = [:]
    for p in params {
        guard let t = file.tensors[p.name] else { missing.append((p.name, p.shape)); continue }
        guard t.shape == p.shape else { throw SafetensorsError.shapeMismatch(path: path, tensor: p.name, shape: t.shape, expected: p.shape) }
        if t.dtype == "I8" { quantized[p.name] = try int8Matrix(t, name: p.name, in: file, path: path) }
    }
    let known = Set(params.map(\.name) + quantized.keys.map { $0 + SafetensorsFile.scaleSuffix })
    let unexpected = file.tensors.keys.filter { !known.contains($0) }.sorted()
    guard missing.isEmpty && unexpected.isEmpty else {
        throw SafetensorsError.nameMismatch(path: path, missing: missing, unexpected: unexpected)
    }
    for p in params {
        p.int8 = quantized[p.name]
        p.value = p.int8?.dequantized() ?? file.tensors[p.name]!.values
        if let bad = p.value.firstIndex(where: { !$0.isFinite }) {
            throw SafetensorsError.invalidTensor(path: path, tensor: p.name, reason: "value \(bad) is \(p.value[bad]); weights must be finite numbers")
        }
    }
}

/// The I8 weight `t` with its scales from `file`, checked: 2-D, scales finite and positive.
private func int8Matrix(_ t: SafetensorsFile.Tensor, name: String, in file: SafetensorsFile, path: String) throws -> Int8Matrix {
    func fail(_ reason: String) -> SafetensorsError { .invalidTensor(path: path, tensor: name, reason: reason) }
    guard t.shape.count == 2 else { throw fail("an I8 tensor must be a 2-D weight, got shape \(t.shape)") }
    let scaleName = name + SafetensorsFile.scaleSuffix
    guard let s = file.tensors[scaleName] else { throw fail("I8 weights need their per-row scales in '\(scaleName)', which is missing") }
    guard s.shape == [t.shape[0]] else { throw fail("'\(scaleName)' has shape \(s.shape); expected [\(t.shape[0])]") }
    if let bad = s.values.first(where: { !($0.isFinite && $0 > 0) }) { throw fail("'\(scaleName)' holds \(bad); scales must be finite and positive") }
    return Int8Matrix(rows: t.shape[0], cols: t.shape[1], values: t.values.map { Int8($0) }, scales: s.values)
}

// MARK: - JSON

/// Any JSON value, integers kept apart from other numbers.
enum JSONValue: Decodable {
    case null, bool(Bool), int(Int), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: AnyCodingKey.self) {
            var object: [String: JSONValue] = [:]
            for key in keyed.allKeys { object[key.stringValue] = try keyed.decode(JSONValue.self, forKey: key) }
            self = .object(object)
        } else if var unkeyed = try? decoder.unkeyedContainer() {
            var array: [JSONValue] = []
            while !unkeyed.isAtEnd { array.append(try unkeyed.decode(JSONValue.self)) }
            self = .array(array)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() { self = .null }
            else if let b = try? single.decode(Bool.self) { self = .bool(b) }
            else if let i = try? single.decode(Int.self) { self = .int(i) }
            else if let d = try? single.decode(Double.self) { self = .number(d) }
            else { self = .string(try single.decode(String.self)) }
        }
    }

    /// What the value is, for error messages: `a string "F32"`, `a number 2.5`, `an object`.
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .int(let i): return "\(i)"
        case .number(let d): return "\(d)"
        case .string(let s): return "\"\(s.count > 40 ? String(s.prefix(40)) + "..." : s)\""
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}
