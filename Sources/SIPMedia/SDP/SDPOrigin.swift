/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 4566 §5.2).
///
/// RFC 3264 §8 ties offer/answer to it: a changed description keeps every field but the version,
/// which goes up by exactly one; an unchanged description keeps the version.
package struct SDPOrigin: Hashable, Sendable {
    /// `-` when the host has no notion of user ids.
    package var username: String
    /// Numeric session id, unique for this host; RFC 4566 suggests an NTP timestamp.
    package var sessionID: UInt64
    /// Numeric version of the description.
    package var sessionVersion: UInt64
    /// Where the description was made (network type `IN`).
    package var address: SDPConnection

    package init(username: String = "-", sessionID: UInt64, sessionVersion: UInt64, address: SDPConnection) {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.address = address
    }
}
