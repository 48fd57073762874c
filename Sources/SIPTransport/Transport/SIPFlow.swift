import NIOCore

/// The path a message travelled or will travel (RFC 5626 §3: a "flow"): for TCP/TLS one connection,
/// for UDP the pair of our socket and the remote address.
///
/// Hand it back to the transport layer to send on the same path: a response on the connection its
/// request came on (RFC 3261 §18.2.2), an in-dialog request over the connection a site opened to us.
public struct SIPFlow: Sendable, Hashable, CustomStringConvertible {
    /// The transport of the flow: UDP, TCP or TLS.
    public var transport: SIPTransportProtocol
    /// The address and port we send from / received on.
    public var localAddress: SocketAddress
    /// The peer's address and port: where we send to / received from.
    public var remoteAddress: SocketAddress
    /// Identifies the connection for TCP/TLS (never reused within a transport layer); nil for UDP.
    public var connectionID: UInt64?

    /// A flow over `transport` between `localAddress` and `remoteAddress`; `connectionID` names the TCP/TLS
    /// connection (default nil, as for UDP). Usually the transport layer makes these: a TCP/TLS flow whose
    /// connection is not open makes ``SIPTransportLayer/send(_:on:)`` fail with
    /// ``SIPTransportError/Code/flowClosed``; a UDP flow is sent from the listener bound to `localAddress`.
    public init(
        transport: SIPTransportProtocol, localAddress: SocketAddress, remoteAddress: SocketAddress,
        connectionID: UInt64? = nil
    ) {
        self.transport = transport
        self.localAddress = localAddress
        self.remoteAddress = remoteAddress
        self.connectionID = connectionID
    }

    public var description: String {
        let id = connectionID.map { "#\($0) " } ?? ""
        return "\(transport.viaToken) \(id)\(localAddress.sipHostPort)→\(remoteAddress.sipHostPort)"
    }
}
