import NIOCore

/// The two codecs a call may carry, encoding straight into and out of packet buffers.
package enum G711Codec: Hashable, Sendable {
    case pcmu
    case pcma

    /// PCMU or PCMA by encoding name (RFC 3551 §4.5.14); nil for anything else.
    package init?(_ format: RTPPayloadFormat) {
        switch format.encodingName.uppercased() {
        case "PCMU": self = .pcmu
        case "PCMA": self = .pcma
        default: return nil
        }
    }

    /// Appends one code byte per sample.
    package func encode(_ samples: [Int16], into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: samples.count) { raw in
            switch self {
            case .pcmu: for (index, sample) in samples.enumerated() { raw[index] = G711MuLaw.encode(sample) }
            case .pcma: for (index, sample) in samples.enumerated() { raw[index] = G711ALaw.encode(sample) }
            }
            return samples.count
        }
    }

    package func decode(_ codes: [UInt8]) -> [Int16] {
        switch self {
        case .pcmu: G711MuLaw.decode(codes)
        case .pcma: G711ALaw.decode(codes)
        }
    }
}
