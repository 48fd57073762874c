import Logging
import NIOConcurrencyHelpers
import NIOCore
import SIPCore
import SIPTransport

/// A phone's one set of SIP listeners (UDP, TCP, TLS: one ``SIPTransportLayer`` in its drill
/// wrapper, on the first shard's loop) shared by its shards, one per event loop its lines are spread
/// over. Each shard's transaction layer sends and receives through its own ``ShardTransport``; what
/// the listeners receive is parsed on their loop and handed to its shard's loop by ``LoopDispatch``.
/// A flow that fails is reported to every shard (each fails its own transactions on it).
///
/// The listeners bind when the first shard starts and close when the last one has closed.
final class PhoneListeners: Sendable {
    /// The production transport in the wrapper drills use (``Phone/setBlockedHosts(_:)``).
    let faults: FaultInjectingTransport
    /// The production transport itself, for what only its sockets can tell (``unreadDatagramBytes()``).
    private let transport: SIPTransportLayer
    let shardCount: Int
    private let slots: [Slot]
    /// The shard of an agent line (its DN), nil for a line the phone does not have.
    private let shardOfLine: @Sendable (String) -> Int?
    private let state = NIOLockedValueBox(State())

    private struct State {
        var started: EventLoopFuture<Void>?
        var open = 0
        /// Each shard's site addresses; their union is what the transport reserves room for and what
        /// admission calls a site.
        var siteHosts: [Set<String>] = []
        var allSiteHosts: Set<String> = []
    }

    /// Where a shard's view is: held weakly (each shard owns its view; the listeners own the shards' nothing).
    private final class Slot: @unchecked Sendable {
        // @unchecked: set once, in the listeners' init, before they are shared.
        weak var view: ShardTransport?
    }

    /// - Parameters:
    ///   - transport: the production transport, on `loops[0]`; the listeners wrap it for drills.
    ///   - loops: one per shard, the first the transport's.
    init(transport: SIPTransportLayer, loops: [any EventLoop], shardOfLine: @escaping @Sendable (String) -> Int?) {
        precondition(!loops.isEmpty && loops[0] === transport.eventLoop, "the listeners live on the first shard's loop")
        self.faults = FaultInjectingTransport(wrapping: transport)
        self.transport = transport
        self.shardCount = loops.count
        self.slots = loops.map { _ in Slot() }
        self.shardOfLine = shardOfLine
        self.state.withLockedValue {
            $0.open = loops.count
            $0.siteHosts = Array(repeating: [], count: loops.count)
        }
        faults.setEventHandler { [weak self] event in self?.dispatch(event) }
    }

    /// The listeners' loop (the first shard's).
    var eventLoop: any EventLoop { transport.eventLoop }

    /// The bytes waiting unread in the UDP listeners' sockets (``SIPTransportLayer/unreadDatagramBytes()``);
    /// call on ``eventLoop``. Nil where the system cannot tell.
    func unreadDatagramBytes() -> Int? { transport.unreadDatagramBytes() }

    /// Shard `shard`'s view, on `loop`; made once per shard.
    func makeView(shard: Int, on loop: any EventLoop) -> ShardTransport {
        let view = ShardTransport(listeners: self, shard: shard, eventLoop: loop)
        slots[shard].view = view
        return view
    }

    // MARK: Receiving (on the listeners' loop)

    /// Hands one event to its shard's loop (``LoopDispatch``); a failed flow to every shard.
    private func dispatch(_ event: SIPTransportEvent) {
        guard shardCount > 1, case .message(var received) = event else {
            if case .flowFailed = event, shardCount > 1 {
                for slot in slots { slot.view?.deliver(event) }
            } else {
                slots[0].view?.deliver(event)
            }
            return
        }
        var shard = 0
        if received.message.isRequest {
            if let user = received.message.requestURI?.user,
                let owner = shardOfLine(LoopDispatch.line(inRequestURIUser: user)), owner < shardCount
            {
                shard = owner
            } else if let host = received.source.ipAddress, let owner = shardOfSite(host) {
                // No line named (`OPTIONS sip:host` probing us): a shard with a line on that site
                // answers it as that site's connection would.
                shard = owner
            }
        } else if let branch = received.core.map(\.topVia.branch) ?? (try? received.message.topVia)?.branch,
            let unmarked = LoopDispatch.unmark(branch), unmarked.shard < shardCount
        {
            let original = unmarked.branch
            shard = unmarked.shard
            if received.core != nil {
                received.core?.topVia.branch = original
            } else if var via = try? received.message.topVia {
                via.parameters.set("branch", original)
                try? received.message.replaceTopVia(via)
            }
        }
        slots[shard].view?.deliver(.message(received))
    }

    // MARK: Lifecycle and shared state (any thread)

    /// Binds the listeners the first time; later calls get the same result.
    func start() -> EventLoopFuture<Void> {
        state.withLockedValue { state in
            if let started = state.started { return started }
            let started = faults.start()
            state.started = started
            return started
        }
    }

    /// One shard is done with the listeners; the last one closes them.
    func close() -> EventLoopFuture<Void> {
        let last = state.withLockedValue { state -> Bool in
            state.open -= 1
            return state.open == 0
        }
        return last ? faults.close() : faults.eventLoop.makeSucceededVoidFuture()
    }

    /// Shard `shard`'s site addresses; the transport reserves room for every shard's.
    func setSiteHosts(_ hosts: Set<String>, shard: Int) {
        let all = state.withLockedValue { state -> Set<String> in
            state.siteHosts[shard] = hosts
            state.allSiteHosts = state.siteHosts.reduce(into: Set<String>()) { $0.formUnion($1) }
            return state.allSiteHosts
        }
        faults.setPrivilegedAddresses(all)
    }

    /// The first shard with a line on the site at `host` (an IP address); nil when none has.
    private func shardOfSite(_ host: String) -> Int? {
        state.withLockedValue { $0.siteHosts.firstIndex { $0.contains(host) } }
    }

    /// Whether `host` (an IP address) is an address of any shard's site: admission asks it of every
    /// request that names no line of its own shard.
    func isSiteHost(_ host: String) -> Bool { state.withLockedValue { $0.allSiteHosts.contains(host) } }
}

/// One shard's view of the phone's listeners, the transport its transaction layer runs on: sends go
/// out through the listeners (requests marked with the shard, ``LoopDispatch``) and complete on the
/// shard's loop; what the listeners hand the shard is delivered on its loop.
final class ShardTransport: SIPMessageTransport, @unchecked Sendable {
    // @unchecked: `handler` is set before start and read on the loop; `isClosed` is touched on the loop.
    let eventLoop: any EventLoop
    let shard: Int
    let listeners: PhoneListeners
    private var handler: ((SIPTransportEvent) -> Void)?
    private var isClosed = false

    init(listeners: PhoneListeners, shard: Int, eventLoop: any EventLoop) {
        self.listeners = listeners
        self.shard = shard
        self.eventLoop = eventLoop
    }

    /// Delivers an event on the shard's loop: at once when the listeners share it, else by a hop.
    func deliver(_ event: SIPTransportEvent) {
        if eventLoop.inEventLoop {
            receive(event)
        } else {
            eventLoop.execute { self.receive(event) }
        }
    }

    private func receive(_ event: SIPTransportEvent) {
        guard !isClosed else { return }
        handler?(event)
    }

    /// A request with its top Via branch marked with the shard, when the phone has more than one
    /// and this is not the first, whose responses need no mark (``LoopDispatch``).
    private func marked(_ message: SIPMessage) -> SIPMessage {
        guard listeners.shardCount > 1, shard != 0, message.isRequest, var via = try? message.topVia,
            let branch = via.branch
        else { return message }
        var message = message
        via.parameters.set("branch", LoopDispatch.mark(branch, shard: shard))
        try? message.replaceTopVia(via)
        return message
    }

    func setEventHandler(_ handler: @escaping (SIPTransportEvent) -> Void) { self.handler = handler }

    func start() -> EventLoopFuture<Void> { listeners.start().hop(to: eventLoop) }

    func close() -> EventLoopFuture<Void> {
        let loop = eventLoop
        return loop.flatSubmit {
            guard !self.isClosed else { return loop.makeSucceededVoidFuture() }
            self.isClosed = true
            return self.listeners.close().hop(to: loop)
        }
    }

    func send(_ message: SIPMessage, to target: SIPTransportTarget) -> EventLoopFuture<SIPFlow> {
        listeners.faults.send(marked(message), to: target).hop(to: eventLoop)
    }

    func send(_ message: SIPMessage, on flow: SIPFlow) -> EventLoopFuture<Void> {
        listeners.faults.send(marked(message), on: flow).hop(to: eventLoop)
    }

    func sendResponse(_ response: SIPMessage, receivedOn flow: SIPFlow) -> EventLoopFuture<SIPFlow> {
        listeners.faults.sendResponse(response, receivedOn: flow).hop(to: eventLoop)
    }

    func sendResponse(_ response: SIPMessage, serialized: ByteBuffer, topVia: SIPTopVia?, receivedOn flow: SIPFlow)
        -> EventLoopFuture<SIPFlow>
    {
        listeners.faults.sendResponse(response, serialized: serialized, topVia: topVia, receivedOn: flow)
            .hop(to: eventLoop)
    }

    func resend(_ serialized: ByteBuffer, on flow: SIPFlow) -> EventLoopFuture<Void> {
        listeners.faults.resend(serialized, on: flow).hop(to: eventLoop)
    }

    func closeFlow(_ flow: SIPFlow) -> EventLoopFuture<Void> { listeners.faults.closeFlow(flow).hop(to: eventLoop) }

    /// Written at once through the listeners (a datagram's flow known at once, a write future only
    /// when a failure report is asked for) when they run on this shard's loop and the call is made
    /// there, as on a phone with one loop; otherwise as ``send(_:to:)``, whose future hops back here.
    func write(_ message: SIPMessage, to target: SIPTransportTarget, reportingFailure: Bool) -> SIPSendOutcome {
        guard onTheListenersLoop else { return .pending(send(message, to: target)) }
        return listeners.faults.write(marked(message), to: target, reportingFailure: reportingFailure)
    }

    /// As ``write(_:to:reportingFailure:)``, for a response.
    func writeResponse(
        _ response: SIPMessage, serialized: ByteBuffer?, topVia: SIPTopVia?, receivedOn flow: SIPFlow,
        reportingFailure: Bool
    ) -> SIPSendOutcome {
        guard onTheListenersLoop else {
            return pendingResponse(response, serialized: serialized, topVia: topVia, receivedOn: flow)
        }
        return listeners.faults.writeResponse(
            response, serialized: serialized, topVia: topVia, receivedOn: flow, reportingFailure: reportingFailure)
    }

    /// Whether this call is made on the shard's loop and that loop is the listeners' (one thread runs
    /// both): a write's outcome is then on the shard's loop already.
    private var onTheListenersLoop: Bool { eventLoop.inEventLoop && listeners.eventLoop.inEventLoop }

    func localAddresses(for transport: SIPTransportProtocol) -> [SocketAddress] {
        listeners.faults.localAddresses(for: transport)
    }

    func setPrivilegedAddresses(_ addresses: Set<String>) { listeners.setSiteHosts(addresses, shard: shard) }
}
