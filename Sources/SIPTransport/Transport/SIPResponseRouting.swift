import SIPCore

/// Where a response goes (RFC 3261 §18.2.2 with RFC 3581 §4), decided from its top Via alone.
public enum SIPResponseDestination: Sendable, Hashable {
    /// Write it on the connection the request arrived on.
    case sameConnection
    /// Send it to this host and port over the Via's transport. The host is an IP literal (without
    /// brackets) except for the last rule, where it is sent-by as written, possibly a name that
    /// RFC 3263 §5 resolves.
    case address(host: String, port: Int, transport: SIPTransportProtocol)
}

/// The response routing rules of RFC 3261 §18.2.2 (with RFC 3581 §4 `rport`) as a pure function of the top
/// Via; the transport layer applies the result.
public enum SIPResponseRouting {
    /// The §18.2.2 rules, in the RFC's order:
    ///
    /// 1. reliable transport (TCP, TLS) and the request's connection is still open → that connection;
    /// 2. `maddr` present → maddr, port of sent-by or the transport's default;
    /// 3. unreliable, `received` and `rport` with a value → received:rport (RFC 3581 §4);
    /// 4. `received` present → received, port of sent-by or the default (a closed TCP connection is
    ///    re-opened to this address, §18.2.2's second rule);
    /// 5. otherwise sent-by host and port (or the default).
    ///
    /// - Returns: nil when the Via names a transport this SDK does not speak.
    public static func destination(for topVia: SIPVia, connectionIsOpen: Bool) -> SIPResponseDestination? {
        destination(for: SIPTopVia(topVia), connectionIsOpen: connectionIsOpen)
    }

    /// The same rules on the fields of a top Via as the receive path reads them.
    public static func destination(for topVia: SIPTopVia, connectionIsOpen: Bool) -> SIPResponseDestination? {
        guard let transport = SIPTransportProtocol(viaToken: topVia.transport) else { return nil }
        let sentByPort = topVia.port ?? transport.defaultPort
        if transport.isReliable && connectionIsOpen { return .sameConnection }
        if let maddr = topVia.maddr, !maddr.isEmpty {
            return .address(host: unbracketed(maddr), port: sentByPort, transport: transport)
        }
        if let received = topVia.received, !received.isEmpty {
            if !transport.isReliable, let rport = topVia.rport {
                return .address(host: unbracketed(received), port: rport, transport: transport)
            }
            return .address(host: unbracketed(received), port: sentByPort, transport: transport)
        }
        return .address(host: unbracketed(topVia.host), port: sentByPort, transport: transport)
    }

    static func unbracketed(_ host: String) -> String {
        if host.hasPrefix("["), host.hasSuffix("]") { return String(host.dropFirst().dropLast()) }
        return host
    }
}
