import NIOCore

/// One TCP or TLS connection known to the transport layer. Confined to the layer's event loop.
final class SIPConnection: @unchecked Sendable {
    let id: UInt64
    let channel: Channel
    let transport: SIPTransportProtocol
    /// The target we connected to; nil for a connection the peer opened to our listener.
    let target: SIPTransportTarget?
    /// Completed when the connection can carry messages: TCP connected, or TLS handshake done.
    /// Complete it only through ``markReady()`` and ``markFailedBeforeReady(_:)``.
    let ready: EventLoopPromise<Void>
    /// The promise is settled (a promise must be completed exactly once, and always).
    private var readySettled = false
    /// Known once the connection is active.
    var flow: SIPFlow?
    var isReady = false
    /// We closed it (shutdown, an explicit close): not a failure to report.
    var closedByUs = false
    /// The first reason the connection failed, reported when it closes.
    var failure: SIPTransportError?
    /// For a connection others opened: the remote IP address the inbound limiter counted it under.
    var countedInboundAddress: String?

    init(id: UInt64, channel: Channel, transport: SIPTransportProtocol, target: SIPTransportTarget?) {
        self.id = id
        self.channel = channel
        self.transport = transport
        self.target = target
        self.ready = channel.eventLoop.makePromise()
    }

    var isOutbound: Bool { target != nil }

    func markReady() {
        guard !readySettled else { return }
        readySettled = true
        isReady = true
        ready.succeed(())
    }

    func markFailedBeforeReady(_ error: SIPTransportError) {
        guard !readySettled else { return }
        readySettled = true
        ready.fail(error)
    }
}
