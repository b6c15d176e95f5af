import Foundation
import Testing
@testable import ASR

/// Writes a short 8 kHz tone (`seconds` long) to `folder/name`, making folders as needed.
@discardableResult
private func writeTone(_ folder: URL, _ name: String, seconds: Double = 0.1, rate: Int = 8000) throws -> String {
    let url = folder.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try AudioWriter.write(sine(440, rate: rate, seconds: seconds, amplitude: 0.3), to: url.path, sampleRate: rate)
    return url.path
}

private func writeText(_ folder: URL, _ name: String, _ text: String) throws -> String {
    let url = folder.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// The message of the error `body` throws, or "no error".
private func errorMessage(_ body: () throws -> Void) -> String {
    do { try body(); return "no error" } catch { return "\(error)" }
}

private func load(_ path: String, format: DataSetConfig.Format? = nil, base: String = "/",
                  tokenizer: Vocabulary = .characters, configure: (inout DataSetConfig) -> Void = { _ in }) throws
    -> (utterances: [Utterance], problems: [DataProblem]) {
    var config = DataSetConfig(path: path, format: format)
    configure(&config)
    return try loadDataSet(config, key: "data.train", relativeTo: base, tokenizer: tokenizer)
}

struct DataSetTests {
    @Test func tsvManifestWithEveryProblem() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeTone(dir, "lists/audio/a.wav", seconds: 0.2)
        try writeTone(dir, "lists/audio/b.wav")
        let absolute = try writeTone(dir, "elsewhere/c.wav")
        try Data().write(to: dir.appendingPathComponent("lists/audio/empty.wav"))
        let manifest = try writeText(dir, "lists/train.tsv", [
            "path\ttext",                          // 1 header
            "# a comment",                         // 2
            "audio/a.wav\tHello, World!",          // 3
            "",                                    // 4
            "\(absolute)\tit's  fine",             // 5
            "audio/missing.wav\thello",            // 6
            "audio/b.wav\t  ...  ",                // 7 empty after normalisation
            "audio/b.wav\tcall 911",               // 8
            "audio/b.wav no tab here",             // 9
            "audio/b.wav\tone\ttwo\tthree",        // 10
            "audio/empty.wav\thi",                 // 11
            "audio/b.wav\tgood bye\r",             // 12 (CRLF)
        ].joined(separator: "\n") + "\n")
        // The manifest is given relative to the recipe folder `dir`.
        let (utterances, reported) = try load("lists/train.tsv", base: dir.path)
        // The header and the comment are read as such, and said so (notes, not problems).
        let notes = reported.filter(\.isNote).map { "\($0.line!): \($0.message)" }
        #expect(notes == ["1: read as a header line ('path\ttext'), not an utterance",
                          "2: skipped 1 comment line (starting with #): 2"], "\(notes)")
        let problems = reported.filter { !$0.isNote }
        #expect(utterances.map(\.text) == ["hello world", "it's fine", "good bye"])
        #expect(utterances.map(\.id) == ["audio/a.wav", absolute, "audio/b.wav"])
        #expect(utterances[0].audioPath == dir.path + "/lists/audio/a.wav")
        #expect(utterances[1].audioPath == absolute)
        #expect(abs((utterances[0].duration ?? 0) - 0.2) < 1e-9 && utterances[0].speaker == nil)
        let expected: [(Int, String)] = [
            (6, "audio file 'audio/missing.wav' (\(dir.path)/lists/audio/missing.wav) not found"),
            (7, "empty transcript"),
            (8, #"characters outside the token set: "9", "1" in "call 911""#),
            (9, "malformed line: expected 'audio-path<TAB>transcript[<TAB>speaker]', found no tab"),
            (10, "malformed line: expected 'audio-path<TAB>transcript[<TAB>speaker]', found 4 tab-separated fields"),
            (11, "audio file 'audio/empty.wav'"),
        ]
        #expect(problems.count == expected.count, "\(problems)")
        for (problem, (line, message)) in zip(problems.sorted { $0.line! < $1.line! }, expected) {
            #expect(problem.source == manifest && problem.line == line && problem.message.hasPrefix(message), "\(problem)")
            #expect(problem.description.hasPrefix("\(manifest):\(line): "), "\(problem)")
        }
    }

    /// A recording listed twice is skipped the second time, with both lines named (for
    /// utterances: trained on once, scored once); for audio paths it is an error.
    @Test func aFileListedTwiceIsTakenOnce() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeTone(dir, "a.wav")
        try writeTone(dir, "b.wav")
        let manifest = try writeText(dir, "m.tsv", "a.wav\tone\nb.wav\ttwo\n# pasted again\na.wav\tone\n")
        let (utterances, reported) = try load(manifest)
        #expect(utterances.map(\.id) == ["a.wav", "b.wav"])
        let problems = reported.filter { !$0.isNote }
        #expect(problems.map(\.description) == ["\(manifest):4: 'a.wav' is listed twice (first at line 1); the repeat is skipped"])

        var notes: [String] = []
        let m = errorMessage { _ = try ManifestReader.audioPaths(of: manifest) { notes.append($0.description) } }
        #expect(m == "\(manifest):4: 'a.wav' is listed twice (first at line 1); list each file once", "\(m)")
        #expect(notes == ["\(manifest):3: skipped 1 comment line (starting with #): 3"], "\(notes)")
    }

    /// A TSV's third field is the speaker; speakers, a seeded speaker split and a word list
    /// select utterances in any format that names speakers.
    @Test func speakersAndWordsSelectUtterances() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var lines: [String] = []
        for s in 0..<8 {
            for (i, word) in ["one", "go", "one two"].enumerated() {
                try writeTone(dir, "s\(s)_\(i).wav")
                lines.append("s\(s)_\(i).wav\t\(word)\tspk\(s)")
            }
        }
        let manifest = try writeText(dir, "m.tsv", lines.joined(separator: "\n") + "\n")
        let all = try load(manifest).utterances
        #expect(all.count == 24 && all[0].speaker == "spk0")
        #expect(try load(manifest) { $0.speakers = ["spk1", "spk2"] }.utterances.count == 6)
        #expect(try load(manifest) { $0.excludeSpeakers = ["spk1"] }.utterances.count == 21)
        #expect(try load(manifest) { $0.words = ["one", "two"] }.utterances.map(\.text).allSatisfy { $0 == "one" || $0 == "one two" })
        // The three parts of one split are disjoint and cover every speaker; the split is fixed by its seed.
        var parts: [[String]] = []
        for use in SpeakerSplitConfig.Part.allCases {
            let u = try load(manifest) { $0.speakerSplit = SpeakerSplitConfig(use: use, test: 0.25, validation: 0.125, seed: 3) }.utterances
            parts.append(Array(Set(u.compactMap(\.speaker))).sorted())
        }
        #expect(parts.map(\.count) == [5, 1, 2], "\(parts)")
        #expect(Set(parts.joined()).count == 8)
        let again = SpeakerSplitConfig(use: .test, test: 0.25, validation: 0.125, seed: 3).speakers(of: .test, among: all.compactMap(\.speaker))
        #expect(again == parts[2])
        let other = SpeakerSplitConfig(use: .test, test: 0.25, validation: 0.125, seed: 4).speakers(of: .test, among: all.compactMap(\.speaker))
        #expect(other != parts[2])
        let m = errorMessage { _ = try load(manifest) { $0.speakerSplit = SpeakerSplitConfig(use: .train, test: 0.95) } }
        #expect(m.hasPrefix("data.train.speaker_split.test: expected a share of the speakers from 0 to 0.9"), "\(m)")
    }

    @Test func jsonLinesManifest() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeTone(dir, "wavs/a.wav", seconds: 0.3)
        let manifest = try writeText(dir, "m.jsonl", [
            #"{"audio_filepath": "wavs/a.wav", "text": "Yes!", "duration": 9.9, "lang": "en"}"#,
            #"{"audio_filepath": "wavs/a.wav", "text": "no"#,
            #"["wavs/a.wav", "no"]"#,
            #"{"text": "no"}"#,
            #"{"audio_filepath": "wavs/a.wav"}"#,
            #"{"audio_filepath": "wavs/a.wav", "text": 3}"#,
            "",
            #"{"audio_filepath": "wavs/nope.wav", "text": "no"}"#,
        ].joined(separator: "\n"))
        let (utterances, problems) = try load(manifest)
        #expect(utterances == [Utterance(id: "wavs/a.wav", audioPath: dir.path + "/wavs/a.wav", text: "yes", duration: 0.3)])
        let messages = problems.map { "\($0.line!): \($0.message)" }
        #expect(messages.count == 6, "\(messages)")
        #expect(messages[0].hasPrefix("2: not valid JSON"))
        #expect(messages[1] == "3: expected a JSON object on each line")
        #expect(messages[2] == #"4: missing key "audio_filepath""#)
        #expect(messages[3] == #"5: missing key "text""#)
        #expect(messages[4] == #"6: "text" must be a string"#)
        #expect(messages[5].hasPrefix("8: audio file 'wavs/nope.wav'") && messages[5].hasSuffix("not found"))
        #expect(problems.allSatisfy { $0.source == manifest })
    }

    @Test func kaldiFolder() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data/train")
        try writeTone(data, "wav/u1.wav")
        try writeTone(dir, "shared/u2.wav", seconds: 0.15)
        let scp = try writeText(data, "wav.scp", """
            u1 wav/u1.wav
            u2 ../../shared/u2.wav
            u3 sox in.flac -t wav - |
            u5 wav/u5.wav
            u6
            u7 wav/u1.wav

            """)
        let text = try writeText(data, "text", """
            u1 ONE two
            u2 three
            u3 four
            u4 five
            u6 six
            u7

            """)
        _ = try writeText(data, "utt2spk", "u1 alice\nu2 bob\n")
        let (utterances, problems) = try load("data/train", base: dir.path)   // guessed: kaldi
        #expect(utterances.map(\.id) == ["u1", "u2"])
        #expect(utterances.map(\.text) == ["one two", "three"])
        #expect(utterances.map(\.speaker) == ["alice", "bob"])
        #expect(utterances[1].audioPath == data.path + "/../../shared/u2.wav")
        #expect(abs((utterances[1].duration ?? 0) - 0.15) < 1e-9)
        let described = problems.map(\.description)
        #expect(described.contains { $0.hasPrefix("\(scp):3: utterance 'u3': piped commands are not run") }, "\(described)")
        #expect(described.contains("\(text):4: utterance 'u4' has no audio in wav.scp"), "\(described)")
        #expect(described.contains("\(scp):4: utterance 'u5' has no transcript in text"), "\(described)")
        #expect(described.contains("\(scp):5: malformed line: expected 'utterance-id audio-path'"), "\(described)")
        #expect(described.contains("\(text):6: empty transcript"), "\(described)")
        #expect(problems.count == 5, "\(described)")
        // A missing audio file of a Kaldi folder is reported at its wav.scp line.
        _ = try writeText(data, "wav.scp", "u1 wav/u1.wav\nu2 wav/gone.wav\n")
        let second = try load(data.path, format: .kaldi)
        #expect(second.problems.contains { $0.description.hasPrefix("\(scp):2: audio file 'wav/gone.wav'") }, "\(second.problems)")
    }

    /// A fake FSDD folder: speakers "ann" and "bob", digits 0-2, takes 0-6; digit d lasts 0.1 + 0.05 d s.
    private func fakeFSDD(_ dir: URL) throws -> URL {
        let folder = dir.appendingPathComponent("recordings")
        for speaker in ["ann", "bob"] {
            for digit in 0...2 {
                for take in 0...6 { try writeTone(folder, "\(digit)_\(speaker)_\(take).wav", seconds: 0.1 + 0.05 * Double(digit)) }
            }
        }
        return folder
    }

    @Test func fsddFolderSplitsAndFilters() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = try fakeFSDD(dir)
        try writeTone(folder, "not_fsdd.wav")
        _ = try writeText(folder, "README.txt", "ignored")
        let test = try load("recordings", base: dir.path) { $0.takes = "0-4" }
        #expect(test.utterances.count == 30)
        #expect(test.utterances[0] == Utterance(id: "0_ann_0", audioPath: folder.path + "/0_ann_0.wav", text: "zero",
                                                duration: 0.1, speaker: "ann"))
        #expect(test.utterances.map(\.id).prefix(6) == ["0_ann_0", "0_ann_1", "0_ann_2", "0_ann_3", "0_ann_4", "1_ann_0"])
        #expect(test.problems.map(\.description) == ["\(folder.path)/not_fsdd.wav: file name does not match {digit}_{speaker}_{take}.wav"])
        let train = try load("recordings", format: .fsdd, base: dir.path) { $0.takes = "5-49" }
        #expect(train.utterances.count == 12 && Set(train.utterances.map(\.text)) == ["zero", "one", "two"])
        #expect(try load(folder.path).utterances.count == 42)
        let one = try load(folder.path) { $0.takes = "3" }
        #expect(one.utterances.map(\.id) == ["0_ann_3", "1_ann_3", "2_ann_3", "0_bob_3", "1_bob_3", "2_bob_3"])
        let ann = try load(folder.path) { $0.speakers = ["ann"] }
        #expect(ann.utterances.count == 21 && ann.utterances.allSatisfy { $0.speaker == "ann" })
        let notAnn = try load(folder.path) { $0.excludeSpeakers = ["ann"]; $0.takes = "0-1" }
        #expect(notAnn.utterances.count == 6 && notAnn.utterances.allSatisfy { $0.speaker == "bob" })
        // Word-level transcripts encode too.
        #expect(try load(folder.path, tokenizer: Vocabulary(words: fsddDigitWords)).utterances.count == 42)
        // max_duration skips the long ones, counted in one problem.
        let short = try load(folder.path) { $0.maxDuration = 0.17 }
        #expect(short.utterances.count == 28 && short.utterances.allSatisfy { $0.text != "two" })
        #expect(short.problems.last?.message.hasPrefix("skipped 14 utterances longer than max_duration (0.17 s)") == true, "\(short.problems)")
    }

    @Test func fsddFilterErrorsNameTheKey() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = try fakeFSDD(dir).path
        #expect(errorMessage { _ = try load(folder) { $0.speakers = ["ann", "carl"] } }
            .hasPrefix("data.train.speakers: no utterances of speaker 'carl'"))
        #expect(errorMessage { _ = try load(folder) { $0.excludeSpeakers = ["dan"] } }.hasPrefix("data.train.exclude_speakers: "))
        for bad in ["5-", "a-b", "9-3", "-1", "1-2-3", ""] {
            let m = errorMessage { _ = try load(folder) { $0.takes = bad } }
            #expect(m.hasPrefix("data.train.takes: expected an inclusive range"), "\(bad): \(m)")
        }
        let m = errorMessage { _ = try load(folder) { $0.takes = "40-49" } }
        #expect(m.hasPrefix("data.train.path: no usable utterances"), "\(m)")
        #expect(errorMessage { _ = try load(folder) { $0.maxDuration = 0 } }.hasPrefix("data.train.max_duration: "))
        // The FSDD repository root instead of its recordings folder gets a hint.
        let root = errorMessage { _ = try load(dir.path) }
        #expect(root.hasPrefix("data.train.path: the folder") && root.contains("did you mean '\(dir.path)/recordings'"), "\(root)")
    }

    @Test func formatGuessingAndFatalErrors() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeTone(dir, "a.wav")
        _ = try writeText(dir, "list.txt", "a.wav\tyes\n")
        _ = try writeText(dir, "list.json", #"{"audio_filepath": "a.wav", "text": "yes"}"# + "\n")
        _ = try writeText(dir, "list.csv", "a.wav,yes\n")
        _ = try writeText(dir, "bad.tsv", "a.wav\t42\nnothing.wav\tyes\n")
        _ = try writeText(dir, "empty.tsv", "# only a comment\n")
        #expect(try load("list.txt", base: dir.path).utterances.count == 1)
        #expect(try load("list.json", base: dir.path).utterances.count == 1)
        let cases: [(DataSetConfig, String)] = [
            (DataSetConfig(path: "../x.tsv"), "data.train.path: no such file or folder '../x.tsv' (relative to '\(dir.path)')"),
            (DataSetConfig(path: "list.csv"), "data.train.path: cannot tell the format of 'list.csv'"),
            (DataSetConfig(path: "."), "data.train.path: the folder '.' is neither a Kaldi data folder"),
            (DataSetConfig(path: "list.txt", format: .kaldi), "data.train.path: format kaldi expects a folder"),
            (DataSetConfig(path: ".", format: .jsonl), "data.train.path: format jsonl expects a manifest file"),
            (DataSetConfig(path: ".", format: .kaldi), "data.train.path: the Kaldi data folder"),
            (DataSetConfig(path: "list.txt", takes: "0-4"), #"data.train.takes: only used with format "fsdd""#),
            (DataSetConfig(path: "list.txt", speakers: ["x"]), "data.train.speakers: 'a.wav' ("),
            (DataSetConfig(path: "bad.tsv"), "data.train.path: no usable utterances in 'bad.tsv' (2 problems, the first: "),
            (DataSetConfig(path: "empty.tsv"), "data.train.path: no usable utterances in 'empty.tsv' (it lists none)"),
        ]
        for (config, prefix) in cases {
            let m = errorMessage { _ = try loadDataSet(config, key: "data.train", relativeTo: dir.path, tokenizer: .characters) }
            #expect(m.hasPrefix(prefix), "\(config.path) -> \(m)")
        }
    }

    /// One reader for training, `asr evaluate` and `asr transcribe --manifest`: each accepts
    /// what the other did before the two were merged.
    @Test func oneManifestGrammarForTrainingAndTranscription() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["a.wav", "sub/b.wav", "c.wav", "d.wav", "e.wav", "f.wav"] { try writeTone(dir, name) }
        let manifest = try writeText(dir, "mixed.tsv", [
            "audio\ttranscript",                                       // 1 a header: first field "audio"
            "a.wav\tyes",                                              // 2
            #"{"audio": "sub/b.wav", "text": "no", "speaker": "s1"}"#,  // 3 a JSON line in a TSV file
            #"{"path": "./c.wav", "text": "maybe"}"#,                   // 4 the key "path"; "." dropped
            "d.wav",                                                    // 5 a bare path: no transcript
            "e.wav\tone\ttwo\tthree",                                   // 6 four fields
            #"{"file": "f.wav"}"#,                                      // 7 no "text"
        ].joined(separator: "\n") + "\n")
        // Training: the utterances with transcripts; the others are problems, as before.
        let (utterances, reported) = try load(manifest)
        #expect(utterances.map(\.text) == ["yes", "no", "maybe"])
        #expect(utterances.map(\.audioPath) == [dir.path + "/a.wav", dir.path + "/sub/b.wav", dir.path + "/c.wav"])
        #expect(utterances[1].speaker == "s1")
        #expect(reported.map { "\($0.line!): \($0.message)" } == [
            "1: read as a header line ('audio\ttranscript'), not an utterance",
            "5: malformed line: expected 'audio-path<TAB>transcript[<TAB>speaker]', found no tab",
            "6: malformed line: expected 'audio-path<TAB>transcript[<TAB>speaker]', found 4 tab-separated fields",
            #"7: missing key "text""#,
        ])
        #expect(reported.map(\.isNote) == [true, false, false, false])
        // Transcription: every line with an audio path.
        #expect(try ManifestReader.audioPaths(of: manifest) == ["a.wav", "sub/b.wav", "c.wav", "d.wav", "e.wav", "f.wav"]
            .map { dir.path + "/" + $0 })
        // ... also from a Kaldi data folder (wav.scp is enough), in the order of wav.scp.
        let kaldi = dir.appendingPathComponent("kaldi")
        _ = try writeText(kaldi, "wav.scp", "u2 ../sub/b.wav\nu1 \(dir.path)/a.wav\n")
        #expect(try ManifestReader.audioPaths(of: kaldi.path) == [kaldi.path + "/../sub/b.wav", dir.path + "/a.wav"])
        _ = try writeText(kaldi, "wav.scp", "u1 sox a.flac -t wav - |\n")
        #expect { try ManifestReader.audioPaths(of: kaldi.path) } throws: { "\($0)".contains("wav.scp:1") && "\($0)".contains("piped") }
        // A line without an audio path stops transcription, naming the line.
        let bad = try writeText(dir, "bad.jsonl", "a.wav\n{\"audio_filepath\": \"\"}\n")
        #expect { try ManifestReader.audioPaths(of: bad) } throws: {
            "\($0)" == "\(bad):2: \"audio_filepath\" must be a non-empty string"
        }
    }

    @Test func relativePathsFollowOneRule() {
        #expect(resolvePath("a.wav", against: "/data") == "/data/a.wav")
        #expect(resolvePath("/abs/a.wav", against: "/data") == "/abs/a.wav")
        #expect(resolvePath("./x//a.wav", against: "/data/") == "/data/x/a.wav")
        #expect(resolvePath("../a.wav", against: "/data") == "/data/../a.wav", ".. is kept")
        #expect(resolvePath("a.wav", against: "") == "a.wav" && resolvePath("a.wav", against: ".") == "a.wav")
        #expect(resolvePath("", against: "/data") == "/data" && resolvePath(".", against: "") == ".")
    }

    @Test func dataSetConfigDecoding() throws {
        let json = #"{"path": "rec", "format": "fsdd", "takes": "5-49", "exclude_speakers": ["theo"], "max_duration": 2.5}"#
        let config = try JSONDecoder().decode(DataSetConfig.self, from: Data(json.utf8))
        #expect(config == DataSetConfig(path: "rec", format: .fsdd, takes: "5-49", excludeSpeakers: ["theo"], maxDuration: 2.5))
        #expect(try JSONDecoder().decode(DataSetConfig.self, from: JSONEncoder().encode(config)) == config)
        #expect(try JSONDecoder().decode(DataSetConfig.self, from: Data(#"{"path": "x", "format": null}"#.utf8)).format == nil)
        func message(_ json: String) -> String {
            do { _ = try JSONDecoder().decode(DataSetConfig.self, from: Data(json.utf8)); return "decoded" } catch {
                return describeDecodingError(error, json: Data(json.utf8))
            }
        }
        #expect(message("{}") == "path: required key is missing")
        #expect(message(#"{"path": "x", "take": "1"}"#).contains("did you mean 'takes'"))
        #expect(message(#"{"path": "x", "format": "csv"}"#).hasPrefix("format:"))
    }

    @Test func realFSDDSplit() throws {
        guard let fsdd = Fixtures.fsdd else { return }
        let test = try loadDataSet(DataSetConfig(path: fsdd, takes: "0-4"), key: "data.test", relativeTo: ".", tokenizer: .characters)
        let train = try loadDataSet(DataSetConfig(path: fsdd, format: .fsdd, takes: "5-49"), key: "data.train",
                                    relativeTo: ".", tokenizer: Vocabulary(words: fsddDigitWords))
        #expect(test.utterances.count == 300 && train.utterances.count == 2700)
        #expect(test.problems.isEmpty && train.problems.isEmpty)
        #expect(Set(train.utterances.compactMap(\.speaker)).count == 6 && Set(test.utterances.compactMap(\.speaker)).count == 6)
        #expect(Set(train.utterances.map(\.text)) == Set(fsddDigitWords))
        #expect(Set(train.utterances.map(\.id)).isDisjoint(with: test.utterances.map(\.id)))
    }

    @Test func connectedDigits() throws {
        let dir = Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = try fakeFSDD(dir)
        let digits = try load(folder.path).utterances
        let a = makeConnectedDigits(from: digits, count: 50, seed: 7)
        #expect(a == makeConnectedDigits(from: digits, count: 50, seed: 7))
        #expect(a != makeConnectedDigits(from: digits, count: 50, seed: 8))
        #expect(Set(a.map(\.id)).count == 50)
        let byPath = Dictionary(uniqueKeysWithValues: digits.map { ($0.audioPath, $0) })
        for u in a {
            #expect((1...7).contains(u.parts.count) && u.gapsMs.count == u.parts.count - 1)
            #expect(u.gapsMs.allSatisfy { (50...300).contains($0) })
            #expect(u.parts.allSatisfy { byPath[$0]?.speaker == u.speaker }, "one speaker per utterance")
            #expect(u.text == u.parts.map { byPath[$0]!.text }.joined(separator: " "))
        }
        #expect(Set(a.map(\.parts.count)).count >= 5, "lengths vary")
        #expect(Set(a.map(\.speaker)) == ["ann", "bob"])
        let fixed = makeConnectedDigits(from: digits, count: 5, minDigits: 3, maxDigits: 3, gapMs: 100...100, seed: 1)
        #expect(fixed.allSatisfy { $0.parts.count == 3 && $0.gapsMs == [100, 100] })
        #expect(makeConnectedDigits(from: [], count: 3, seed: 0).isEmpty)

        // Rendering: the parts with zeros between them, at the file rate and resampled.
        let u = ConnectedUtterance(id: "c", parts: [folder.path + "/0_ann_0.wav", folder.path + "/2_bob_1.wav"],
                                   gapsMs: [125], text: "zero two", speaker: "x")
        let samples = try renderConnected(u, sampleRate: 8000)
        #expect(samples.count == 800 + 1000 + 1600)
        #expect(samples[800..<1800].allSatisfy { $0 == 0 } && samples[..<800].contains { $0 != 0 } && samples[1800...].contains { $0 != 0 })
        let first = try AudioReader.read(u.parts[0]).samples
        #expect(Array(samples[..<800]) == first)
        let resampled = try renderConnected(u, sampleRate: 16000)
        #expect(abs(resampled.count - 6800) <= 2, "\(resampled.count)")
        let broken = ConnectedUtterance(id: "bad", parts: u.parts, gapsMs: [], text: "", speaker: "x")
        #expect(errorMessage { _ = try renderConnected(broken, sampleRate: 8000) } == "bad: 2 parts need 1 gaps, got 0")
        let json = try JSONEncoder().encode(u)
        #expect(String(decoding: json, as: UTF8.self).contains("\"gaps_ms\""))
        #expect(try JSONDecoder().decode(ConnectedUtterance.self, from: json) == u)
    }
}
