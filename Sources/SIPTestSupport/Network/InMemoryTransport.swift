import NIOCore
import NIOEmbedded
import SIPCore
import SIPTransport

/// A ``SIPMessageTransport`` in memory on an `EmbeddedEventLoop`, for the drivers' tests on a virtual
/// clock: it records every message it is asked to send, with the loop's time, and hands the layer
/// above whatever a test says arrived. Nothing is bound and nothing sleeps; the test advances the
/// loop's clock. A test that must hold a write open or watch a resend overrides that method.
open class InMemoryTransport: SIPMessageTransport, @unchecked Sendable {
    public let loop: EmbeddedEventLoop
    public var eventLoop: any EventLoop { loop }
    /// The address every flow starts from: 127.0.0.1:5060.
    public let local = try! SocketAddress(ipAddress: "127.0.0.1", port: 5060)
    /// The layer's event handler, once it has set one.
    public private(set) var handler: ((SIPTransportEvent) -> Void)?
    /// Every message sent, request or response, and when (the loop's clock).
    public private(set) var sent: [(message: SIPMessage, at: NIODeadline)] = []

    public init(loop: EmbeddedEventLoop = EmbeddedEventLoop()) {
        self.loop = loop
    }

    /// A UDP flow from ``local`` to `remote`.
    public func flow(to remote: SocketAddress) -> SIPFlow {
        SIPFlow(transport: .udp, localAddress: local, remoteAddress: remote)
    }

    /// Hands `message` to the layer as received over UDP from `source`.
    public func receive(_ message: SIPMessage, from source: SocketAddress) {
        handler?(.message(SIPReceivedMessage(message: message, source: source, flow: flow(to: source))))
    }

    /// How many requests were sent with this top Via branch (a request and its retransmissions).
    public func copies(ofBranch branch: String) -> Int {
        sent.filter { $0.message.isRequest && (try? $0.message.topVia.branch) == branch }.count
    }

    public func setEventHandler(_ handler: @escaping (SIPTransportEvent) -> Void) { self.handler = handler }
    public func start() -> EventLoopFuture<Void> { loop.makeSucceededVoidFuture() }
    public func close() -> EventLoopFuture<Void> { loop.makeSucceededVoidFuture() }
    public func closeFlow(_ flow: SIPFlow) -> EventLoopFuture<Void> { loop.makeSucceededVoidFuture() }
    public func localAddresses(for transport: SIPTransportProtocol) -> [SocketAddress] { [local] }
    public func setPrivilegedAddresses(_ addresses: Set<String>) {}

    open func send(_ message: SIPMessage, to target: SIPTransportTarget) -> EventLoopFuture<SIPFlow> {
        record(message)
        return loop.makeSucceededFuture(
            SIPFlow(transport: target.transport, localAddress: local, remoteAddress: target.address))
    }

    open func send(_ message: SIPMessage, on flow: SIPFlow) -> EventLoopFuture<Void> {
        record(message)
        return loop.makeSucceededVoidFuture()
    }

    open func sendResponse(_ response: SIPMessage, receivedOn flow: SIPFlow) -> EventLoopFuture<SIPFlow> {
        record(response)
        return loop.makeSucceededFuture(flow)
    }

    /// As the protocol's default (the bytes are not reused), here so that a subclass can override it.
    open func sendResponse(_ response: SIPMessage, serialized: ByteBuffer, topVia: SIPTopVia?, receivedOn flow: SIPFlow)
        -> EventLoopFuture<SIPFlow>
    {
        sendResponse(response, receivedOn: flow)
    }

    /// As the protocol's default (the bytes parsed back and sent on the flow), here so that a subclass
    /// can override it.
    open func resend(_ serialized: ByteBuffer, on flow: SIPFlow) -> EventLoopFuture<Void> {
        do {
            return send(try SIPMessage(parsing: serialized), on: flow)
        } catch {
            return loop.makeFailedFuture(SIPTransportError(.invalidMessage, "bytes to resend: \(error)"))
        }
    }

    /// As the protocol's default (the future of ``send(_:to:)``), here so that a subclass can
    /// override it.
    open func write(_ message: SIPMessage, to target: SIPTransportTarget, reportingFailure: Bool) -> SIPSendOutcome {
        .pending(send(message, to: target))
    }

    private func record(_ message: SIPMessage) {
        sent.append((message, loop.now))
    }
}
