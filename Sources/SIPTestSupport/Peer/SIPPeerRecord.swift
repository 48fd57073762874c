import NIOCore
import SIPCore
import SIPTransport

/// Something a ``SIPTestPeer`` saw, kept for assertions.
public struct SIPPeerRecord: Sendable {
    public var message: SIPMessage
    public var source: SocketAddress
    public var flow: SIPFlow
    /// The peer's drop-every-Nth rule swallowed it: recorded, never answered.
    public var wasDropped: Bool
}
