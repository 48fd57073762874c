import NIOCore
import SIPCore

extension SIPMessage {
    /// The SDP body (RFC 3261 §13.2.1: offers and answers travel as `application/sdp`); nil when the
    /// message has no body or a body of another type.
    package func sessionDescription(limits: SDPParserLimits = .default) throws(SDPParseError) -> SessionDescription? {
        guard body.readableBytes > 0 else { return nil }
        // A missing Content-Type on a body is read as SDP, as most UAs do; a malformed one is not SDP.
        if headers.contains(.contentType) {
            guard let type = try? contentType, type.matches(.sdp) else { return nil }
        }
        return try SessionDescription(parsing: body, limits: limits)
    }

    /// Makes `description` the body, with `Content-Type: application/sdp`.
    package mutating func setSessionDescription(_ description: SessionDescription) {
        body = description.byteBuffer
        headers.replaceOrAdd(.contentType, SIPMediaType.sdp.description)
    }
}
