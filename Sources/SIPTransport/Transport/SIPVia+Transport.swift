import NIOCore
import SIPCore

extension SIPVia {
    /// A Via for a new client transaction: a fresh `z9hG4bK` branch (RFC 3261 §8.1.1.7) and `rport`
    /// (RFC 3581 §3). Sent-by is a placeholder until the transport layer fills in the address it
    /// really sends from (§18.1.1), so callers need not know it.
    public static func forNewTransaction(
        transport: SIPTransportProtocol, host: String = "0.0.0.0", port: Int? = nil
    ) -> SIPVia {
        SIPVia(transport: transport.viaToken, host: host, port: port, branch: makeBranch(), rport: true)
    }

    /// `z9hG4bK` and 16 random hex digits: unique in space and time as §8.1.1.7 asks; it needs no
    /// cryptographic strength, only to never collide between transactions.
    public static func makeBranch() -> String {
        var generator = SystemRandomNumberGenerator()
        return SIPIdentifiers.branch(using: &generator)
    }

    /// This Via as a server stamps it on receipt (RFC 3261 §18.2.1, RFC 3581 §4): `received` when the
    /// sent-by host is not the packet's source address, and — when the client asked with `rport` —
    /// `rport` set to the source port and `received` set even when the host matches.
    ///
    /// An IPv6 source is written in brackets (`received=[2001:db8::9]`). RFC 3261's grammar has the
    /// bare form, but a bare IPv6 address is not a valid generic parameter value (`gen-value = token /
    /// host / quoted-string`), SIPCore reads only the bracketed one, and RFC 5118 §4.5 accepts both.
    public func stampedOnReceipt(from source: SocketAddress) -> SIPVia {
        let stamp = receiptStamp(from: source)
        var via = self
        if let received = stamp.received { via.parameters.set("received", received) }
        if let rport = stamp.rport { via.parameters.set("rport", String(rport)) }
        return via
    }

    /// What ``stampedOnReceipt(from:)`` sets: the `received` value (nil: left as it is) and the
    /// `rport` value (nil: left as it is). Both nil when the Via needs no stamp.
    package func receiptStamp(from source: SocketAddress) -> (received: String?, rport: Int?) {
        Self.receiptStamp(host: host, asksRPort: hasRPort, from: source)
    }

    /// The stamp of a Via whose sent-by host is `host` and which asks for `rport` or not.
    static func receiptStamp(host: String, asksRPort: Bool, from source: SocketAddress) -> (
        received: String?, rport: Int?
    ) {
        guard let sourceIP = source.ipv4Text ?? source.ipAddress else { return (nil, nil) }
        var received: String?
        if asksRPort || !Self.sameAddress(host, sourceIP) {
            // `sipHost` without printing the address a second time (inet_ntop showed in profiles).
            if case .v6 = source { received = "[\(sourceIP)]" } else { received = sourceIP }
        }
        return (received, asksRPort ? source.port : nil)
    }

    /// True when `host` (maybe bracketed IPv6, maybe a name) is the IP address `ip`. Names never match:
    /// §18.2.1 wants `received` whenever sent-by is not literally the source.
    static func sameAddress(_ host: String, _ ip: String) -> Bool {
        var literal = host
        if literal.hasPrefix("["), literal.hasSuffix("]") { literal = String(literal.dropFirst().dropLast()) }
        guard let a = try? SocketAddress(ipAddress: literal, port: 0),
            let b = try? SocketAddress(ipAddress: ip, port: 0)
        else { return false }
        return a.ipAddress == b.ipAddress
    }
}

extension SIPTopVia {
    /// What ``SIPVia/stampedOnReceipt(from:)`` sets, for the same Via (RFC 3261 §18.2.1, RFC 3581 §4).
    package func receiptStamp(from source: SocketAddress) -> (received: String?, rport: Int?) {
        SIPVia.receiptStamp(host: host, asksRPort: hasRPort, from: source)
    }

    /// This Via with the stamp `stamp` (``receiptStamp(from:)``) set, as the stamped line reads.
    package mutating func apply(stamp: (received: String?, rport: Int?)) {
        if let received = stamp.received { self.received = received }
        if let rport = stamp.rport { (self.rport, hasRPort) = (rport, true) }
    }
}
