/// How a WAV file stores its 8 kHz mono samples: 16-bit linear PCM, or the 8-bit G.711 codes a call
/// carries on the wire, so a recording can be kept in half the space and played back bit-exact.
///
/// The header each one writes (Microsoft "Multimedia Programming Interface and Data Specifications
/// 1.0" and its WAVE update for non-PCM formats: a `fmt ` chunk of at least 18 bytes, whose last field
/// `cbSize` counts the extra bytes, here 0, and a `fact` chunk giving the number of samples, since the
/// byte count alone need not tell it). All integers are little-endian:
///
///     pcm16 (44 bytes):  "RIFF" size "WAVE"
///                        "fmt " 16 tag(1) channels(1) rate(8000) byteRate(16000) blockAlign(2) bits(16)
///                        "data" size
///     pcmu/pcma (58):    "RIFF" size "WAVE"
///                        "fmt " 18 tag(7 / 6) channels(1) rate(8000) byteRate(8000) blockAlign(1) bits(8) cbSize(0)
///                        "fact" 4 sampleCount
///                        "data" size
package enum WAVEncoding: Sendable, Hashable {
    /// 16-bit signed linear PCM (format tag 1).
    case pcm16
    /// G.711 µ-law, 8 bits per sample (format tag 7, `WAVE_FORMAT_MULAW`).
    case pcmu
    /// G.711 A-law, 8 bits per sample (format tag 6, `WAVE_FORMAT_ALAW`).
    case pcma

    /// The `fmt ` chunk's format tag.
    package var formatTag: UInt16 {
        switch self {
        case .pcm16: 1
        case .pcmu: 7
        case .pcma: 6
        }
    }

    /// Bytes one sample takes in the `data` chunk.
    package var bytesPerSample: Int { self == .pcm16 ? 2 : 1 }

    /// Bytes before the first sample: the size of ``header(sampleCount:)``.
    package var headerSize: Int { self == .pcm16 ? 44 : 58 }

    /// The encoding a `fmt ` chunk's tag and sample size stand for, or nil for any other pair.
    init?(formatTag: UInt16, bitsPerSample: UInt16) {
        switch (formatTag, bitsPerSample) {
        case (1, 16): self = .pcm16
        case (7, 8): self = .pcmu
        case (6, 8): self = .pcma
        default: return nil
        }
    }

    /// Everything before the samples, for a file of `sampleCount` samples. An odd-length `data` chunk
    /// is followed by one pad byte (RIFF keeps chunks at even offsets), which the RIFF size counts.
    package func header(sampleCount: Int) -> [UInt8] {
        header(
            dataSize: UInt32(truncatingIfNeeded: sampleCount * bytesPerSample),
            sampleCount: UInt32(truncatingIfNeeded: sampleCount))
    }

    /// The header of a file still being written, whose length is not known yet. 0xFFFFFFFF is what
    /// streaming writers leave there, and what ``WAVFile`` reads as "up to the end of the file", so a
    /// recording cut short by a crash still plays.
    package func streamingHeader() -> [UInt8] {
        header(dataSize: 0xFFFF_FFFF, sampleCount: 0xFFFF_FFFF)
    }

    private func header(dataSize: UInt32, sampleCount: UInt32) -> [UInt8] {
        let padded = dataSize == 0xFFFF_FFFF ? dataSize : dataSize &+ (dataSize & 1)
        let riffSize = padded == 0xFFFF_FFFF ? padded : UInt32(headerSize - 8) &+ padded
        let rate = UInt32(NarrowbandAudio.sampleRate)
        var out = [UInt8]()
        out.reserveCapacity(headerSize)
        out += Array("RIFF".utf8)
        out.appendLittleEndian(riffSize)
        out += Array("WAVEfmt ".utf8)
        out.appendLittleEndian(UInt32(self == .pcm16 ? 16 : 18))
        out.appendLittleEndian(formatTag)
        out.appendLittleEndian(UInt16(1))  // mono
        out.appendLittleEndian(rate)
        out.appendLittleEndian(rate * UInt32(bytesPerSample))
        out.appendLittleEndian(UInt16(bytesPerSample))  // block align: one sample of one channel
        out.appendLittleEndian(UInt16(bytesPerSample * 8))
        if self != .pcm16 {
            out.appendLittleEndian(UInt16(0))  // cbSize: no extra format bytes
            out += Array("fact".utf8)
            out.appendLittleEndian(UInt32(4))
            out.appendLittleEndian(sampleCount)
        }
        out += Array("data".utf8)
        out.appendLittleEndian(dataSize)
        return out
    }

    /// Appends `samples` as this encoding stores them.
    package func append(_ samples: some Sequence<Int16>, to bytes: inout [UInt8]) {
        switch self {
        case .pcm16:
            for sample in samples { bytes.appendLittleEndian(UInt16(bitPattern: sample)) }
        case .pcmu:
            for sample in samples { bytes.append(G711MuLaw.encode(sample)) }
        case .pcma:
            for sample in samples { bytes.append(G711ALaw.encode(sample)) }
        }
    }

    /// The samples a `data` chunk holds; a trailing odd byte of 16-bit data is ignored.
    package func decode(_ data: ArraySlice<UInt8>) -> [Int16] {
        switch self {
        case .pcm16:
            var samples = [Int16]()
            samples.reserveCapacity(data.count / 2)
            var index = data.startIndex
            while index + 1 < data.endIndex {
                samples.append(Int16(bitPattern: UInt16(data[index]) | UInt16(data[index + 1]) << 8))
                index += 2
            }
            return samples
        case .pcmu:
            return data.map { G711MuLaw.decode($0) }
        case .pcma:
            return data.map { G711ALaw.decode($0) }
        }
    }
}

extension [UInt8] {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
