import NIOCore
import SIPCore

/// What the transport layer reports upward, always on its event loop.
public enum SIPTransportEvent: Sendable {
    /// A message that parsed and whose core headers (Via, From, To, Call-ID, CSeq, Max-Forwards) are
    /// valid; other headers are parsed when read, and ``SIPMessage/validate()`` checks them all. A
    /// request's top Via already carries `received`/`rport` (RFC 3261 §18.2.1, RFC 3581 §4).
    case message(SIPReceivedMessage)
    /// A TCP/TLS flow we opened is gone: keep-alive timeout, closed by the peer, or a read/write error.
    /// Reported at once, so the layers above fail their transactions and the site's status without
    /// waiting for a timer (RFC 5626 §4.4): a dead site is known in seconds, not at the next refresh.
    case flowFailed(SIPFlowFailure)
}

/// One received message and the path it came on.
public struct SIPReceivedMessage: Sendable {
    /// The parsed message; for a request, its top Via already carries `received`/`rport`.
    public var message: SIPMessage
    /// The packet's source address (for TCP/TLS the connection's remote address).
    public var source: SocketAddress
    /// Hand this back to ``SIPTransportLayer/sendResponse(_:receivedOn:)`` or
    /// ``SIPTransportLayer/send(_:on:)`` to answer on the same path.
    public var flow: SIPFlow
    /// The core headers as the transport parsed them on receipt (the top Via of a request already
    /// stamped), so the layers above match transactions without parsing them again. Nil for a message
    /// built elsewhere; not updated when `message` is changed.
    package var core: SIPCoreHeaders?

    /// The transport the message came over (the flow's).
    public var transport: SIPTransportProtocol { flow.transport }

    /// A received message from `message`, its packet `source` and its `flow`. The transport layer builds these;
    /// one built here carries no pre-parsed core headers, so the layers above parse them from `message`.
    public init(message: SIPMessage, source: SocketAddress, flow: SIPFlow) {
        self.message = message
        self.source = source
        self.flow = flow
    }
}

/// A flow we opened that has failed.
public struct SIPFlowFailure: Sendable, Error, CustomStringConvertible {
    /// The flow that failed; sends on it now fail with ``SIPTransportError/Code/flowClosed``.
    public var flow: SIPFlow
    /// The remote target the flow was opened to (the key under which it was reused).
    public var target: SIPTransportTarget
    /// Why it failed: `.keepAliveTimeout`, `.connectionClosed`, `.tlsHandshakeFailed`, …
    public var error: SIPTransportError

    /// A failure of `flow`, opened to `target`, for the reason `error`.
    public init(flow: SIPFlow, target: SIPTransportTarget, error: SIPTransportError) {
        self.flow = flow
        self.target = target
        self.error = error
    }

    public var description: String { "flow to \(target) failed: \(error)" }
}
