/// Why SRTP could not protect or unprotect a packet, or set up a context. Equality is by ``code``.
package struct SRTPError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: String, Hashable, Sendable {
        /// The packet's authentication tag did not verify (RFC 3711 §3.3 step 5): forged, corrupted,
        /// another key, or plain RTP where SRTP was agreed.
        case authenticationFailed
        /// The packet index was seen before or is behind the replay window (RFC 3711 §3.3.2).
        case replay
        /// Too short or otherwise not an SRTP/SRTCP packet.
        case malformed
        /// libsrtp refused to create a context or protect a packet.
        case library
        /// The CSPRNG gave no key.
        case noRandomness
    }

    package let code: Code
    package let detail: String

    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    package var description: String { "SRTP: \(detail)" }
    package static func == (lhs: SRTPError, rhs: SRTPError) -> Bool { lhs.code == rhs.code }
    package func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
