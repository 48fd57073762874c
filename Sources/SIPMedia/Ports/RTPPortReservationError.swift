/// Why no RTP/RTCP port pair could be reserved. Equality is by ``code``.
package struct RTPPortReservationError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: String, Hashable, Sendable {
        /// The address is not a numeric IPv4 or IPv6 address.
        case invalidAddress
        /// The range holds no even port with its odd neighbour (e.g. `rtp_port_min` > `rtp_port_max`).
        case invalidRange
        /// Every pair tried was in use.
        case exhausted
        /// The system refused a socket for another reason (the address is not local, no descriptors …).
        case system
        /// The reservation's sockets were already handed over or closed.
        case released
    }

    package let code: Code
    package let detail: String
    /// The `errno` behind a ``Code/system`` error.
    package let systemErrno: Int32?

    package init(_ code: Code, _ detail: String, errno: Int32? = nil) {
        self.code = code
        self.detail = detail
        self.systemErrno = errno
    }

    package static func == (lhs: RTPPortReservationError, rhs: RTPPortReservationError) -> Bool { lhs.code == rhs.code }
    package func hash(into hasher: inout Hasher) { hasher.combine(code) }
    package var description: String { "RTP port reservation: \(detail)" }
}
