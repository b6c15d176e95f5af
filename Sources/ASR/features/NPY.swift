import Foundation

/// numpy's `.npy` format (version 1.0) for little-endian float32 arrays, so Python users can
/// `np.load` what `asr` writes, and tests can read what numpy wrote.
public enum NPY {
    public struct FormatError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): not a float32 .npy file: \(reason)" }
    }

    /// The bytes of an .npy file holding `data` with `shape` (C order).
    public static func encode(_ data: [Float], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == data.count, "NPY: \(data.count) values for shape \(shape)")
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // Magic (6) + version (2) + length (2) + header + newline, padded to a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        out.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        out.append(contentsOf: Array(header.utf8))
        data.withUnsafeBytes { out.append(contentsOf: $0) }   // x86-64 and arm64 are little-endian
        return out
    }

    public static func write(_ matrix: FeatureMatrix, to path: String) throws {
        try writeFileAtomically(encode(matrix.data, shape: [matrix.rows, matrix.cols]), to: path)
    }

    /// Reads a C-order little-endian float32 (or float64, converted) array.
    public static func read(_ path: String) throws -> (data: [Float], shape: [Int]) {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw FormatError(path: path, reason: "cannot read the file")
        }
        let b = [UInt8](bytes)
        guard b.count >= 10, b[0] == 0x93, Array(b[1..<6]) == Array("NUMPY".utf8) else {
            throw FormatError(path: path, reason: "missing the \\x93NUMPY magic")
        }
        let major = b[6]
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(b[8]) | Int(b[9]) << 8
            headerStart = 10
        } else {
            guard b.count >= 12 else { throw FormatError(path: path, reason: "truncated header") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            headerStart = 12
        }
        guard headerStart + headerLength <= b.count else { throw FormatError(path: path, reason: "header runs past the end") }
        let header = String(decoding: b[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard !header.contains("'fortran_order': True") else { throw FormatError(path: path, reason: "Fortran order") }
        let isDouble: Bool
        if header.contains("'<f4'") { isDouble = false } else if header.contains("'<f8'") { isDouble = true } else {
            throw FormatError(path: path, reason: "dtype is not '<f4' or '<f8' (\(header))")
        }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw FormatError(path: path, reason: "no shape in header")
        }
        let shape = header[open.upperBound..<close].split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        let count = shape.reduce(1, *)
        let start = headerStart + headerLength
        let width = isDouble ? 8 : 4
        guard b.count - start == count * width else {
            throw FormatError(path: path, reason: "\(b.count - start) data bytes for shape \(shape)")
        }
        let values: [Float] = b[start...].withUnsafeBytes { raw in
            if isDouble { return raw.bindMemory(to: Double.self).map { Float($0) } }
            return Array(raw.bindMemory(to: Float.self))
        }
        return (values, shape)
    }
}
