import ASR
import ArgumentParser
import Foundation

/// `asr transcribe --stream -`: live recognition of raw PCM read from standard input, as it
/// arrives, e.g. `arecord -f S16_LE -r 16000 -c 1 | asr transcribe --stream - --rate 16000`
/// or `sox in.wav -t raw -e signed -b 16 -c 1 -r 16000 - | asr transcribe --stream - --rate 16000`.
/// Prints one JSON line per event (`TranscriptRenderer.streamLine`), flushed at once.
enum StreamInput {
    static func run(recognizer: Recognizer, source: String, rate: Int, encoding: PCMDecoder.Encoding, channels: Int,
                    options: StreamOptions) throws {
        guard source == "-" else {
            throw ValidationError("--stream reads raw PCM from standard input: pass '-' (got '\(source)'); for a file, leave out --stream")
        }
        let stream = try recognizer.makeStream(sampleRate: rate, options: options, name: "standard input")
        var decoder = PCMDecoder(encoding: encoding, channels: channels)
        let input = FileHandle.standardInput
        // Unbuffered: each line reaches the reader as soon as it is known.
        // A reader that went away (EPIPE) or a full disk ends the stream with an error, not a trap.
        func emit(_ events: [StreamEvent]) throws {
            for event in events { try FileHandle.standardOutput.write(contentsOf: Data((TranscriptRenderer.streamLine(event) + "\n").utf8)) }
        }
        // 20 ms of audio a read at most, so a result is never held back by a half-full buffer;
        // a read returns what has arrived (a pipe gives what the writer wrote).
        let chunkBytes = max(64, rate / 50 * encoding.bytesPerSample * channels)
        while true {
            let bytes = try input.read(upToCount: chunkBytes) ?? Data()
            if bytes.isEmpty { break }
            try emit(try stream.accept(decoder.decode(bytes)))
        }
        if decoder.leftoverBytes > 0 {
            printError("warning: standard input ended inside a sample (\(decoder.leftoverBytes) bytes left over); ignored\n")
        }
        try emit(try stream.finish())
    }
}
