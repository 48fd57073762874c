/// The transports this SDK speaks (RFC 3261 §18): the one transport type of every layer, from the
/// transport's listeners and RFC 3263 server location to the REGISTER's Contact and the façade's
/// configuration (which names it `SIPTransportKind`). The raw value (and the `Codable` form) is the
/// lowercase name; ``description`` is the Via token.
public enum SIPTransportProtocol: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// UDP: unreliable datagrams, default port 5060; a message is one datagram (§18.1.1).
    case udp
    /// TCP: a reliable stream framed by Content-Length (§18.3), default port 5060.
    case tcp
    /// TLS over TCP, default port 5061 (§26.2); the transport `sips:` URIs require.
    case tls

    /// The token written in a Via's sent-protocol (`SIP/2.0/UDP`).
    public var viaToken: String {
        switch self {
        case .udp: "UDP"
        case .tcp: "TCP"
        case .tls: "TLS"
        }
    }

    /// TCP and TLS deliver in order or fail the connection; UDP may lose, repeat or reorder (§17: no
    /// retransmissions on reliable transports; §18.2.2: responses go back on the connection).
    public var isReliable: Bool { self != .udp }

    /// The port a URI or Via without one means (§19.1.2, §18.2.2).
    public var defaultPort: Int { self == .tls ? 5061 : 5060 }

    /// The transport a Via's sent-protocol names, nil for one this SDK does not speak (SCTP, WS…).
    public init?(viaToken: String) {
        switch viaToken.uppercased() {
        case "UDP": self = .udp
        case "TCP": self = .tcp
        case "TLS": self = .tls
        default: return nil
        }
    }

    public var description: String { viaToken }
}
