/// G.711 A-law (PCMA, RTP payload type 8): 16-bit linear PCM ↔ 8-bit codes (ITU-T G.711 Table 1a).
///
/// A-law works on 13-bit magnitudes: segments 0 and 1 share one step size (the linear part near zero),
/// each later segment doubles it. Even bits are inverted on the wire (XOR 0x55), and the sign bit is set for
/// positive values, which is why the smallest positive code is 0xD5. Decoding goes through a 256-entry
/// table built from the same rule, since the receive path runs it on every sample.
package enum G711ALaw {
    /// Upper bound of each segment's 13-bit magnitude.
    static let segmentEnds: [Int32] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF]

    /// The code for one linear sample.
    package static func encode(_ sample: Int16) -> UInt8 {
        var magnitude = Int32(sample) >> 3
        let mask: UInt8
        if magnitude >= 0 {
            mask = 0xD5
        } else {
            mask = 0x55
            magnitude = -magnitude - 1
        }
        guard let segment = segmentEnds.firstIndex(where: { magnitude <= $0 }) else { return 0x7F ^ mask }
        let shift = segment < 2 ? 1 : Int32(segment)
        let code = UInt8(segment) << 4 | UInt8(truncatingIfNeeded: magnitude >> shift) & 0x0F
        return code ^ mask
    }

    /// The linear sample a code stands for.
    package static func decode(_ code: UInt8) -> Int16 { decodeTable[Int(code)] }

    package static func encode(_ samples: [Int16]) -> [UInt8] { samples.map { encode($0) } }
    package static func decode(_ codes: [UInt8]) -> [Int16] { codes.map { decodeTable[Int($0)] } }

    static let decodeTable: [Int16] = (0...255).map { index in
        let code = UInt8(index) ^ 0x55
        let segment = Int32(code >> 4 & 0x07)
        var magnitude = Int32(code & 0x0F) << 4
        switch segment {
        case 0: magnitude += 8
        case 1: magnitude += 0x108
        default: magnitude = (magnitude + 0x108) << (segment - 1)
        }
        return Int16(code & 0x80 != 0 ? magnitude : -magnitude)
    }
}
