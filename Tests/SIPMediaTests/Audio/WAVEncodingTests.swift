import Testing

@testable import SIPMedia

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("WAV files in 16-bit PCM, µ-law and A-law")
struct WAVEncodingTests {
    /// A G.711 file built by hand the way other writers make them: an 18-byte `fmt `, a `fact`, an
    /// odd-length `LIST` with its pad byte, and an odd-length `data` chunk with its pad byte.
    static func g711File(tag: UInt16, codes: [UInt8], formatSize: UInt32 = 18) -> [UInt8] {
        var body = [UInt8]()
        func u16(_ v: UInt16) { body += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) {
            for shift in stride(from: 0, to: 32, by: 8) { body.append(UInt8(v >> UInt32(shift) & 0xFF)) }
        }
        body += Array("WAVE".utf8)
        body += Array("fmt ".utf8)
        u32(formatSize)
        u16(tag)
        u16(1)
        u32(8000)
        u32(8000)
        u16(1)
        u16(8)
        if formatSize == 18 { u16(0) }
        body += Array("fact".utf8)
        u32(4)
        u32(UInt32(codes.count))
        body += Array("LIST".utf8)
        u32(3)
        body += [1, 2, 3, 0]
        body += Array("data".utf8)
        u32(UInt32(codes.count))
        body += codes
        if codes.count % 2 == 1 { body.append(0) }
        var file = Array("RIFF".utf8)
        let size = UInt32(body.count)
        for shift in stride(from: 0, to: 32, by: 8) { file.append(UInt8(size >> UInt32(shift) & 0xFF)) }
        return file + body
    }

    @Test func aHandBuiltMuLawFileDecodesToLinearSamples() throws {
        // 0xFF and 0x7F are the two zeros, 0x80 / 0x00 the positive / negative peaks (G.711 Table 2a).
        let file = try WAVFile(decoding: Self.g711File(tag: 7, codes: [0xFF, 0x7F, 0x80, 0x00, 0xEF]))
        #expect(file.samples == [0, 0, 32124, -32124, G711MuLaw.decode(0xEF)])
        // A 16-byte fmt (no cbSize), as some writers leave it, is read the same.
        let short = try WAVFile(decoding: Self.g711File(tag: 7, codes: [0x80, 0x00], formatSize: 16))
        #expect(short.samples == [32124, -32124])
    }

    @Test func aHandBuiltALawFileDecodesToLinearSamples() throws {
        // 0xD5 / 0x55 are the smallest positive / negative values (G.711 Table 1a): ±8.
        let file = try WAVFile(decoding: Self.g711File(tag: 6, codes: [0xD5, 0x55, 0xAA]))
        #expect(file.samples == [8, -8, 32256])
    }

    @Test func aStreamedG711FileWithUnknownSizesReadsToTheEnd() throws {
        var bytes = WAVEncoding.pcmu.streamingHeader()
        bytes += [0x80, 0x00, 0xFF]
        #expect(try WAVFile(decoding: bytes).samples == [32124, -32124, 0])
    }

    static let samples: [Int16] = AudioSourceTests.tone(440, frames: 3) + [Int16.min, Int16.max, -1, 0, 1, 1000, -1000]

    @Test(arguments: [WAVEncoding.pcm16, .pcmu, .pcma])
    func writingThenReadingGivesTheSamplesBackWithinTheCodecsError(encoding: WAVEncoding) throws {
        let bytes = WAVFile(samples: Self.samples).encoded(as: encoding)
        let read = try WAVFile(decoding: bytes).samples
        switch encoding {
        case .pcm16:
            #expect(read == Self.samples)
        case .pcmu:
            #expect(read == G711MuLaw.decode(G711MuLaw.encode(Self.samples)))
        case .pcma:
            #expect(read == G711ALaw.decode(G711ALaw.encode(Self.samples)))
        }
        // G.711's largest step is 1024 (µ-law) / 512 (A-law) at the top; clipping adds a little more.
        let worst = zip(read, Self.samples).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= (encoding == .pcm16 ? 0 : 1024))
        // Through the file system too.
        let path = AudioTestFiles.temporaryPath()
        defer { AudioTestFiles.remove(path) }
        try WAVFile(samples: Self.samples).write(to: path, as: encoding)
        #expect(try WAVFile(contentsOf: path).samples == read)
    }

    @Test func pcm16KeepsTheCanonical44ByteHeader() {
        let bytes = WAVFile(samples: [1, -2]).encoded()
        #expect(bytes == WAVFile(samples: [1, -2]).encoded(as: .pcm16))
        #expect(bytes.count == 48)
        #expect(Array(bytes[0..<4]) == Array("RIFF".utf8))
        #expect(Self.u32(bytes, 4) == 40)
        #expect(Self.u32(bytes, 16) == 16)
        #expect(Array(bytes[36..<40]) == Array("data".utf8))
        #expect(Self.u32(bytes, 40) == 4)
        #expect(Array(bytes[44...]) == [1, 0, 0xFE, 0xFF])
    }

    @Test(arguments: [(WAVEncoding.pcmu, UInt16(7)), (.pcma, 6)])
    func g711FilesCarryAnEighteenByteFormatAndAFactChunk(encoding: WAVEncoding, tag: UInt16) {
        let bytes = WAVFile(samples: [0, 100, -100]).encoded(as: encoding)
        #expect(bytes.count == 58 + 3 + 1)  // one pad byte after the odd-length data
        #expect(Self.u32(bytes, 4) == UInt32(bytes.count - 8))
        #expect(Array(bytes[12..<16]) == Array("fmt ".utf8))
        #expect(Self.u32(bytes, 16) == 18)
        #expect(Self.u16(bytes, 20) == tag)
        #expect(Self.u16(bytes, 22) == 1)
        #expect(Self.u32(bytes, 24) == 8000)
        #expect(Self.u32(bytes, 28) == 8000)  // byte rate
        #expect(Self.u16(bytes, 32) == 1)  // block align
        #expect(Self.u16(bytes, 34) == 8)  // bits per sample
        #expect(Self.u16(bytes, 36) == 0)  // cbSize
        #expect(Array(bytes[38..<42]) == Array("fact".utf8))
        #expect(Self.u32(bytes, 42) == 4)
        #expect(Self.u32(bytes, 46) == 3)  // sample count
        #expect(Array(bytes[50..<54]) == Array("data".utf8))
        #expect(Self.u32(bytes, 54) == 3)
        #expect(bytes.last == 0)
    }

    @Test func refusalsNameWhatIsRefused() {
        let cases: [([UInt8], String)] = [
            (AudioSourceTests.header(format: 85), "format 85 (MP3)"),
            (AudioSourceTests.header(format: 3), "format 3 (IEEE float)"),
            (AudioSourceTests.header(format: 0x1234), "format 4660 (unknown)"),
            (AudioSourceTests.header(format: 7, bits: 16), "format 7 (µ-law) with 16 bits per sample, 8 expected"),
            (Self.g711File(tag: 6, codes: [1]).replacing(at: 22, with: 2), "2 channels"),
            (Self.g711File(tag: 7, codes: [1]).replacing(at: 24, with: 0x44), "8004 Hz"),
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

    @Test func everyPrefixOfAG711FileParsesOrThrows() {
        let good = Self.g711File(tag: 7, codes: [1, 2, 3])
        for length in 0...good.count { _ = try? WAVFile(decoding: Array(good.prefix(length))) }
    }

    static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) }
    }
}

extension [UInt8] {
    fileprivate func replacing(at index: Int, with byte: UInt8) -> [UInt8] {
        var copy = self
        copy[index] = byte
        return copy
    }
}

enum AudioTestFiles {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "sipmedia-\(UInt64.random(in: 0...UInt64.max)).wav"
        ).path
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }
}
