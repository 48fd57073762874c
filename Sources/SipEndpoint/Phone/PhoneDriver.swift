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
    let transactions: SIPTransactionLayer
    /// The transport under ``transactions``: the production one in a wrapper that behaves until a drill
    /// sets a fault (``Phone/setBlockedHosts(_:)``).
    let faults: FaultInjectingTransport
    let engine: RegistrationDriver
    let resolution: TargetResolution
    let logger: Logger
    private(set) var calls: CallDriver!
    let connectionEvents = EventBroadcaster<ConnectionEvent>(dropped: { .dropped(count: $0) })
    let phoneEvents = EventBroadcaster<PhoneEvent>(dropped: { .dropped(count: $0) })
    /// What ``ConnectionManager/connections`` returns, readable from any thread: the records themselves
    /// (``Record``), whose published state is written under this lock.
    let snapshot = Mutex<[Int: Record]>([:])
    let phoneStatusBox = Mutex(PhoneStatus.inactive)
    /// Drives the RTP of every call of this phone, on the phone's loop.
    let mediaClock: MediaClock
    /// The RTCP CNAME of every stream of this phone (RFC 7022 §4.2: random, stable for the phone's life).
    let mediaCNAME: String
    let mediaMetrics: MediaMetrics
    /// Connection health, detection and dial-failover figures (``FailoverMetrics``).
    private(set) var failoverMetrics: FailoverMetrics!
    /// `srtp_key_log`, open while the phone lives; nil when not set or not writable (logged).
    let srtpKeyLog: SRTPKeyLog?

    var records: [Int: Record] = [:]
    /// Flap damping of every connection that failed recently (``FlapDamping``).
    var damping = ConnectionDamping()
    /// Active/standby roles of each line (``ActiveStandbyMachine``), when the mode asks for them.
    var roles = LineRoles()
    /// Lines, Contact tokens and site addresses: what inbound routing and admission read.
    var lines = LineTable()
    /// Each line's `+sip.instance`, by DN (shared by the line's connections).
    var lineInstances: [String: String] = [:]
    /// How many records are `ready` or `recovering`, kept with every status change: the phone's aggregate status is
    /// asked after each one, and a scan of 20,000 records per event made start-up quadratic.
    var readyCount = 0
    var nextID = 0
    /// Start-up pacing of first REGISTERs, per site (``StartPacer``).
    var pacer = StartPacer<StartSite>()
    /// Ids the pacer released, started in order by ``start(paced:)``.
    var releasedStarts: [Int] = []
    var isStartingReleased = false

    struct StartSite: Hashable {
        var server: ServerAddress
        var transport: SIPTransportKind
    }
    var localHost = "127.0.0.1"
    private(set) var isRunning = false

    init(
        configuration: SipEndpointConfiguration, eventLoop: any EventLoop, logger: Logger, trace: SIPTraceFile? = nil,
        metrics: (any MetricsFactory)? = nil
    ) {
        self.mediaMetrics = MediaMetrics(factory: metrics)
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.logger = logger
        self.mediaClock = MediaClock(eventLoop: eventLoop)
        if configuration.security.useSRTP == .mandatory {
            // RFC 4568 §8.3: `validate` refuses this in a file; a configuration built in code is told here.
            for (id, connection) in configuration.connections.enumerated() where connection.transport != .tls {
                logger.warning(
                    "use_srtp=mandatory but connection \(id) is \(connection.transport.rawValue.uppercased()): its SDP carries the SRTP keys in clear"
                )
            }
        }
        self.srtpKeyLog = configuration.security.srtpKeyLog.flatMap { path in
            do {
                let log = try SRTPKeyLog(path: path)
                logger.warning(
                    "srtp_key_log is set: SRTP keys are written to \(path); anyone with it and a capture hears the calls"
                )
                return log
            } catch {
                logger.error("srtp_key_log \(path) cannot be opened: \(error); no keys are logged")
                return nil
            }
        }
        var random = SystemRandomNumberGenerator()
        self.mediaCNAME = SIPIdentifiers.hex(count: 16, using: &random) + "@sipendpoint"
        self.resolution = TargetResolution(
            dnsServers: configuration.endpoint.dnsServers.map(\.description),
            localAddress: configuration.endpoint.localAddress.isEmpty ? nil : configuration.endpoint.localAddress)
        let bindHost = Self.bindAddress(for: configuration)
        self.localHost = bindHost
        self.faults = FaultInjectingTransport(
            wrapping: SIPTransportLayer(
                configuration: Self.transportConfiguration(configuration, host: bindHost, trace: trace),
                eventLoop: eventLoop, logger: logger))
        self.transactions = SIPTransactionLayer(
            transport: faults,
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
        transactions.onFlowFailure = { [weak self] failure in self?.engine.flowFailed(failure) }
        transactions.onRequest = { [weak self] request in self?.received(request) }
        transactions.admitRequest = { [weak self] received in
            guard let self else { return false }
            return self.route(received) != .drop
        }
        calls = CallDriver(environment: callEnvironment(), transactions: transactions, logger: logger)
        let callCore = calls!
        let failoverMetrics = FailoverMetrics(factory: metrics) { [weak callCore] id in
            callCore?.snapshot.withLock { $0[id]?.direction == .outgoing } ?? false
        }
        self.failoverMetrics = failoverMetrics
        connectionEvents.addObserver { failoverMetrics.connectionEvent($0) }
        calls.events.addObserver { failoverMetrics.sessionEvent($0) }
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

    func start() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            guard !self.isRunning else {
                return self.eventLoop.makeFailedFuture(SipEndpointError(.alreadyStarted, "the phone is running"))
            }
            return self.transactions.start().flatMapErrorThrowing { error in
                throw SipEndpointError(.transportStartFailed, "\(error)")
            }.map {
                self.isRunning = true
                // All enabled connections register at once: ids are given in order now;
                // the first REGISTERs are paced per site (StartPacer) so that thousands of connections
                // keep their registrar answering instead of drowning it in one burst.
                self.assignRoles(self.configuration.connections)
                for configuration in self.configuration.connections {
                    let id = self.add(configuration, startNow: false)
                    guard configuration.enabled else { continue }
                    self.whenTransportKnown(id) {
                        self.start(
                            paced: self.pacer.enqueue(
                                id, site: StartSite(server: configuration.server, transport: configuration.transport)))
                    }
                }
            }
        }
    }

    /// Un-REGISTERs every connection (bounded by their un-REGISTER wait), then closes the transport.
    func shutdown() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            guard self.isRunning else { return self.eventLoop.makeSucceededVoidFuture() }
            self.isRunning = false
            self.calls.hangUpAll()
            // The ids are copied first: each stop reports a status change that writes `records`, and
            // iterating the dictionary's own keys meanwhile would copy all of it on every write.
            let stops = Array(self.records.keys).map { id in
                let promise = self.eventLoop.makePromise(of: Void.self)
                self.engine.stop(id) { promise.succeed() }
                return promise.futureResult
            }
            return EventLoopFuture.andAllComplete(stops, on: self.eventLoop).flatMap {
                self.calls.events.finish()
                self.calls.incomingCalls.finish()
                self.connectionEvents.finish()
                self.phoneEvents.finish()
                return self.transactions.shutdown().always { _ in self.calls.releaseWaiters() }
            }
        }
    }
}
