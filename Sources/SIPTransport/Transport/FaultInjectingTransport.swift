import NIOCore
import SIPCore

/// A transport that wraps another and misbehaves on request: frozen like a stopped process, cut off
/// from some hosts, losing every Nth message, or slow. For drills (QuickStart `drill`), in-process
/// sites and test peers; the production ``SIPTransportLayer`` has no such switches.
///
/// With no fault set (``Faults/none``, the default) every call passes straight through. Faults are
/// changed with ``setFaults(_:)`` or ``updateFaults(_:)`` from any thread and take effect on the
/// wrapped transport's loop for the next message. State is confined to that loop.
public final class FaultInjectingTransport: SIPMessageTransport, @unchecked Sendable {
    // @unchecked: `faults` and the counters are touched only on `eventLoop`.

    /// What goes wrong. Each field is independent; the default value is a transport that behaves.
    public struct Faults: Sendable, Hashable {
        /// Nothing received is delivered and nothing is sent (sends succeed and go nowhere). Over a
        /// ``SIPTransportLayer`` its sockets are not read either, so keep-alive pings go unanswered and
        /// what arrives waits in the kernel until the thaw, as for a process stopped with SIGSTOP.
        /// Default: false.
        public var isFrozen: Bool
        /// IP addresses (as ``SIPFlow`` prints them) whose traffic is lost both ways, as if the host had
        /// gone silent: sends to them succeed and go nowhere, nothing from them is delivered.
        /// Default: [] (none).
        public var blockedHosts: Set<String>
        /// Every Nth message sent and every Nth message received (each direction counted on its own,
        /// from the moment this is set) is lost; nil or below 1: none. Default: nil.
        public var dropEveryNth: Int?
        /// Every message sent leaves this much later (received ones are not delayed); order is kept.
        /// Default: zero.
        public var delay: TimeAmount

        /// Faults from their parts; every default is "no fault".
        public init(
            isFrozen: Bool = false, blockedHosts: Set<String> = [], dropEveryNth: Int? = nil, delay: TimeAmount = .zero
        ) {
            self.isFrozen = isFrozen
            self.blockedHosts = blockedHosts
            self.dropEveryNth = dropEveryNth
            self.delay = delay
        }

        /// No fault: the wrapper passes everything through.
        public static let none = Faults()
    }

    /// The transport that really sends and receives.
    public let wrapped: any SIPMessageTransport
    public var eventLoop: any EventLoop { wrapped.eventLoop }
    private var faults = Faults.none
    private var sentCount = 0
    private var receivedCount = 0

    /// Wraps `transport`; set its event handler through this wrapper, not on it.
    public init(wrapping transport: any SIPMessageTransport) {
        self.wrapped = transport
    }

    // MARK: Faults

    /// Replaces the faults; the returned future succeeds once they are in force on the loop.
    @discardableResult
    public func setFaults(_ faults: Faults) -> EventLoopFuture<Void> {
        updateFaults { $0 = faults }
    }

    /// Changes some faults (say, one blocked host more); the future succeeds once in force.
    @discardableResult
    public func updateFaults(_ change: @escaping @Sendable (inout Faults) -> Void) -> EventLoopFuture<Void> {
        onLoop {
            let before = self.faults
            change(&self.faults)
            if self.faults.dropEveryNth != before.dropEveryNth {
                self.sentCount = 0
                self.receivedCount = 0
            }
            guard self.faults.isFrozen != before.isFrozen, let layer = self.wrapped as? SIPTransportLayer else {
                return self.eventLoop.makeSucceededVoidFuture()
            }
            return layer.setReadingPaused(self.faults.isFrozen)
        }
    }

    /// The faults in force. Call on ``eventLoop``.
    public var currentFaults: Faults {
        eventLoop.assertInEventLoop()
        return faults
    }

    // MARK: SIPMessageTransport

    public func setEventHandler(_ handler: @escaping (SIPTransportEvent) -> Void) {
        let box = WeakBox(self)
        wrapped.setEventHandler { event in
            guard let transport = box.value else { return }
            if case .message(let received) = event, !transport.delivers(received) { return }
            handler(event)
        }
    }

    public func start() -> EventLoopFuture<Void> { wrapped.start() }

    public func close() -> EventLoopFuture<Void> { wrapped.close() }

    public func send(_ message: SIPMessage, to target: SIPTransportTarget) -> EventLoopFuture<SIPFlow> {
        onLoop {
            guard self.passes(toward: target.address) else {
                return self.eventLoop.makeSucceededFuture(self.lostFlow(to: target))
            }
            return self.afterDelay { self.wrapped.send(message, to: target) }
        }
    }

    public func send(_ message: SIPMessage, on flow: SIPFlow) -> EventLoopFuture<Void> {
        onLoop {
            guard self.passes(toward: flow.remoteAddress) else { return self.eventLoop.makeSucceededVoidFuture() }
            return self.afterDelay { self.wrapped.send(message, on: flow) }
        }
    }

    public func sendResponse(_ response: SIPMessage, receivedOn flow: SIPFlow) -> EventLoopFuture<SIPFlow> {
        onLoop {
            guard self.passes(toward: flow.remoteAddress) else { return self.eventLoop.makeSucceededFuture(flow) }
            return self.afterDelay { self.wrapped.sendResponse(response, receivedOn: flow) }
        }
    }

    public func sendResponse(
        _ response: SIPMessage, serialized: ByteBuffer, topVia: SIPTopVia?, receivedOn flow: SIPFlow
    )
        -> EventLoopFuture<SIPFlow>
    {
        onLoop {
            guard self.passes(toward: flow.remoteAddress) else { return self.eventLoop.makeSucceededFuture(flow) }
            return self.afterDelay {
                self.wrapped.sendResponse(
                    response, serialized: serialized, topVia: topVia, receivedOn: flow)
            }
        }
    }

    public func resend(_ serialized: ByteBuffer, on flow: SIPFlow) -> EventLoopFuture<Void> {
        onLoop {
            guard self.passes(toward: flow.remoteAddress) else { return self.eventLoop.makeSucceededVoidFuture() }
            return self.afterDelay { self.wrapped.resend(serialized, on: flow) }
        }
    }

    /// Written at once by the wrapped transport (no future of its own for a datagram) when nothing
    /// holds it back: on the loop, with no delay set, and not lost to a fault. Otherwise as
    /// ``send(_:to:)``, whose future the outcome carries.
    public func write(_ message: SIPMessage, to target: SIPTransportTarget, reportingFailure: Bool) -> SIPSendOutcome {
        guard eventLoop.inEventLoop, !(faults.delay > .zero) else { return .pending(send(message, to: target)) }
        guard passes(toward: target.address) else {
            return .pending(eventLoop.makeSucceededFuture(lostFlow(to: target)))
        }
        return wrapped.write(message, to: target, reportingFailure: reportingFailure)
    }

    /// As ``write(_:to:reportingFailure:)``, for a response routed as the wrapped transport routes it.
    public func writeResponse(
        _ response: SIPMessage, serialized: ByteBuffer?, topVia: SIPTopVia?, receivedOn flow: SIPFlow,
        reportingFailure: Bool
    ) -> SIPSendOutcome {
        guard eventLoop.inEventLoop, !(faults.delay > .zero) else {
            return pendingResponse(response, serialized: serialized, topVia: topVia, receivedOn: flow)
        }
        guard passes(toward: flow.remoteAddress) else { return .pending(eventLoop.makeSucceededFuture(flow)) }
        return wrapped.writeResponse(
            response, serialized: serialized, topVia: topVia, receivedOn: flow, reportingFailure: reportingFailure)
    }

    public func closeFlow(_ flow: SIPFlow) -> EventLoopFuture<Void> { wrapped.closeFlow(flow) }

    public func localAddresses(for transport: SIPTransportProtocol) -> [SocketAddress] {
        wrapped.localAddresses(for: transport)
    }

    public func setPrivilegedAddresses(_ addresses: Set<String>) { wrapped.setPrivilegedAddresses(addresses) }

    // MARK: Applying the faults (on the loop)

    /// Whether a received message reaches the handler; counts it toward ``Faults/dropEveryNth``.
    private func delivers(_ received: SIPReceivedMessage) -> Bool {
        if faults.isFrozen { return false }
        if isBlocked(received.source) { return false }
        if let n = faults.dropEveryNth, n > 0 {
            receivedCount += 1
            if receivedCount % n == 0 { return false }
        }
        return true
    }

    /// Whether a message to `remote` is really sent; counts it toward ``Faults/dropEveryNth``.
    private func passes(toward remote: SocketAddress) -> Bool {
        if faults.isFrozen { return false }
        if isBlocked(remote) { return false }
        if let n = faults.dropEveryNth, n > 0 {
            sentCount += 1
            if sentCount % n == 0 { return false }
        }
        return true
    }

    /// Whether `address`'s host is one of ``Faults/blockedHosts``. With none blocked, as on every
    /// message of a phone nobody injects faults into, the address is not printed (`inet_ntop`).
    private func isBlocked(_ address: SocketAddress) -> Bool {
        guard !faults.blockedHosts.isEmpty, let host = address.ipAddress else { return false }
        return faults.blockedHosts.contains(host)
    }

    private func afterDelay<T: Sendable>(_ send: @escaping @Sendable () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        guard faults.delay > .zero else { return send() }
        return eventLoop.scheduleTask(in: faults.delay) {}.futureResult.flatMap(send)
    }

    /// The flow a lost message "went" on: from the wrapped transport's address for that transport (UDP's
    /// when it has none), to the target; no connection.
    private func lostFlow(to target: SIPTransportTarget) -> SIPFlow {
        let local =
            wrapped.localAddress(for: target.transport) ?? wrapped.localAddress(for: .udp) ?? target.address
        return SIPFlow(transport: target.transport, localAddress: local, remoteAddress: target.address)
    }

    private func onLoop<T: Sendable>(_ body: @escaping @Sendable () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if eventLoop.inEventLoop { return body() }
        return eventLoop.flatSubmit(body)
    }

    private final class WeakBox: @unchecked Sendable {
        weak var value: FaultInjectingTransport?
        init(_ value: FaultInjectingTransport) { self.value = value }
    }
}
