import NIOCore
import SIPCore

/// One SIP message as it crossed the transport, for traces and call-flow pictures (QuickStart
/// `--trace`, `ladder`). Made only when a trace sink is configured.
public struct SIPTraceRecord: Sendable {
    public enum Direction: String, Sendable { case sent, received }

    public var time: NIODeadline
    public var direction: Direction
    public var transport: SIPTransportProtocol
    /// `address:port` of our socket.
    public var local: String
    /// `address:port` of the other side.
    public var remote: String
    /// The message as written on the wire (sent) or as received (re-serialized after parsing).
    public var message: SIPMessage
}
