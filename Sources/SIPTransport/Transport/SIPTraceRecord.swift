import NIOCore
import SIPCore

/// One SIP message as it crossed the transport, for traces and call-flow pictures (QuickStart
/// `--trace`, `ladder`). Made only when a trace sink is configured.
public struct SIPTraceRecord: Sendable {
    /// Which way the message crossed the transport; the raw value is the word written in traces.
    public enum Direction: String, Sendable {
        /// We serialized the message to send it; recorded before the write completes, so a write that then
        /// fails still appears.
        case sent
        /// We received the message, it parsed, and (for a request) its top Via was stamped with
        /// `received`/`rport`; input that did not parse is not traced.
        case received
    }

    /// When the message was serialized or delivered, on NIO's monotonic clock (`NIODeadline.now()`): use it for
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
