/// Why an RTP packet or an RFC 4733 telephone-event payload could not be read.
///
/// Equality is by ``code`` only (like ``SDPParseError``), so callers match on the kind of failure;
/// ``detail`` is for people and logs. A media session drops such a packet and counts it: one bad
/// datagram never ends a call.
package struct RTPParseError: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable, Hashable {
        /// Larger than ``RTPParserLimits/maximumPacketSize``.
        case tooLarge
        /// Fewer bytes than the fixed header (12) or the fixed telephone-event payload (4) needs.
        case tooShort
        /// The version field is not 2 (RFC 3550 §5.1).
        case unsupportedVersion
        /// The CSRC count promises more identifiers than the packet holds.
        case truncatedCSRCList
        /// The X bit is set but the header extension, or its announced length, runs past the packet.
        case truncatedExtension
        /// The P bit is set but the last octet counts zero, or more octets than follow the header.
        case invalidPadding
    }

    package let code: Code
    /// What is wrong, for a person.
    package let detail: String

    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    package var description: String { "RTP: \(detail)" }

    /// A short, fixed text for metrics labels (no values from the packet).
    package var shortDescription: String { code.rawValue }
}

extension RTPParseError: Equatable {
    package static func == (lhs: RTPParseError, rhs: RTPParseError) -> Bool { lhs.code == rhs.code }
}
