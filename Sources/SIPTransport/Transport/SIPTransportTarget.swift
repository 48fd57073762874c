import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Where to send: a transport and a resolved socket address, and for TLS the name the server's
/// certificate must carry. Server location (RFC 3263) produces these; the transport layer never resolves.
public struct SIPTransportTarget: Sendable, Hashable, CustomStringConvertible {
    /// The transport to send over: UDP, TCP or TLS.
    public var transport: SIPTransportProtocol
    /// The resolved remote IP address and port (no names: the transport layer never resolves).
    public var address: SocketAddress
    /// The name sent in SNI and checked against the certificate (TLS only). An IP address here, or nil,
    /// means "no SNI, check the certificate against the peer's IP address". Default: nil.
    public var serverName: String?

    /// A target of `transport` at the resolved `address`, with the TLS `serverName` to check (default nil:
    /// check against the peer's IP address).
    public init(transport: SIPTransportProtocol, address: SocketAddress, serverName: String? = nil) {
        self.transport = transport
        self.address = address
        self.serverName = serverName
    }

    /// A target from an IP address literal and port (no DNS: a name here is an error).
    public init(transport: SIPTransportProtocol, ipAddress: String, port: Int, serverName: String? = nil) throws {
        var literal = ipAddress
        if literal.hasPrefix("["), literal.hasSuffix("]") { literal = String(literal.dropFirst().dropLast()) }
        self.init(
            transport: transport, address: try SocketAddress(ipAddress: literal, port: port), serverName: serverName)
    }

    /// What a connection is reused for: same transport, same remote address and port (the TLS server
    /// name is part of the identity too, since the certificate was checked against it).
    package var connectionKey: ConnectionKey {
        ConnectionKey(
            transport: transport, host: address.ipAddress ?? "", port: address.port ?? 0, serverName: serverName)
    }

    package struct ConnectionKey: Hashable, Sendable {
        var transport: SIPTransportProtocol
        var host: String
        var port: Int
        var serverName: String?
    }

    public var description: String {
        let name = serverName.map { " (\($0))" } ?? ""
        return "\(transport.viaToken) \(address.sipHostPort)\(name)"
    }
}

extension SocketAddress {
    /// `host:port` as SIP writes it: IPv6 in brackets (RFC 3261 §25.1 IPv6reference).
    package var sipHostPort: String {
        "\(sipHost):\(port ?? 0)"
    }

    /// The host as SIP writes it in sent-by and URIs: IPv6 in brackets.
    package var sipHost: String {
        if let ip = ipv4Text { return ip }
        guard let ip = ipAddress else { return "" }
        if case .v6 = self { return "[\(ip)]" }
        return ip
    }

    /// ``ipAddress`` for the address SIP sees on every message: an IPv4 one is printed here in
    /// dotted decimal (as `inet_ntop` prints it) without glibc's `sprintf`, which was several
    /// thousand instructions per datagram on the receive (stamp) and send (sent-by) paths. The
    /// result fits a small `String` (at most 15 bytes), so it allocates nothing. Nil for IPv6.
    package var ipv4Text: String? {
        guard case .v4(let v4) = self else { return nil }
        let octets = UInt32(bigEndian: v4.address.sin_addr.s_addr)
        return String(unsafeUninitializedCapacity: 15) { out in
            var n = 0
            for shift in stride(from: 24, through: 0, by: -8) {
                let octet = Int((octets >> UInt32(shift)) & 0xFF)
                if octet >= 100 {
                    out[n] = UInt8(ascii: "0") + UInt8(octet / 100)
                    n += 1
                }
                if octet >= 10 {
                    out[n] = UInt8(ascii: "0") + UInt8(octet / 10 % 10)
                    n += 1
                }
                out[n] = UInt8(ascii: "0") + UInt8(octet % 10)
                n += 1
                if shift > 0 {
                    out[n] = UInt8(ascii: ".")
                    n += 1
                }
            }
            return n
        }
    }
}
