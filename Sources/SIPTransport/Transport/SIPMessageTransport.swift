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
    func sendResponse(_ response: SIPMessage, serialized: ByteBuffer, topVia: SIPVia?, receivedOn flow: SIPFlow)
        -> EventLoopFuture<SIPFlow>

    /// Sends bytes once more, unchanged, on a flow an earlier send returned (a retransmitted response);
    /// fails like ``send(_:on:)``.
    func resend(_ serialized: ByteBuffer, on flow: SIPFlow) -> EventLoopFuture<Void>

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
    public func sendResponse(_ response: SIPMessage, serialized: ByteBuffer, topVia: SIPVia?, receivedOn flow: SIPFlow)
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

    /// The first address bound for `transport` (after ``start()``), nil when none is. Thread-safe.
    public func localAddress(for transport: SIPTransportProtocol) -> SocketAddress? {
        localAddresses(for: transport).first
    }
}
