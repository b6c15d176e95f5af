import CSamplerate

/// Streaming sample-rate conversion of one mono channel with libsamplerate.
///
/// Feed it chunks with `process(_:endOfInput:)`; each call returns the output samples that
/// are ready. The converter keeps its filter state between calls, so chunked output equals
/// converting the whole signal at once. Default quality: the best sinc converter.
public final class Resampler {
    public enum Quality: Int32, Sendable {
        case bestSinc = 0      // SRC_SINC_BEST_QUALITY
        case mediumSinc = 1    // SRC_SINC_MEDIUM_QUALITY
        case fastestSinc = 2   // SRC_SINC_FASTEST
    }

    public let inputRate: Int
    public let outputRate: Int
    private let ratio: Double
    private let state: OpaquePointer
    private var output: [Float] = []

    public init(from inputRate: Int, to outputRate: Int, quality: Quality = .bestSinc) throws {
        try SampleRateLimits.validate(target: outputRate)
        try SampleRateLimits.validate(target: inputRate)
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.ratio = Double(outputRate) / Double(inputRate)
        guard src_is_valid_ratio(ratio) != 0 else {
            throw AudioError.invalidSampleRate(
                path: nil, rate: outputRate,
                reason: "ratio \(ratio) to the source rate \(inputRate) Hz is beyond libsamplerate's 1/256 to 256")
        }
        var error: Int32 = 0
        guard let state = src_new(quality.rawValue, 1, &error) else {
            throw AudioError.resamplerFailed(path: "", reason: String(cString: src_strerror(error)))
        }
        self.state = state
    }

    deinit { src_delete(state) }

    /// Converts `input` (mono) and returns what is ready. Pass `endOfInput: true` with the
    /// last chunk (it may be empty) to flush the filter's tail.
    public func process(_ input: [Float], endOfInput: Bool) throws -> [Float] {
        var result: [Float] = []
        result.reserveCapacity(Int(Double(input.count) * ratio) + 64)
        var consumed = 0
        // libsamplerate may need several calls to drain its buffer (always at the end).
        while true {
            let room = max(Int(Double(input.count - consumed) * ratio) + 256, 1024)
            if output.count < room { output = [Float](repeating: 0, count: room) }
            var used = 0, generated = 0
            let status: Int32 = input.withUnsafeBufferPointer { inBuf in
                output.withUnsafeMutableBufferPointer { outBuf in
                    var data = SRC_DATA()
                    data.data_in = inBuf.baseAddress.map { UnsafePointer($0 + consumed) }
                    data.input_frames = Int(input.count - consumed)
                    data.data_out = outBuf.baseAddress
                    data.output_frames = outBuf.count
                    data.src_ratio = ratio
                    data.end_of_input = endOfInput ? 1 : 0
                    let status = src_process(state, &data)
                    used = Int(data.input_frames_used)
                    generated = Int(data.output_frames_gen)
                    return status
                }
            }
            guard status == 0 else {
                throw AudioError.resamplerFailed(path: "", reason: String(cString: src_strerror(status)))
            }
            consumed += used
            result.append(contentsOf: output[0..<generated])
            let inputLeft = consumed < input.count
            if !inputLeft && (!endOfInput || generated == 0) { break }
        }
        return result
    }
}
