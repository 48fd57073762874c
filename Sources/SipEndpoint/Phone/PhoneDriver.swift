import Foundation
import Logging
import Metrics
import NIOCore
import SIPCore
import SIPMedia
import SIPTransaction
import SIPTransport
import SIPUserAgent
import Synchronization

/// The phone's protocol state, confined to one event loop: the transaction layer, the
/// registration engine, and the record of every connection. The public types hop here.
final class PhoneDriver: @unchecked Sendable {
    // @unchecked: mutable state is touched only on `eventLoop`; `snapshot` has its own lock.

    let eventLoop: any EventLoop
    let configuration: SipEndpointConfiguration
    /// This shard's number among the phone's (``LoopDispatch``); 0 on a one-loop phone.
    let shard: Int
    /// What the phone's shards share: listeners, event streams, snapshots, resolver, media resources.
    let hub: PhoneHub
    let transactions: SIPTransactionLayer
    let engine: RegistrationDriver
    let logger: Logger
    private(set) var calls: CallDriver!
    /// Drives the RTP of every call of this shard, on its loop.
    let mediaClock: MediaClock
    /// The calls' RTP/RTCP port pairs, kept open between calls (``MediaPortPool``).
    let mediaPorts: MediaPortPool

    var records: [Int: Record] = [:]
    /// Flap damping of every connection that failed recently (``FlapDamping``).
    var damping = ConnectionDamping()
    /// Active/standby roles of each line (``ActiveStandbyMachine``), when the mode asks for them.
    var roles = LineRoles()
    /// Lines, Contact tokens and site addresses: what inbound routing and admission read.
    var lines = LineTable()
    /// Each line's `+sip.instance`, by DN (shared by the line's connections).
    var lineInstances: [String: String] = [:]
    /// How many of this shard's records are `ready` or `recovering`, kept with every status change (the
    /// phone's total is the hub's): a scan of 20,000 records per event made start-up quadratic.
    var readyCount = 0
    /// Start-up pacing of first REGISTERs, per site (``StartPacer``); the phone's window per site is
    /// shared out among its shards.
    var pacer: StartPacer<StartSite>
    /// Ids the pacer released, started in order by ``start(paced:)``.
    var releasedStarts: [Int] = []
    var isStartingReleased = false

    struct StartSite: Hashable {
        var server: ServerAddress
        var transport: SIPTransportKind
    }
    private(set) var isRunning = false
    /// The loop's lag probe while the shard runs (``LoopLagMonitor``, PhoneDriver+LoopLag.swift).
    var lagProbe: (monitor: LoopLagMonitor, task: Scheduled<Void>)?

    var connectionEvents: EventBroadcaster<ConnectionEvent> { hub.connectionEvents }
    var phoneEvents: EventBroadcaster<PhoneEvent> { hub.phoneEvents }
    /// What ``ConnectionManager/connections`` returns, readable from any thread (all shards').
    var snapshot: Locked<[Int: Record]> { hub.snapshot }
    /// The phone's transport in its drill wrapper (``Phone/setBlockedHosts(_:)``).
    var faults: FaultInjectingTransport { hub.listeners.faults }
    var resolution: TargetResolution { hub.resolution }
    var mediaCNAME: String { hub.mediaCNAME }
    var mediaMetrics: MediaMetrics { hub.mediaMetrics }
    var srtpKeyLog: SRTPKeyLog? { hub.srtpKeyLog }
    var localHost: String { hub.localHost }

    /// Shard `shard` of the phone whose shared parts are `hub`, on `eventLoop`.
    init(hub: PhoneHub, shard: Int, eventLoop: any EventLoop, logger: Logger) {
        let configuration = hub.configuration
        self.hub = hub
        self.shard = shard
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.logger = logger
        self.mediaClock = MediaClock(eventLoop: eventLoop)
        self.mediaPorts = MediaPortPool(eventLoop: eventLoop)
        self.pacer = StartPacer(window: max(1, StartPacer<StartSite>.defaultWindow / hub.listeners.shardCount))
        self.transactions = SIPTransactionLayer(
            transport: hub.listeners.makeView(shard: shard, on: eventLoop),
            timers: TransactionTimerConfiguration(
                transactionTimeout: .milliseconds(
                    Int64(max(1, configuration.endpoint.sipTransactionTimeoutMilliseconds)))),
            adaptiveTimers: AdaptiveTimerPolicy(adaptiveT1: configuration.failover.adaptiveT1),
            logger: logger)
        self.engine = RegistrationDriver(transactions: transactions, logger: logger)
        engine.onStatusChange = { [weak self] id, change, target in self?.statusChanged(id, change, target: target) }
        engine.resolveTargets = { [weak self] id in
            guard let self, let record = self.records[id] else {
                return eventLoop.makeFailedFuture(SipEndpointError(.unknownConnection, "connection \(id)"))
            }
            return self.resolution.targets(
                for: record.configuration.server, transport: record.configuration.transport, on: self.eventLoop
            ).map { targets in
                // Every target of the site (SRV peers included) may send us requests for this connection.
                self.setSite(
                    id, addresses: targets.compactMap { t in t.address.ipAddress.map { ($0, t.address.port) } })
                return self.engine.health.upFirst(targets, now: self.eventLoop.now)
            }
        }
        if hub.listeners.shardCount > 1 {
            // Health per site, shared by every line: one probe per site target for all the shards.
            let exchange = hub.siteProbes
            exchange.join(shard: shard) { [weak self] target, result in
                guard let self else { return }
                self.eventLoop.execute { self.engine.siteProbeShared(target, result) }
            }
            engine.shareSiteProbe = { target, interval, send in
                exchange.request(target, interval: interval, shard: shard, send: send)
            }
            engine.siteProbeSent = { target, result in exchange.completed(target, result, from: shard) }
        }
        transactions.onFlowFailure = { [weak self] failure in self?.engine.flowFailed(failure) }
        transactions.onRequest = { [weak self] request in self?.received(request) }
        transactions.admitRequest = { [weak self] received in
            guard let self else { return false }
            return self.route(received) != .drop
        }
        calls = CallDriver(
            environment: callEnvironment(), transactions: transactions, logger: logger, events: hub.callEvents,
            incomingCalls: hub.incomingCalls, snapshot: hub.callSnapshot)
    }

    /// "Any" address: the source address toward the first connection's site (when it is an IP
    /// address), else the loopback address; an explicit `local_address` as given.
    static func bindAddress(for configuration: SipEndpointConfiguration) -> String {
        let configured = configuration.endpoint.localAddress
        guard configured == "0.0.0.0" || configured == "::" || configured.isEmpty else { return configured }
        for connection in configuration.connections {
            if let remote = try? SocketAddress(ipAddress: connection.server.host, port: connection.server.port ?? 5060),
                let source = SourceAddressDiscovery.sourceAddress(toward: remote)
            {
                return source
            }
        }
        return "127.0.0.1"
    }

    static func transportConfiguration(_ c: SipEndpointConfiguration, host: String, trace: SIPTraceFile? = nil)
        -> SIPTransportConfiguration
    {
        let port = c.endpoint.sipPortRange?.lowerBound ?? 0
        var listeners = [
            SIPTransportConfiguration.Listener(.udp, host: host, port: port),
            SIPTransportConfiguration.Listener(.tcp, host: host, port: port),
        ]
        if c.security.tlsCertificateFile != nil, c.security.tlsKeyFile != nil {
            listeners.append(.init(.tls, host: host, port: port == 0 ? 0 : port + 1))
        }
        let keepAlive = c.connections.filter { $0.transport != .udp || $0.transportFromDNS }.map(\.keepaliveInterval)
            .filter { $0 > 0 }.min()
        var transport = SIPTransportConfiguration(
            listeners: listeners,
            tls: .init(
                trustRoots: c.security.tlsCAFile.map { .file($0) } ?? .system,
                verifiesCertificates: c.security.tlsVerify,
                certificateChainFile: c.security.tlsCertificateFile, privateKeyFile: c.security.tlsKeyFile),
            keepAliveInterval: keepAlive.map { .seconds(Int64($0)) })
        // A stranger dropped unanswered learns nothing from a broken request either.
        transport.answersMalformedRequestsFromStrangers = c.endpoint.unsolicitedRequests != .drop
        if let trace { transport.trace = { trace.write($0) } }
        return transport
    }

    // MARK: Lifecycle (on the loop)

    /// Starts this shard: the listeners (bound by the first shard to start), then its connections
    /// of the configuration, `connections` (positional ids), all at once: their first REGISTERs are
    /// paced per site (StartPacer), so that thousands of connections keep their registrar answering
    /// instead of drowning it in one burst. The future succeeds once every connection is added.
    func start(connections: [(id: Int, configuration: ConnectionConfiguration)]) -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            guard !self.isRunning else {
                return self.eventLoop.makeFailedFuture(SipEndpointError(.alreadyStarted, "the phone is running"))
            }
            return self.transactions.start().flatMapErrorThrowing { error in
                throw SipEndpointError(.transportStartFailed, "\(error)")
            }.flatMap {
                self.isRunning = true
                self.startLagProbe()
                self.assignRoles(connections)
                let added = self.eventLoop.makePromise(of: Void.self)
                self.add(connections, from: 0, then: added)
                return added.futureResult
            }
        }
    }

    /// Connections added (and their first REGISTERs queued) per task at start: thousands in one task
    /// kept the loop from everything else it serves (other phones' T1 timers, on a shared loop) for
    /// as long; a batch takes a few milliseconds.
    static let startBatch = 64

    /// Adds `connections[index...]` a batch per task, then completes `done`.
    private func add(
        _ connections: [(id: Int, configuration: ConnectionConfiguration)], from index: Int,
        then done: EventLoopPromise<Void>
    ) {
        let end = min(connections.count, index + Self.startBatch)
        for (id, configuration) in connections[index..<end] {
            add(configuration, startNow: false, id: id)
            guard configuration.enabled else { continue }
            whenTransportKnown(id) {
                self.start(
                    paced: self.pacer.enqueue(
                        id, site: StartSite(server: configuration.server, transport: configuration.transport)))
            }
        }
        if end < connections.count {
            eventLoop.execute { self.add(connections, from: end, then: done) }
        } else {
            done.succeed()
        }
    }

    /// Un-REGISTERs every connection (bounded by their un-REGISTER wait), then closes the transport.
    func shutdown() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            guard self.isRunning else { return self.eventLoop.makeSucceededVoidFuture() }
            self.isRunning = false
            self.stopLagProbe()
            self.calls.hangUpAll()
            // The ids are copied first: each stop reports a status change that writes `records`, and
            // iterating the dictionary's own keys meanwhile would copy all of it on every write.
            let stops = Array(self.records.keys).map { id in
                let promise = self.eventLoop.makePromise(of: Void.self)
                self.engine.stop(id) { promise.succeed() }
                return promise.futureResult
            }
            // The event streams are the phone's: it ends them once every shard has stopped.
            return EventLoopFuture.andAllComplete(stops, on: self.eventLoop).flatMap {
                return self.transactions.shutdown().always { _ in
                    self.calls.releaseWaiters()
                    _ = self.mediaPorts.shutdown()
                }
            }
        }
    }
}
