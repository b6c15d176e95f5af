import Foundation
import Testing
@testable import ASR

struct SafetensorsTests {
    /// The bytes of a safetensors file with `header` (padded to 8 bytes unless `pad` is false)
    /// and `data`; `length` overrides the stored header length.
    func bytes(_ header: String, data: [UInt8] = [], length: UInt64? = nil, pad: Bool = true) -> [UInt8] {
        var h = Array(header.utf8)
        if pad { h += [UInt8](repeating: 0x20, count: (8 - h.count % 8) % 8) }
        let n = length ?? UInt64(h.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + h + data
    }

    /// The error reading `content` from a file named `name` gives, or nil if it reads.
    func readError(_ content: [UInt8], name: String = "bad.safetensors") -> SafetensorsError? {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(name).path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(content)))
        do {
            _ = try SafetensorsFile.read(path)
            return nil
        } catch let error as SafetensorsError {
            return error
        } catch {
            Issue.record("not a SafetensorsError: \(error)")
            return nil
        }
    }

    /// Checks that `content` is refused with the error case `expected` and a message that
    /// names the file and contains each of `phrases`.
    func expectRefused(_ content: [UInt8], _ expected: String, _ phrases: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = readError(content) else {
            Issue.record("read without error; expected \(expected)", sourceLocation: sourceLocation)
            return
        }
        let kind = Mirror(reflecting: error).children.first?.label
        #expect(kind == expected, "\(error)", sourceLocation: sourceLocation)
        let message = error.description
        #expect(message.contains("bad.safetensors"), "\(message)", sourceLocation: sourceLocation)
        for phrase in phrases {
            #expect(message.contains(phrase), "'\(phrase)' not in: \(message)", sourceLocation: sourceLocation)
        }
    }

    func floats(_ values: [Float]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    // MARK: Round trips

    @Test func roundTripKeepsEverything() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.safetensors").path
        var file = SafetensorsFile(metadata: ["epoch": "3", "recipe": "{\"a\": [1, 2]}\n\ttab \u{1} é 𝄞", "": "empty key"])
        file.tensors["encoder.weight_ih_l0"] = .init(shape: [6, 4], values: (0..<24).map { Float($0) * 0.37 - 4 })
        file.tensors["a.scalar"] = .init(shape: [], values: [-.infinity])
        file.tensors["b.empty"] = .init(shape: [0, 5], values: [])
        file.tensors["c.extremes"] = .init(shape: [4], values: [.leastNonzeroMagnitude, .greatestFiniteMagnitude, -0.0, .nan])
        file.tensors["name with \"quotes\" and \\"] = .init(shape: [1, 1, 1], values: [7])
        try file.write(to: path)

        let back = try SafetensorsFile.read(path)
        #expect(back.metadata == file.metadata)
        #expect(Set(back.tensors.keys) == Set(file.tensors.keys))
        for (name, t) in file.tensors {
            let b = try #require(back.tensors[name])
            #expect(b.shape == t.shape, "\(name)")
            #expect(b.values.map(\.bitPattern) == t.values.map(\.bitPattern), "\(name)")
        }

        // The header is padded to 8 bytes; writing again gives the same bytes (sorted keys).
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        #expect(try file.encoded() == data)
        let header = String(decoding: data[8..<(8 + headerLength)], as: UTF8.self)
        let order = ["a.scalar", "b.empty", "c.extremes", "encoder.weight_ih_l0"].map { header.range(of: "\"\($0)\"")!.lowerBound }
        #expect(order == order.sorted(), "tensors are written sorted by name: \(header)")
    }

    @Test func parametersGoThroughAFile() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.safetensors").path
        let saved = [Parameter(name: "rnn.weight_ih_l0", shape: [6, 3], value: (0..<18).map { Float($0) / 7 }),
                     Parameter(name: "rnn.bias_ih_l0", shape: [6], value: (0..<6).map { -Float($0) })]
        try SafetensorsFile(parameters: saved, metadata: ["kind": "gru"]).write(to: path)

        let fresh = saved.map { Parameter(name: $0.name, shape: $0.shape) }
        let file = try SafetensorsFile.read(path)
        try loadParameters(fresh, from: file, path: path)
        #expect(fresh.map(\.value) == saved.map(\.value))
        #expect(file.metadata == ["kind": "gru"])
    }

    @Test func loadingIntoAModelChecksNamesAndShapes() throws {
        let params = [Parameter(name: "encoder.weight_ih_l0", shape: [384, 39]), Parameter(name: "classifier.bias", shape: [11])]
        var file = SafetensorsFile()
        file.tensors["encoder.weight_ih_l0"] = .init(shape: [384, 40], values: [Float](repeating: 1, count: 384 * 40))
        file.tensors["classifier.bias"] = .init(shape: [11], values: [Float](repeating: 2, count: 11))
        do {
            try loadParameters(params, from: file, path: "model.safetensors")
            Issue.record("loaded a tensor of the wrong shape")
        } catch {
            #expect("\(error)" == "model.safetensors: tensor 'encoder.weight_ih_l0' has shape [384, 40], expected [384, 39]")
        }
        #expect(params[1].value.allSatisfy { $0 == 0 }, "nothing is loaded unless everything matches")

        file.tensors["encoder.weight_ih_l0"] = nil
        file.tensors["decoder.weight"] = .init(shape: [2], values: [1, 2])
        do {
            try loadParameters(params, from: file, path: "model.safetensors")
            Issue.record("loaded with a missing tensor")
        } catch {
            #expect("\(error)" == "model.safetensors: tensors do not match the model: missing 'encoder.weight_ih_l0' (expected shape [384, 39]); unexpected 'decoder.weight'")
        }
        #expect(params[1].value.allSatisfy { $0 == 0 })
    }

    @Test func readsWhatPyTorchWrote() throws {
        let file = try SafetensorsFile.read(Fixtures.path("safetensors/torch_small.safetensors"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("safetensors/torch_small.json")))) as! [String: Any]
        #expect(file.metadata == json["metadata"] as! [String: String])
        let tensors = json["tensors"] as! [String: [String: Any]]
        #expect(Set(file.tensors.keys) == Set(tensors.keys))
        #expect(Set(tensors.values.map { $0["dtype"] as! String }) == ["float32", "float64", "float16", "bfloat16"])
        for (name, expected) in tensors {
            let t = try #require(file.tensors[name], "\(name)")
            #expect(t.shape == expected["shape"] as! [Int], "\(name)")
            // Expected values are float32 already: the conversion must be exact.
            #expect(t.values == (expected["values"] as! [Double]).map { Float($0) }, "\(name)")
        }
        #expect(file.tensors["linear.weight"]!.shape == [2, 3])
    }

    @Test func halfPrecisionConversionIsExact() {
        #expect(halfToFloat(0x3C00) == 1)
        #expect(halfToFloat(0xC000) == -2)
        #expect(halfToFloat(0x7BFF) == 65504)
        #expect(halfToFloat(0x0001) == 0x1p-24)
        #expect(halfToFloat(0x03FF) == Float(1023) * 0x1p-24)
        #expect(halfToFloat(0x8000).bitPattern == (-0.0 as Float).bitPattern)
        #expect(halfToFloat(0x7C00) == .infinity && halfToFloat(0xFC00) == -.infinity)
        #expect(halfToFloat(0x7E00).isNaN)
    }

    @Test func writerRefusesInconsistentTensors() {
        var file = SafetensorsFile()
        file.tensors["w"] = .init(shape: [2, 3], values: [1, 2, 3])
        #expect(throws: SafetensorsError.self) { try file.encoded(path: "out.safetensors") }
        do { _ = try file.encoded(path: "out.safetensors") } catch {
            #expect("\(error)" == "out.safetensors: tensor 'w': 3 values for shape [2, 3]")
        }
        file.tensors = ["__metadata__": .init(shape: [1], values: [1])]
        #expect(throws: SafetensorsError.self) { try file.encoded(path: "out.safetensors") }
        file.tensors = ["w": .init(shape: [1], values: [1])]
        #expect(throws: SafetensorsError.self) { try file.write(to: "/nonexistent-dir/out.safetensors") }
    }

    // MARK: Hostile and malformed files

    @Test func refusesShortOrMissingFiles() throws {
        expectRefused([], "truncated", "0 bytes", "at least 8")
        expectRefused([1, 0, 0, 0, 0], "truncated", "5 bytes")
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        for path in [dir.path, dir.appendingPathComponent("absent.safetensors").path] {
            #expect(throws: SafetensorsError.self) { try SafetensorsFile.read(path) }
        }
    }

    @Test func refusesBadHeaderLengths() {
        expectRefused(bytes("{}", length: UInt64.max), "headerTooLarge", "18446744073709551615", "at most 100000000")
        expectRefused(bytes("{}", length: 200_000_000), "headerTooLarge")
        expectRefused(bytes("{}", length: 9), "headerPastEnd", "header length 9", "only 8 bytes")
        // A text file (a recipe given as --model) is called what it is.
        expectRefused(Array("{\n  \"name\": \"digits\",\n}".utf8), "invalidHeader", "starts with text", "is it a recipe")
    }

    @Test func refusesHeadersThatAreNotJSONObjects() {
        expectRefused(bytes("{\"a\": "), "invalidHeader", "not valid JSON")
        expectRefused(bytes("{\"a\" 1}"), "invalidHeader", "not valid JSON: Invalid value around character")
        expectRefused(bytes("[1, 2]"), "invalidHeader", "expected a JSON object, got a list")
        expectRefused(bytes("\"x\""), "invalidHeader", "expected a JSON object")
        expectRefused(Array(bytes("{}").prefix(8)) + [0x7B, 0xFF, 0xFE, 0x7D, 0x20, 0x20, 0x20, 0x20], "invalidHeader", "UTF-8")
        expectRefused(bytes("{\"__metadata__\": [\"a\"]}"), "invalidMetadata", "expected an object of strings")
        expectRefused(bytes("{\"__metadata__\": {\"epoch\": 3}}"), "invalidMetadata", "__metadata__.epoch", "expected a string, got 3")
    }

    @Test func refusesBadTensorEntries() {
        let d = floats([1, 2])
        expectRefused(bytes(#"{"w": 5}"#, data: d), "invalidEntry", "'w'", "got 5")
        expectRefused(bytes(#"{"w": {"shape": [2], "data_offsets": [0, 8]}}"#, data: d), "invalidEntry", "'w'", "dtype", "missing")
        expectRefused(bytes(#"{"w": {"dtype": 32, "shape": [2], "data_offsets": [0, 8]}}"#, data: d), "invalidEntry", "dtype", "got 32")
        expectRefused(bytes(#"{"w": {"dtype": "F32", "data_offsets": [0, 8]}}"#, data: d), "invalidEntry", "shape", "missing")
        expectRefused(bytes(#"{"w": {"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}}"#, data: d), "invalidEntry", "shape", "got \"2\"")
        expectRefused(bytes(#"{"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}"#, data: d), "invalidEntry", "shape", "-2")
        expectRefused(bytes(#"{"w": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}}"#, data: d), "invalidEntry", "shape", "2.5")
        expectRefused(bytes(#"{"w": {"dtype": "F32", "shape": [2]}}"#, data: d), "invalidEntry", "data_offsets", "missing")
        expectRefused(bytes(#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4, 8]}}"#, data: d), "invalidEntry", "data_offsets", "[0, 4, 8]")
        expectRefused(bytes(#"{"w": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}}"#, data: d), "invalidEntry", "data_offsets", "[8, 0]")
        expectRefused(bytes(#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 1e300]}}"#, data: d), "invalidEntry", "data_offsets")
        expectRefused(bytes(#"{"w": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}"#, data: d), "unsupportedDType", "'w'", "'I64'")
    }

    @Test func refusesHugeShapes() {
        let d = floats([1, 2])
        // 2^62 * 2^62 overflows Int; 65536 * 65536 = 2^32 elements is beyond the limit.
        expectRefused(bytes(#"{"w": {"dtype": "F32", "shape": [4611686018427387904, 4611686018427387904], "data_offsets": [0, 8]}}"#, data: d),
                      "tooManyElements", "'w'")
        expectRefused(bytes(#"{"w": {"dtype": "F64", "shape": [65536, 65536], "data_offsets": [0, 8]}}"#, data: d),
                      "tooManyElements", "[65536, 65536]")
    }

    @Test func refusesOffsetsThatDoNotFitTheData() {
        let d = floats([1, 2, 3])
        expectRefused(bytes(#"{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#, data: d),
                      "outOfBounds", "'w'", "byte 16", "12 bytes")
        expectRefused(bytes(#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 12]}}"#, data: d),
                      "sizeMismatch", "'w'", "span 12 bytes; expected 8 for F32 with shape [2]")
        expectRefused(bytes(#"{"w": {"dtype": "F64", "shape": [1], "data_offsets": [0, 4]}}"#, data: d), "sizeMismatch", "expected 8 for F64")
        expectRefused(bytes(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#, data: d),
                      "overlap", "'b' overlaps tensor 'a'")
        expectRefused(bytes(#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}"#, data: d),
                      "uncoveredBytes", "bytes 4..<8")
        expectRefused(bytes(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#, data: d), "uncoveredBytes", "bytes 8..<12")
    }

    @Test func acceptsUnpaddedHeadersAndOtherDTypes() throws {
        // Not padded to 8 bytes (so the data is misaligned), metadata null, F64, BF16 and F16 mixed.
        var data = [UInt8]()
        withUnsafeBytes(of: (1.5 as Double)) { data += $0 }
        data += [0x80, 0x3F]   // BF16 1.0
        data += [0x00, 0xC0]   // F16 -2.0
        let header = #"{"__metadata__": null, "d": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}, "b": {"dtype": "BF16", "shape": [1, 1], "data_offsets": [8, 10]}, "h": {"dtype": "F16", "shape": [1], "data_offsets": [10, 12]}}"#
        let content = bytes(header + " ", data: data, pad: false)
        #expect(readError(content) == nil)
        let file = try content.withUnsafeBytes { try SafetensorsFile.parse($0, path: "x") }
        #expect(file.tensors["d"]!.values == [1.5] && file.tensors["b"]!.values == [1] && file.tensors["h"]!.values == [-2])
        #expect(file.metadata.isEmpty)
        #expect(file.tensors["h"]!.dtype == "F16")
        // Written back, what was read as Float is stored as F32 with the same values.
        let again = try file.encoded().withUnsafeBytes { try SafetensorsFile.parse($0, path: "y") }
        #expect(again.tensors.values.allSatisfy { $0.dtype == "F32" })
        #expect(again.tensors.mapValues(\.values) == file.tensors.mapValues(\.values))
    }
}
