/// Who may open one more TCP/TLS connection to our listeners, so that strangers cannot exhaust the
/// process's sockets and lock the sites out.
///
/// - An address that is not privileged (not one of our sites) may hold at most ``perAddress`` open
///   connections: one scanner or misbehaving host cannot take them all.
/// - All inbound connections together are capped at ``total``; the last ``reserved`` of them are for
///   privileged addresses only, so a flood from many addresses still leaves room for the sites.
/// - Privileged addresses have no per-address cap: a site may open a flow per registration.
///
/// Connections we opened are never counted. A value type with no clock and no I/O: the transport
/// layer asks ``accept(_:privileged:)`` when a connection is accepted and calls ``closed(_:)`` exactly
/// once for each accepted one when it ends.
package struct InboundConnectionLimiter: Sendable, Hashable {
    /// Why a connection was refused.
    package enum Refusal: Sendable, Hashable {
        /// The address already holds ``InboundConnectionLimiter/perAddress`` connections.
        case addressFull
        /// Every connection a non-privileged address may use is taken (the rest are the sites' reserve).
        case unreservedFull
        /// All ``InboundConnectionLimiter/total`` connections are taken.
        case totalFull
    }

    package let perAddress: Int
    package let total: Int
    package let reserved: Int
    /// Open inbound connections.
    package private(set) var count = 0
    private var perAddressCount: [String: Int] = [:]

    package init(perAddress: Int, total: Int, reserved: Int) {
        self.perAddress = max(0, perAddress)
        self.total = max(0, total)
        self.reserved = min(max(0, reserved), self.total)
    }

    /// Open inbound connections from `address`.
    package func count(from address: String) -> Int { perAddressCount[address] ?? 0 }

    /// Counts a new connection from `address` and returns nil, or returns why it must be closed
    /// (then nothing is counted).
    package mutating func admit(_ address: String, privileged: Bool) -> Refusal? {
        if count >= total { return .totalFull }
        if !privileged {
            if count >= total - reserved { return .unreservedFull }
            if count(from: address) >= perAddress { return .addressFull }
        }
        count += 1
        perAddressCount[address, default: 0] += 1
        return nil
    }

    /// True when the connection from `address` is accepted (and counted).
    package mutating func accept(_ address: String, privileged: Bool) -> Bool {
        admit(address, privileged: privileged) == nil
    }

    /// An accepted connection from `address` ended.
    package mutating func closed(_ address: String) {
        guard let n = perAddressCount[address], n > 0 else { return }
        count -= 1
        perAddressCount[address] = n == 1 ? nil : n - 1
    }
}
