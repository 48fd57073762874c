import Testing

@testable import SIPMedia

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

@Suite("WAVRecorder: streaming a call's audio to a file")
struct WAVRecorderTests {
    static func frames(_ count: Int) -> [[Int16]] {
        var tone = ToneGenerator(frequency: 700)
        return (0..<count).map { _ in tone.nextFrame() ?? [] }
    }

    static func fileBytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test(arguments: [WAVEncoding.pcm16, .pcmu, .pcma])
    func theFileParsesToTheFramesGiven(encoding: WAVEncoding) throws {
        let path = AudioTestFiles.temporaryPath()
        defer { AudioTestFiles.remove(path) }
        // 75 frames (1.5 s, past one write) and a 3-sample frame, so 8-bit data ends on a pad byte.
        let frames = Self.frames(75) + [[5, -5, 9]]
        let recorder = try WAVRecorder(path: path, encoding: encoding)
        for frame in frames { recorder.consume(frame) }
        try recorder.finish()

        let samples = frames.flatMap { $0 }
        let expected = try WAVFile(decoding: WAVFile(samples: samples).encoded(as: encoding)).samples
        #expect(try WAVFile(contentsOf: path).samples == expected)
        // The sizes were patched: the bytes are exactly what WAVFile writes for the same samples.
        #expect(try Self.fileBytes(path) == WAVFile(samples: samples).encoded(as: encoding))
        #expect(recorder.recordedSamples == samples.count)
        #expect(recorder.discardedSamples == 0)
    }

    @Test func audioIsWrittenAboutOnceASecondAndReadableBeforeFinish() throws {
        let path = AudioTestFiles.temporaryPath()
        defer { AudioTestFiles.remove(path) }
        let recorder = try WAVRecorder(path: path)
        let frames = Self.frames(60)
        for frame in frames.prefix(49) { recorder.consume(frame) }
        #expect(try Self.fileBytes(path).count == 44)  // the header only: 0.98 s is still buffered
        for frame in frames.dropFirst(49) { recorder.consume(frame) }
        // The first second went out at frame 50; what a crash would leave still reads, up to it.
        #expect(try WAVFile(contentsOf: path).samples == Array(frames.prefix(50).joined()))
        try recorder.finish()
        #expect(try WAVFile(contentsOf: path).samples == Array(frames.joined()))
    }

    @Test func framesPastTheBoundAreCountedNotWritten() throws {
        let path = AudioTestFiles.temporaryPath()
        defer { AudioTestFiles.remove(path) }
        let recorder = try WAVRecorder(path: path, encoding: .pcmu, maximumSeconds: 1)
        let frames = Self.frames(60)
        for frame in frames { recorder.consume(frame) }
        try recorder.finish()
        #expect(recorder.recordedSamples == 8000)
        #expect(recorder.discardedSamples == 1600)
        let expected = G711MuLaw.decode(G711MuLaw.encode(Array(frames.joined().prefix(8000))))
        #expect(try WAVFile(contentsOf: path).samples == expected)
        #expect(WAVRecorder.defaultMaximumSeconds == 4 * 3600)
    }

    @Test func aZeroBoundRecordsAnEmptyFile() throws {
        let path = AudioTestFiles.temporaryPath()
        defer { AudioTestFiles.remove(path) }
        let recorder = try WAVRecorder(path: path, maximumSeconds: 0)
        recorder.consume([1, 2, 3])
        try recorder.finish()
        #expect(recorder.discardedSamples == 3)
        #expect(try WAVFile(contentsOf: path).samples == [])
        #expect(try Self.fileBytes(path) == WAVFile(samples: []).encoded())
    }

    @Test func finishIsIdempotentAndLaterFramesAreDiscarded() throws {
        let path = AudioTestFiles.temporaryPath()
        defer { AudioTestFiles.remove(path) }
        let recorder = try WAVRecorder(path: path)
        recorder.consume([1, 2, 3, 4])
        try recorder.finish()
        let bytes = try Self.fileBytes(path)
        try recorder.finish()
        recorder.consume([5, 6])
        try recorder.finish()
        #expect(try Self.fileBytes(path) == bytes)
        #expect(try WAVFile(contentsOf: path).samples == [1, 2, 3, 4])
        #expect(recorder.recordedSamples == 4)
        #expect(recorder.discardedSamples == 2)
    }

    @Test func aRecorderDroppedWithoutFinishFinishesItself() throws {
        let path = AudioTestFiles.temporaryPath()
        defer { AudioTestFiles.remove(path) }
        do {
            let recorder = try WAVRecorder(path: path, encoding: .pcma)
            recorder.consume([100, -100, 1000])
        }
        #expect(try Self.fileBytes(path) == WAVFile(samples: [100, -100, 1000]).encoded(as: .pcma))
    }

    @Test func aFileThatCannotBeCreatedIsATypedErrorNamingPathAndErrno() {
        let path = "/nonexistent-\(UInt32.random(in: 0...UInt32.max))/call.wav"
        do {
            _ = try WAVRecorder(path: path)
            Issue.record("created \(path)")
        } catch {
            #expect(error.code == .fileSystem)
            #expect(error.description.contains(path), "\(error)")
            #expect(error.description.contains("errno \(ENOENT)"), "\(error)")
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full")))
    func aHeaderThatCannotBeWrittenIsATypedError() {
        // /dev/full opens, then refuses every write with ENOSPC: a full disk on demand.
        do {
            _ = try WAVRecorder(path: "/dev/full")
            Issue.record("wrote to /dev/full")
        } catch {
            #expect(error.code == .fileSystem)
            #expect(error.description.contains("cannot write /dev/full"), "\(error)")
            #expect(error.description.contains("errno \(ENOSPC)"), "\(error)")
        }
    }

    @Test func itIsASendableSinkTheEngineCanHold() throws {
        let path = AudioTestFiles.temporaryPath()
        defer { AudioTestFiles.remove(path) }
        var sink: any AudioSink = try WAVRecorder(path: path)
        sink.consume([7])
        let sendable: any Sendable = sink
        _ = sendable
    }
}
