#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A RIFF/WAVE file of 16-bit linear PCM, mono, 8000 Hz: the one shape of file the media session plays
/// and records, so that no resampling or mixing hides in the SDK. Anything else is refused by name
/// ("6 = A-law", "2 channels", "44100 Hz") so that the user knows what to convert.
///
/// Layout (the canonical 44-byte header; Microsoft "Multimedia Programming Interface and Data
/// Specifications 1.0", RIFF and WAVE form). All integers are little-endian:
///
///     "RIFF" size:u32 "WAVE"
///     "fmt " 16:u32 format:u16(1) channels:u16(1) rate:u32(8000) byteRate:u32 blockAlign:u16 bits:u16(16)
///     "data" size:u32 samples:i16…
///
/// Reading walks the chunks, skipping unknown ones (`LIST`, `fact` …) and their pad byte, and checks
/// every length against the bytes that remain.
package struct WAVFile: Hashable, Sendable {
    package var samples: [Int16]

    package init(samples: [Int16]) {
        self.samples = samples
    }

    /// The file's bytes.
    package func encoded() -> [UInt8] {
        let dataSize = UInt32(truncatingIfNeeded: samples.count * 2)
        var out = [UInt8]()
        out.reserveCapacity(44 + samples.count * 2)
        out += Array("RIFF".utf8)
        out.appendLittleEndian(36 &+ dataSize)
        out += Array("WAVEfmt ".utf8)
        out.appendLittleEndian(UInt32(16))
        out.appendLittleEndian(UInt16(1))  // linear PCM
        out.appendLittleEndian(UInt16(1))  // mono
        out.appendLittleEndian(UInt32(NarrowbandAudio.sampleRate))
        out.appendLittleEndian(UInt32(NarrowbandAudio.sampleRate * 2))
        out.appendLittleEndian(UInt16(2))
        out.appendLittleEndian(UInt16(16))
        out += Array("data".utf8)
        out.appendLittleEndian(dataSize)
        for sample in samples { out.appendLittleEndian(UInt16(bitPattern: sample)) }
        return out
    }

    /// Parses a file's bytes.
    package init(decoding bytes: [UInt8]) throws(WAVFileError) {
        var reader = LittleEndianReader(bytes)
        guard reader.tag() == "RIFF", reader.u32() != nil, reader.tag() == "WAVE" else {
            throw WAVFileError(.malformed, "not a RIFF/WAVE file")
        }
        var sawFormat = false
        while reader.remaining > 0 {
            guard let tag = reader.tag(), let size = reader.u32().map(Int.init) else {
                throw WAVFileError(.malformed, "a chunk header is cut short")
            }
            // Some writers leave the data size at 0 or 0xFFFFFFFF while streaming; take what is there.
            let isStreamedData = tag == "data" && (size == 0 || size == 0xFFFF_FFFF)
            let length = isStreamedData ? reader.remaining & ~1 : size
            guard let body = reader.bytes(length) else {
                throw WAVFileError(.malformed, "chunk \"\(tag)\" claims \(size) bytes, \(reader.remaining) remain")
            }
            if length % 2 == 1 { _ = reader.bytes(1) }  // RIFF pads odd chunks to an even length
            switch tag {
            case "fmt ":
                try Self.checkFormat(body)
                sawFormat = true
            case "data":
                guard sawFormat else { throw WAVFileError(.missingChunk, "\"data\" comes before \"fmt \"") }
                var samples = [Int16]()
                samples.reserveCapacity(body.count / 2)
                var index = body.startIndex
                while index + 1 < body.endIndex {
                    samples.append(Int16(bitPattern: UInt16(body[index]) | UInt16(body[index + 1]) << 8))
                    index += 2
                }
                self.samples = samples
                return
            default:
                continue
            }
        }
        throw WAVFileError(.missingChunk, sawFormat ? "no \"data\" chunk" : "no \"fmt \" chunk")
    }

    private static func checkFormat(_ body: ArraySlice<UInt8>) throws(WAVFileError) {
        var reader = LittleEndianReader(Array(body))
        guard let format = reader.u16(), let channels = reader.u16(), let rate = reader.u32(),
            reader.u32() != nil, reader.u16() != nil, let bits = reader.u16()
        else { throw WAVFileError(.malformed, "\"fmt \" chunk is \(body.count) bytes, 16 expected") }
        let formatNames: [UInt16: String] = [1: "PCM", 3: "IEEE float", 6: "A-law", 7: "µ-law", 0xFFFE: "extensible"]
        var problems = [String]()
        if format != 1 { problems.append("format \(format) (\(formatNames[format] ?? "unknown")), PCM (1) expected") }
        if channels != 1 { problems.append("\(channels) channels, mono expected") }
        if rate != UInt32(NarrowbandAudio.sampleRate) { problems.append("\(rate) Hz, 8000 Hz expected") }
        if bits != 16 { problems.append("\(bits) bits per sample, 16 expected") }
        guard problems.isEmpty else { throw WAVFileError(.unsupportedFormat, problems.joined(separator: "; ")) }
    }

    /// Reads and parses the file at `path`.
    package init(contentsOf path: String) throws(WAVFileError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw WAVFileError(.fileSystem, "cannot read \(path): \(error)")
        }
        try self.init(decoding: [UInt8](data))
    }

    /// Writes the file to `path`, replacing what was there.
    package func write(to path: String) throws(WAVFileError) {
        do {
            try Data(encoded()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw WAVFileError(.fileSystem, "cannot write \(path): \(error)")
        }
    }
}

/// Plays a WAV file's samples frame by frame; the last frame is padded with silence.
package struct WAVFilePlayer: AudioSource, Sendable {
    private let samples: [Int16]
    private var position = 0

    package init(_ file: WAVFile) {
        samples = file.samples
    }

    package mutating func nextFrame() -> [Int16]? {
        guard position < samples.count else { return nil }
        let end = min(samples.count, position + NarrowbandAudio.samplesPerFrame)
        var frame = Array(samples[position..<end])
        frame += repeatElement(0, count: NarrowbandAudio.samplesPerFrame - frame.count)
        position = end
        return frame
    }
}

extension [UInt8] {
    fileprivate mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

/// Bounds-checked reads over untrusted bytes: every accessor returns nil rather than trap.
private struct LittleEndianReader {
    private let storage: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { storage = bytes }

    var remaining: Int { storage.count - index }

    mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, count <= remaining else { return nil }
        defer { index += count }
        return storage[index..<index + count]
    }

    mutating func tag() -> String? {
        bytes(4).map { String(decoding: $0, as: Unicode.ASCII.self) }
    }

    mutating func u16() -> UInt16? {
        bytes(2).map { UInt16($0[$0.startIndex]) | UInt16($0[$0.startIndex + 1]) << 8 }
    }

    mutating func u32() -> UInt32? {
        bytes(4).map { $0.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
    }
}
