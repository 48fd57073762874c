/// What RFC 3263 needs to know of a transport. SCTP and WebSocket NAPTR services are not offered: we do
/// not speak them.
extension SIPTransportProtocol {
    /// RFC 3263 §4.2 / RFC 3261 §19.1.2: 5060, or 5061 for TLS, as a DNS port.
    package var defaultDNSPort: UInt16 { self == .tls ? 5061 : 5060 }

    /// The SRV owner prefix of RFC 3263 §4.1 (`_sips._tcp` for TLS).
    package var srvPrefix: String {
        switch self {
        case .udp: "_sip._udp."
        case .tcp: "_sip._tcp."
        case .tls: "_sips._tcp."
        }
    }

    /// The NAPTR service field (RFC 3263 §4.1, IANA "SIP NAPTR Resource Record Services Field").
    package var naptrService: String {
        switch self {
        case .udp: "SIP+D2U"
        case .tcp: "SIP+D2T"
        case .tls: "SIPS+D2T"
        }
    }
}

/// What to locate: the host part of a SIP URI (or a `server` setting) and what it says about port
/// and transport. SIPCore's URI type is not needed here: the caller copies these four fields out.
package struct ServerLocationRequest: Sendable, Hashable {
    /// Host name, IPv4 address, or IPv6 address with or without brackets.
    package var host: String
    /// An explicit port; when present only A/AAAA are asked (RFC 3263 §4.2). Default: nil.
    package var port: UInt16?
    /// An explicit transport (a `transport=` URI parameter or the connection's `protocol`); when
    /// present NAPTR is skipped (RFC 3263 §4.1). Default: nil.
    package var transport: SIPTransportProtocol?
    /// A `sips:` URI: only TLS may be used (RFC 3263 §4.1). Default: false.
    package var secure: Bool

    package init(host: String, port: UInt16? = nil, transport: SIPTransportProtocol? = nil, secure: Bool = false) {
        self.host = host
        self.port = port
        self.transport = transport
        self.secure = secure
    }
}
