import NIOCore
import SIPCore

/// One SIP message as it crossed the transport, for traces and call-flow pictures (QuickStart
/// `--trace`, `ladder`). Made only when a trace sink is configured.
public struct SIPTraceRecord: Sendable {
    /// Whether the message left (`sent`) or arrived (`received`).
    public enum Direction: String, Sendable { case sent, received }

    /// When the message was written or read, on NIO's monotonic clock (`NIODeadline.now()`): use it for
    /// intervals between records, not as a wall-clock time of day.
    public var time: NIODeadline
    /// Whether we sent or received the message.
    public var direction: Direction
    /// The transport the message crossed: UDP, TCP or TLS.
    public var transport: SIPTransportProtocol
    /// `address:port` of our socket.
    public var local: String
    /// `address:port` of the other side.
    public var remote: String
    /// The message as written on the wire (sent) or as received (re-serialized after parsing).
    public var message: SIPMessage
}
