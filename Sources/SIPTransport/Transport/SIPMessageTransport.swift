import NIOCore
import SIPCore

/// What the layers above (the RFC 3261 §17 transaction layer, a test peer) need of a SIP transport:
/// send a message to a target or on a flow, answer on the flow a request came on, hear what arrives,
/// know the bound addresses, start and close.
///
/// ``SIPTransportLayer`` is the production one (UDP, TCP and TLS over NIO);
/// ``FaultInjectingTransport`` wraps any of them to freeze, cut off a host, lose messages or delay them.
/// Every event is delivered on ``eventLoop``, and a conforming type may be called from any thread (it
/// hops onto its loop).
public protocol SIPMessageTransport: AnyObject, Sendable {
    /// The event loop that owns the transport's state and on which every event is delivered.
    var eventLoop: any EventLoop { get }

    /// Sets the function called on ``eventLoop`` for every received message and every failed flow
    /// (``SIPTransportEvent``), replacing any earlier one. Call it before ``start()``.
    func setEventHandler(_ handler: @escaping (SIPTransportEvent) -> Void)

    /// Binds every listener; fails (and closes what was bound) when one cannot be bound.
    func start() -> EventLoopFuture<Void>

    /// Closes listeners and connections; closing a flow here is not reported as a flow failure.
    func close() -> EventLoopFuture<Void>

    /// Sends a message to `target` over a flow the transport picks (a listener's socket, an open
    /// connection, or a new one) and returns that flow. A request's top Via gets the flow's sent-by
    /// (RFC 3261 §18.1.1).
    func send(_ message: SIPMessage, to target: SIPTransportTarget) -> EventLoopFuture<SIPFlow>

    /// Sends on a flow a message arrived on or an earlier send returned; fails with
    /// ``SIPTransportError/Code/flowClosed`` when its connection is gone.
    func send(_ message: SIPMessage, on flow: SIPFlow) -> EventLoopFuture<Void>

    /// Sends a response to a request that arrived on `flow`, routed by RFC 3261 §18.2.2; returns the
    /// flow used.
    func sendResponse(_ response: SIPMessage, receivedOn flow: SIPFlow) -> EventLoopFuture<SIPFlow>

    /// Sends `response`, already in wire form as `serialized` (what `response.serialized` gives), to a
    /// request that arrived on `flow`, routed as ``sendResponse(_:receivedOn:)`` routes it; returns the
    /// flow used. A server transaction keeps those bytes and that flow, not the message, to answer a
    /// retransmitted request (RFC 3261 §17.2.2) with ``resend(_:on:)``. `topVia`, when given, is the
    /// response's top Via already parsed — the request's as stamped on receipt, which §8.2.6.2 copies
    /// into the response — so it is not parsed again.
    func sendResponse(_ response: SIPMessage, serialized: ByteBuffer, topVia: SIPTopVia?, receivedOn flow: SIPFlow)
        -> EventLoopFuture<SIPFlow>

    /// Sends bytes once more, unchanged, on a flow an earlier send returned (a retransmitted response);
    /// fails like ``send(_:on:)``.
    func resend(_ serialized: ByteBuffer, on flow: SIPFlow) -> EventLoopFuture<Void>

    /// Sends like ``send(_:to:)``, without a future of its own when the flow is known as the message
    /// is written (a UDP socket, called on ``eventLoop``): then it returns ``SIPSendOutcome/written(_:completion:)``
    /// with that flow and, only when `reportingFailure`, a future of the write. Otherwise it returns
    /// ``SIPSendOutcome/pending(_:)`` with what ``send(_:to:)`` returns.
    func write(_ message: SIPMessage, to target: SIPTransportTarget, reportingFailure: Bool) -> SIPSendOutcome

    /// Sends a response like ``sendResponse(_:serialized:topVia:receivedOn:)`` (or, without
    /// `serialized`, like ``sendResponse(_:receivedOn:)``), without a future of its own when the route
    /// is a UDP socket: the outcome is as ``write(_:to:reportingFailure:)``'s.
    func writeResponse(
        _ response: SIPMessage, serialized: ByteBuffer?, topVia: SIPTopVia?, receivedOn flow: SIPFlow,
        reportingFailure: Bool
    ) -> SIPSendOutcome

    /// Closes one connection (not reported as a flow failure); a UDP flow has nothing to close.
    func closeFlow(_ flow: SIPFlow) -> EventLoopFuture<Void>

    /// The addresses bound for `transport` after ``start()``, in configuration order. Thread-safe.
    func localAddresses(for transport: SIPTransportProtocol) -> [SocketAddress]

    /// The IP addresses of the sites, exempt from the per-address connection cap and allowed into the
    /// reserve of connections; replaces the previous set. Thread-safe.
    func setPrivilegedAddresses(_ addresses: Set<String>)
}

extension SIPMessageTransport {
    /// Default: the bytes are not reused; the message is routed and written again.
    public func sendResponse(
        _ response: SIPMessage, serialized: ByteBuffer, topVia: SIPTopVia?, receivedOn flow: SIPFlow
    )
        -> EventLoopFuture<SIPFlow>
    {
        sendResponse(response, receivedOn: flow)
    }

    /// Default: the bytes are parsed back into a message and sent with ``send(_:on:)``.
    public func resend(_ serialized: ByteBuffer, on flow: SIPFlow) -> EventLoopFuture<Void> {
        do {
            return send(try SIPMessage(parsing: serialized), on: flow)
        } catch {
            return eventLoop.makeFailedFuture(SIPTransportError(.invalidMessage, "bytes to resend: \(error)"))
        }
    }

    /// Default: always ``SIPSendOutcome/pending(_:)``, the future of ``send(_:to:)``.
    public func write(_ message: SIPMessage, to target: SIPTransportTarget, reportingFailure: Bool) -> SIPSendOutcome {
        .pending(send(message, to: target))
    }

    /// Default: always ``pendingResponse(_:serialized:topVia:receivedOn:)``.
    public func writeResponse(
        _ response: SIPMessage, serialized: ByteBuffer?, topVia: SIPTopVia?, receivedOn flow: SIPFlow,
        reportingFailure: Bool
    ) -> SIPSendOutcome {
        pendingResponse(response, serialized: serialized, topVia: topVia, receivedOn: flow)
    }

    /// A response sent the future's way, as ``writeResponse(_:serialized:topVia:receivedOn:reportingFailure:)``
    /// does when it cannot write at once: ``SIPSendOutcome/pending(_:)`` with the future of the matching
    /// `sendResponse`.
    public func pendingResponse(
        _ response: SIPMessage, serialized: ByteBuffer?, topVia: SIPTopVia?, receivedOn flow: SIPFlow
    ) -> SIPSendOutcome {
        guard let serialized else { return .pending(sendResponse(response, receivedOn: flow)) }
        return .pending(sendResponse(response, serialized: serialized, topVia: topVia, receivedOn: flow))
    }

    /// The first address bound for `transport` (after ``start()``), nil when none is. Thread-safe.
    public func localAddress(for transport: SIPTransportProtocol) -> SocketAddress? {
        localAddresses(for: transport).first
    }
}

/// How a send begun by ``SIPMessageTransport/write(_:to:reportingFailure:)`` or
/// ``SIPMessageTransport/writeResponse(_:serialized:topVia:receivedOn:reportingFailure:)`` went.
///
/// A UDP write's outcome is rarely read (a datagram either leaves or fails with `EMSGSIZE` or
/// `EHOSTUNREACH`), while a future and its callbacks were two allocations and a few thousand
/// instructions on every send: so the flow is returned at once, and a future made only when asked.
public enum SIPSendOutcome: Sendable {
    /// Queued as a datagram on `flow`, sent at the end of the loop's current task. `completion`,
    /// present when a failure report was asked for, succeeds once the datagram has left and fails
    /// with the socket's error (``SIPTransportError/datagramNotSent(to:_:)`` words it as
    /// ``SIPMessageTransport/send(_:to:)`` does).
    case written(SIPFlow, completion: EventLoopFuture<Void>?)
    /// Not written at once (a connection to use or open, a call off the loop, an error found before
    /// writing): the future ``SIPMessageTransport/send(_:to:)`` would have returned.
    case pending(EventLoopFuture<SIPFlow>)
}

extension SIPTransportError {
    /// A datagram to `address` that the socket could not send (`error`, the channel's), as
    /// ``SIPMessageTransport/send(_:to:)`` reports it.
    public static func datagramNotSent(to address: SocketAddress, _ error: any Error) -> SIPTransportError {
        SIPTransportError(.connectionClosed, "UDP send to \(address): \(error)")
    }
}
