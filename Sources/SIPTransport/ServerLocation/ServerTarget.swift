import NIOCore

/// One place to send a request to, in the order RFC 3263 says to try them.
package struct ServerTarget: Sendable, Hashable, CustomStringConvertible {
    package var address: IPAddress
    package var port: UInt16
    package var transport: SIPTransportProtocol
    /// The SRV target host this address came from (`nil` for a numeric host or a plain A/AAAA
    /// lookup), so a caller can tell the site's SRV hosts apart when hunting them (every SRV target of
    /// a site before the other site).
    package var srvTarget: String?
    /// The name the A/AAAA lookup was for (the SRV target, or the request's host), `nil` for a numeric host.
    package var hostName: String?

    package init(
        address: IPAddress, port: UInt16, transport: SIPTransportProtocol, srvTarget: String? = nil,
        hostName: String? = nil
    ) {
        self.address = address
        self.port = port
        self.transport = transport
        self.srvTarget = srvTarget
        self.hostName = hostName
    }

    /// The key failures are remembered under: the same server reached by another SRV name is the same server.
    package var endpoint: Endpoint { Endpoint(address: address, port: port, transport: transport) }

    package func socketAddress() throws -> SocketAddress { try address.socketAddress(port: port) }

    package var description: String {
        let host = address.family == .v6 ? "[\(address.text)]" : address.text
        return "\(transport.rawValue):\(host):\(port)" + (srvTarget.map { " (SRV \($0))" } ?? "")
    }

    package struct Endpoint: Sendable, Hashable {
        package var address: IPAddress
        package var port: UInt16
        package var transport: SIPTransportProtocol
    }
}
