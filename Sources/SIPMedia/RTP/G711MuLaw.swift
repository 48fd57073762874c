/// G.711 µ-law (PCMU, RTP payload type 0): 16-bit linear PCM ↔ 8-bit codes (ITU-T G.711 Table 2a).
///
/// The classic bit algorithm: bias by 0x84 so every segment starts on a power of two, take the segment
/// (exponent) from the highest set bit and the next four bits as the mantissa, then invert all bits
/// (G.711 transmits µ-law inverted, which is why silence is 0xFF). Decoding goes through a 256-entry table
/// built from the same rule, since the receive path runs it on every sample.
package enum G711MuLaw {
    static let bias: Int32 = 0x84
    /// The largest magnitude that still fits the top segment once biased.
    static let clip: Int32 = 32_635

    /// The code for one linear sample.
    package static func encode(_ sample: Int16) -> UInt8 {
        var magnitude = Int32(sample)
        let sign: UInt8 = magnitude < 0 ? 0x80 : 0
        if magnitude < 0 { magnitude = -magnitude }
        magnitude = min(magnitude, clip) + bias
        // magnitude is now in 0x84...0x7FFF: the segment is the position of its top bit above bit 7.
        let exponent = UInt8(31 - (magnitude >> 7).leadingZeroBitCount) & 0x07
        let mantissa = UInt8(truncatingIfNeeded: magnitude >> (Int32(exponent) + 3)) & 0x0F
        return ~(sign | exponent << 4 | mantissa)
    }

    /// The linear sample a code stands for.
    package static func decode(_ code: UInt8) -> Int16 { decodeTable[Int(code)] }

    package static func encode(_ samples: [Int16]) -> [UInt8] { samples.map { encode($0) } }
    package static func decode(_ codes: [UInt8]) -> [Int16] { codes.map { decodeTable[Int($0)] } }

    static let decodeTable: [Int16] = (0...255).map { index in
        let code = ~UInt8(index)
        let exponent = Int32(code >> 4 & 0x07)
        let magnitude = ((Int32(code & 0x0F) << 3) + bias) << exponent
        return Int16(code & 0x80 != 0 ? bias - magnitude : magnitude - bias)
    }
}
