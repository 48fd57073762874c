#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A RIFF/WAVE file of 8000 Hz mono audio, stored as 16-bit linear PCM or as G.711 µ-law / A-law
/// (``WAVEncoding``): the shapes a telephone call's audio takes, so that no resampling or mixing hides
/// in the SDK. Anything else is refused by name ("format 85 (MP3)", "2 channels", "44100 Hz") so that
/// the user knows what to convert. The samples are kept linear whatever the file held.
///
/// Reading walks the chunks, skipping unknown ones (`LIST`, `fact` …) and their pad byte, and checks
/// every length against the bytes that remain. The header layouts are drawn on ``WAVEncoding``.
package struct WAVFile: Hashable, Sendable {
    package var samples: [Int16]

    package init(samples: [Int16]) {
        self.samples = samples
    }

    /// The file's bytes; G.711 encodings lose what G.711 loses (about 8 bits of resolution).
    package func encoded(as encoding: WAVEncoding = .pcm16) -> [UInt8] {
        var out = encoding.header(sampleCount: samples.count)
        out.reserveCapacity(encoding.headerSize + samples.count * encoding.bytesPerSample + 1)
        encoding.append(samples, to: &out)
        if out.count % 2 == 1 { out.append(0) }  // RIFF pads an odd-length chunk to an even length
        return out
    }

    /// Parses a file's bytes.
    package init(decoding bytes: [UInt8]) throws(WAVFileError) {
        var reader = LittleEndianReader(bytes)
        guard reader.tag() == "RIFF", reader.u32() != nil, reader.tag() == "WAVE" else {
            throw WAVFileError(.malformed, "not a RIFF/WAVE file")
        }
        var encoding: WAVEncoding?
        while reader.remaining > 0 {
            guard let tag = reader.tag(), let size = reader.u32().map(Int.init) else {
                throw WAVFileError(.malformed, "a chunk header is cut short")
            }
            // Some writers leave the data size at 0 or 0xFFFFFFFF while streaming; take what is there.
            let isStreamedData = tag == "data" && (size == 0 || size == 0xFFFF_FFFF)
            let length = isStreamedData ? reader.remaining : size
            guard let body = reader.bytes(length) else {
                throw WAVFileError(.malformed, "chunk \"\(tag)\" claims \(size) bytes, \(reader.remaining) remain")
            }
            if length % 2 == 1 { _ = reader.bytes(1) }  // RIFF pads odd chunks to an even length
            switch tag {
            case "fmt ":
                encoding = try Self.encoding(ofFormat: body)
            case "data":
                guard let encoding else { throw WAVFileError(.missingChunk, "\"data\" comes before \"fmt \"") }
                self.samples = encoding.decode(body)
                return
            default:
                continue
            }
        }
        throw WAVFileError(.missingChunk, encoding != nil ? "no \"data\" chunk" : "no \"fmt \" chunk")
    }

    /// Format tags a user may meet, named in the refusal so that they know what they have.
    private static let formatNames: [UInt16: String] = [
        1: "PCM", 2: "MS ADPCM", 3: "IEEE float", 6: "A-law", 7: "µ-law", 0x11: "IMA ADPCM", 0x31: "GSM 6.10",
        0x55: "MP3", 0xFFFE: "extensible",
    ]

    /// The encoding a `fmt ` chunk describes; 16 bytes (PCM) or 18 and more (with `cbSize`).
    private static func encoding(ofFormat body: ArraySlice<UInt8>) throws(WAVFileError) -> WAVEncoding {
        var reader = LittleEndianReader(Array(body))
        guard let format = reader.u16(), let channels = reader.u16(), let rate = reader.u32(),
            reader.u32() != nil, reader.u16() != nil, let bits = reader.u16()
        else { throw WAVFileError(.malformed, "\"fmt \" chunk is \(body.count) bytes, at least 16 expected") }
        var problems = [String]()
        let formatName = "format \(format) (\(formatNames[format] ?? "unknown"))"
        switch format {
        case 1:
            if bits != 16 { problems.append("\(bits) bits per sample, 16 expected for PCM") }
        case 6, 7:
            if bits != 8 { problems.append("\(formatName) with \(bits) bits per sample, 8 expected") }
        default:
            problems.append("\(formatName), PCM (1), A-law (6) or µ-law (7) expected")
        }
        if channels != 1 { problems.append("\(channels) channels, mono expected") }
        if rate != UInt32(NarrowbandAudio.sampleRate) { problems.append("\(rate) Hz, 8000 Hz expected") }
        guard problems.isEmpty, let encoding = WAVEncoding(formatTag: format, bitsPerSample: bits) else {
            throw WAVFileError(.unsupportedFormat, problems.joined(separator: "; "))
        }
        return encoding
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
    package func write(to path: String, as encoding: WAVEncoding = .pcm16) throws(WAVFileError) {
        do {
            try Data(encoded(as: encoding)).write(to: URL(fileURLWithPath: path), options: .atomic)
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
