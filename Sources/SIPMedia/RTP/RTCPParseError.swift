/// Why a compound RTCP packet could not be read (RFC 3550 §6.1 and the checks of Appendix A.2).
///
/// Equality is by ``code`` only, so callers match on the kind of failure; ``detail`` is for people and
/// logs. The receiver drops the whole datagram: statistics from half a compound packet would mislead.
package struct RTCPParseError: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable, Hashable {
        /// Larger than ``RTPParserLimits/maximumPacketSize``.
        case tooLarge
        /// Empty, or a packet without room for its 4-byte common header.
        case tooShort
        /// A version field other than 2.
        case unsupportedVersion
        /// A length field that runs past the datagram.
        case invalidLength
        /// Padding on a packet other than the last, or a padding count of zero or larger than the packet.
        case invalidPadding
        /// The first packet is neither SR (200) nor RR (201), as §6.1 requires of every compound packet.
        case firstPacketNotReport
        /// An SR or RR shorter than its fixed part and the report blocks its count announces.
        case truncatedReport
        /// More packets than ``RTPParserLimits/maximumRTCPPacketCount``.
        case tooManyPackets
        /// An SDES packet with fewer chunks than its count, an item running past the packet, or a chunk
        /// without its terminating null octet (§6.5).
        case malformedSourceDescription
        /// A BYE shorter than its source count, or a reason running past the packet (§6.6).
        case malformedGoodbye
    }

    package let code: Code
    /// What is wrong, for a person.
    package let detail: String

    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    package var description: String { "RTCP: \(detail)" }

    /// A short, fixed text for metrics labels (no values from the packet).
    package var shortDescription: String { code.rawValue }
}

extension RTCPParseError: Equatable {
    package static func == (lhs: RTCPParseError, rhs: RTCPParseError) -> Bool { lhs.code == rhs.code }
}
