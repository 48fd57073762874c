import Testing

@testable import SIPMedia

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("Audio sources, sinks, WAV files and the Goertzel detector")
struct AudioSourceTests {
    static func tone(_ frequency: Double, frames: Int) -> [Int16] {
        var generator = ToneGenerator(frequency: frequency, amplitude: 0.5)
        var sink = RecordingSink()
        for _ in 0..<frames { sink.consume(generator.nextFrame() ?? []) }
        return sink.samples
    }

    @Test func aOneKilohertzToneIsDetectedAndTwoKilohertzIsNot() {
        let samples = Self.tone(1000, frames: 10)
        #expect(samples.count == 1600)
        #expect(GoertzelDetector(frequency: 1000).detects(in: samples))
        #expect(!GoertzelDetector(frequency: 2000).detects(in: samples))
        #expect(GoertzelDetector(frequency: 2000).relativePower(in: samples) < 0.01)
        #expect(GoertzelDetector(frequency: 1000).relativePower(in: samples) > 0.9)
        // Peak stays at the asked amplitude.
        #expect(samples.map { abs(Int($0)) }.max() ?? 0 <= 16384)
    }

    @Test func silenceIsSilentAndNothingIsDetectedInIt() {
        var silence = SilenceSource()
        let frame = silence.nextFrame() ?? []
        #expect(frame == [Int16](repeating: 0, count: 160))
        #expect(!GoertzelDetector(frequency: 1000).detects(in: frame))
    }

    @Test func aWAVFileRoundTripsThroughTheFileSystem() throws {
        let samples = Self.tone(440, frames: 5) + [Int16.min, Int16.max, -1, 0, 1]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sipmedia-\(UInt64.random(in: 0...UInt64.max)).wav"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try WAVFile(samples: samples).write(to: path)
        let read = try WAVFile(contentsOf: path)
        #expect(read.samples == samples)
        #expect(WAVFile(samples: samples).encoded().count == 44 + samples.count * 2)
    }

    @Test func thePlayerPadsTheLastFrameAndEnds() {
        var player = WAVFilePlayer(WAVFile(samples: [Int16](repeating: 7, count: 200)))
        #expect(player.nextFrame() == [Int16](repeating: 7, count: 160))
        #expect(player.nextFrame() == [Int16](repeating: 7, count: 40) + [Int16](repeating: 0, count: 120))
        #expect(player.nextFrame() == nil)
    }

    /// A header like WAVFile's, with the format fields changed.
    static func header(format: UInt16 = 1, channels: UInt16 = 1, rate: UInt32 = 8000, bits: UInt16 = 16) -> [UInt8] {
        var bytes = WAVFile(samples: [1, 2]).encoded()
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { for (i, b) in $0.enumerated() { bytes[offset + i] = b } }
        }
        put(format, at: 20)
        put(channels, at: 22)
        put(rate, at: 24)
        put(bits, at: 34)
        return bytes
    }

    @Test func otherFormatsAreRefusedByName() throws {
        #expect(try WAVFile(decoding: Self.header()).samples == [1, 2])
        let cases: [([UInt8], String)] = [
            (Self.header(format: 7), "µ-law"),
            (Self.header(channels: 2), "2 channels"),
            (Self.header(rate: 44100), "44100 Hz"),
            (Self.header(bits: 8), "8 bits"),
        ]
        for (bytes, name) in cases {
            do {
                _ = try WAVFile(decoding: bytes)
                Issue.record("accepted \(name)")
            } catch {
                #expect(error.code == .unsupportedFormat)
                #expect(error.description.contains(name), "\(error)")
            }
        }
    }

    @Test func truncatedOrForeignBytesAreMalformedNotACrash() {
        let good = WAVFile(samples: [1, 2, 3]).encoded()
        #expect(throws: WAVFileError(.malformed, "")) { try WAVFile(decoding: Array("not a wav".utf8)) }
        #expect(throws: WAVFileError(.malformed, "")) { try WAVFile(decoding: Array(good.prefix(30))) }
        #expect(throws: WAVFileError(.missingChunk, "")) { try WAVFile(decoding: Array(good.prefix(36))) }
        #expect(throws: WAVFileError(.fileSystem, "")) { try WAVFile(contentsOf: "/nonexistent/x.wav") }
        // Every prefix of a valid file either parses or throws.
        for length in 0...good.count { _ = try? WAVFile(decoding: Array(good.prefix(length))) }
    }
}
