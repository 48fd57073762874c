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
final class PhoneCore: @unchecked Sendable {
    // @unchecked: mutable state is touched only on `eventLoop`; `snapshot` has its own lock.

    struct Record {
        var configuration: ConnectionConfiguration
        var status: ConnectionStatus = .disabled
        var reason: ConnectionStatusReason = .notStarted
        var target: String?
        var nextRetry: Date?
        var heldDownUntil: Date?
        var isEnabled: Bool
    }

    let eventLoop: any EventLoop
    let configuration: SipEndpointConfiguration
    let transactions: SIPTransactionLayer
    let engine: RegistrationEngine
    let resolution: TargetResolution
    let logger: Logger
    private(set) var calls: CallCore!
    let connectionEvents = EventBroadcaster<ConnectionEvent>(dropped: { .dropped(count: $0) })
    let phoneEvents = EventBroadcaster<PhoneEvent>(dropped: { .dropped(count: $0) })
    /// What ``ConnectionManager/connections`` returns, readable from any thread.
    let snapshot = Mutex<[Int: Connection]>([:])
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
    private var readyCount = 0
    private var nextID = 0
    /// Start-up pacing of first REGISTERs, per site (``StartPacer``).
    private var pacer = StartPacer<StartSite>()
    /// Ids the pacer released, started in order by ``start(paced:)``.
    private var releasedStarts: [Int] = []
    private var isStartingReleased = false

    struct StartSite: Hashable {
        var server: ServerAddress
        var transport: SIPTransportKind
    }
    private var localHost = "127.0.0.1"
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
        self.transactions = SIPTransactionLayer(
            transportConfiguration: Self.transportConfiguration(configuration, host: bindHost, trace: trace),
            eventLoop: eventLoop,
            timers: TransactionTimerConfiguration(
                transactionTimeout: .milliseconds(
                    Int64(max(1, configuration.endpoint.sipTransactionTimeoutMilliseconds)))),
            adaptiveTimers: AdaptiveTimerPolicy(adaptiveT1: configuration.failover.adaptiveT1),
            logger: logger)
        self.engine = RegistrationEngine(transactions: transactions, logger: logger)
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
        calls = CallCore(phone: self, transactions: transactions, logger: logger)
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
                return self.transactions.shutdown()
            }
        }
    }

    // MARK: Connections (on the loop)

    func add(_ configuration: ConnectionConfiguration, startNow: Bool = true, id explicitID: Int? = nil) -> Int {
        eventLoop.assertInEventLoop()
        let id = explicitID ?? nextID
        nextID = max(nextID, id + 1)
        records[id] = Record(configuration: configuration, isEnabled: configuration.enabled)
        indexLine(id, configuration)
        engine.add(id, configuration: bindingConfiguration(configuration, id: id))
        publish(id)
        if startNow, configuration.enabled {
            whenTransportKnown(id) { if self.isRunning, self.records[id]?.isEnabled == true { self.engine.start(id) } }
        }
        return id
    }

    /// Starts the connections the pacer released. A start may settle at once and release more, from
    /// inside `engine.start`: those join the list instead of nesting, so the stack stays flat.
    private func start(paced ids: [Int]) {
        releasedStarts.append(contentsOf: ids)
        guard !isStartingReleased else { return }
        isStartingReleased = true
        var index = 0
        while index < releasedStarts.count {
            let id = releasedStarts[index]
            index += 1
            if isRunning, records[id]?.isEnabled == true {
                engine.start(id)
            } else {
                releasedStarts.append(contentsOf: pacer.forget(id))
            }
        }
        releasedStarts.removeAll(keepingCapacity: false)
        isStartingReleased = false
    }

    func enable(_ id: Int) throws(SipEndpointError) {
        guard records[id] != nil else { throw SipEndpointError(.unknownConnection, "no connection \(id)") }
        records[id]?.isEnabled = true
        lines.setEnabled(id, true)
        engine.start(id)
        publish(id)
    }

    func disable(_ id: Int, remove: Bool, completion: @escaping () -> Void) throws(SipEndpointError) {
        guard records[id] != nil else { throw SipEndpointError(.unknownConnection, "no connection \(id)") }
        records[id]?.isEnabled = false
        lines.setEnabled(id, false)
        start(paced: pacer.forget(id))
        publish(id)
        let finish = { [weak self] in
            if remove {
                if self?.records[id]?.status.isRegistered == true { self?.readyCount -= 1 }
                self?.records[id] = nil
                self?.lines.remove(id: id)
                if let self { self.transactions.transport.setPrivilegedAddresses(self.lines.siteHosts) }
                _ = self?.snapshot.withLock { $0.removeValue(forKey: id) }
                self?.updatePhoneStatus()
            }
            completion()
        }
        if remove { engine.remove(id, completion: finish) } else { engine.stop(id, completion: finish) }
    }

    /// Re-registers connection `id` with a new configuration: un-REGISTER with the old one (bounded),
    /// then register with the new one. Its calls are not touched.
    func replace(_ id: Int, with configuration: ConnectionConfiguration, completion: @escaping () -> Void)
        throws(SipEndpointError)
    {
        guard records[id] != nil else { throw SipEndpointError(.unknownConnection, "no connection \(id)") }
        engine.remove(id) { [weak self] in
            guard let self, self.records[id] != nil else { return completion() }
            self.records[id]?.configuration = configuration
            self.records[id]?.isEnabled = configuration.enabled
            self.indexLine(id, configuration)
            self.engine.add(id, configuration: self.bindingConfiguration(configuration, id: id))
            self.publish(id)
            if configuration.enabled { self.engine.start(id) }
            completion()
        }
    }

    /// Whether a connection id is in use (a configuration position being added must be free).
    func hasConnection(_ id: Int) -> Bool { records[id] != nil }

    func bindingConfiguration(_ c: ConnectionConfiguration, id: Int) -> BindingConfiguration {
        let kind = SIPTransportProtocol(c.transport)
        let local =
            transactions.transport.localAddress(for: kind)
            ?? transactions.transport.localAddress(for: kind == .tls ? .tcp : kind)
        let host = configuration.endpoint.publicAddress ?? local?.ipAddress ?? localHost
        let token = lines.entries[id]?.token ?? ""
        let contact = SIPURI(
            user: LineIdentity.contactUser(user: c.user, token: token), host: host.contains(":") ? "[\(host)]" : host,
            port: local?.port)
        var policy = RegistrationPolicy(
            // A standby is probed, not registered: lifetime 0 (see PhoneCore+ActiveStandby).
            reregisterInSeconds: roles.probeOnly.contains(id) ? 0 : c.reregisterInSeconds, regInterval: c.regInterval,
            regRetryMax: c.regRetryMax,
            optionsInterval: c.optionsInterval, optionsFailureThreshold: c.optionsFailureThreshold,
            keepaliveInterval: c.keepaliveInterval)
        // Wait for the un-REGISTER's answer one transaction timeout and a margin, never longer.
        policy.unregisterWaitSeconds = max(
            1, (configuration.endpoint.sipTransactionTimeoutMilliseconds + 999) / 1000 + 1)
        return BindingConfiguration(
            user: c.user, domain: c.effectiveDomain, displayName: c.displayName,
            credentials: c.password.map { DigestCredentials(user: c.user, password: $0, authUser: c.authUser) },
            transport: ContactTransport(c.transport), policy: policy, regID: id + 1, contactURI: contact,
            instanceURN: lineInstances[c.user], authRealms: c.authRealms, requireQop: c.requireQop)
    }

    // MARK: What calls need to know about connections

    var localHostAddress: String { configuration.endpoint.publicAddress ?? localHost }

    func connectionConfiguration(_ id: Int) -> ConnectionConfiguration? { records[id]?.configuration }

    /// The connections of `id`'s agent line as the dial failover rule sees them when a dial starts: a
    /// dial never leaves its line, so it never goes out as another agent.
    func dialCandidates(line id: Int) -> [DialFailoverMachine.Candidate] {
        lines.line(of: id).filter { !roles.maintenance.contains($0) }.compactMap { id in
            records[id].map { r in
                DialFailoverMachine.Candidate(
                    // A standby's site answers its probes: a dial may go out through it at once (the
                    // INVITE's own digest needs no registration).
                    connectionId: id, isReady: r.status == .ready || r.status == .standby,
                    targetCount: max(1, dialTargets(of: id).count),
                    isRecovering: r.status == .recovering)
            }
        }
    }

    /// The DN of connection `id` (its line).
    func user(of id: Int) -> String? { records[id]?.configuration.user }

    /// Whether connection `id` is `failed` now (its site stopped answering).
    func connectionHasFailed(_ id: Int) -> Bool { records[id]?.status == .failed }

    func connectionTrouble(_ id: Int) { engine.troubleReported(id) }

    func credentials(for id: Int) -> DigestCredentials? {
        guard let c = records[id]?.configuration else { return nil }
        return c.password.map { DigestCredentials(user: c.user, password: $0, authUser: c.authUser) }
    }

    /// Which challenges a connection's password answers now: its domain's realm, `auth_realm`, and
    /// the realms its registrar has accepted so far (``DigestRealmPolicy``).
    func realmPolicy(for id: Int) -> DigestRealmPolicy {
        if let current = engine.realmPolicy(of: id) { return current }
        guard let c = records[id]?.configuration else {
            return DigestRealmPolicy(domain: "", user: "", hasPassword: false)
        }
        return DigestRealmPolicy(
            domain: c.effectiveDomain, user: c.user, hasPassword: c.password != nil, configuredRealms: c.authRealms,
            requireQop: c.requireQop)
    }

    /// The caller identity of calls through a connection: its address of record and registered Contact.
    func localParty(for id: Int) -> LocalParty? {
        guard let c = records[id]?.configuration else { return nil }
        let contact = engine.contact(of: id)?.uri ?? bindingConfiguration(c, id: id).contactURI
        var plain = contact
        plain.parameters.remove("ob")
        return LocalParty(
            addressOfRecord: SIPURI(user: c.user, host: c.effectiveDomain), displayName: c.displayName, contact: plain,
            transport: ContactTransport(c.transport))
    }

    func currentTarget(for id: Int) -> SIPTransportTarget? { engine.currentTarget(of: id) }

    /// The `index`-th server target of a dial on a connection (``dialTargets(of:)``), resolving the
    /// site if the registration has not yet.
    func target(for id: Int, index: Int) -> EventLoopFuture<SIPTransportTarget> {
        let known = dialTargets(of: id)
        if index < known.count { return eventLoop.makeSucceededFuture(known[index]) }
        guard let c = records[id]?.configuration else {
            return eventLoop.makeFailedFuture(SipEndpointError(.unknownConnection, "no connection \(id)"))
        }
        return resolution.targets(for: c.server, transport: c.transport, on: eventLoop).flatMapThrowing { targets in
            guard index < targets.count else {
                throw SipEndpointError(.invalidConfiguration, "\(c.server) has no server target \(index)")
            }
            return targets[index]
        }
    }

    /// `9000` → `sip:9000@<the connection's domain>`; a full `sip:`/`sips:`/`tel:` URI as given.
    func destinationURI(_ destination: String, for c: ConnectionConfiguration) -> SIPURI? {
        let trimmed = destination.trimmingCharacters(in: .whitespaces)
        if trimmed.contains(":"), let uri = try? SIPURI(trimmed) { return uri }
        guard !trimmed.isEmpty,
            trimmed.utf8.allSatisfy({ $0 > 0x20 && $0 != UInt8(ascii: "@") && $0 != UInt8(ascii: ":") })
        else {
            return nil
        }
        return SIPURI(user: trimmed, host: c.effectiveDomain)
    }

    // MARK: Events

    private func statusChanged(_ id: Int, _ change: RegistrationStatusChange, target: SIPTransportTarget?) {
        guard let record = records[id] else { return }
        guard let change = roleFiltered(id, change) else { return }
        let (dampedStatus, dampedReason, heldDownUntil) = damped(
            id, ConnectionStatus(change.status), ConnectionStatusReason(change.reason), previous: record.status,
            now: self.eventLoop.now)
        let (status, reason) = roleShown(id, dampedStatus, dampedReason)
        report(
            id, status: status, reason: reason,
            target: target.map { "\($0.address.ipAddress ?? "?"):\($0.address.port ?? 0)" },
            nextRetry: change.nextRetryAt.map { Date($0) }, heldDownUntil: heldDownUntil.map { Date($0) },
            lastAnswered: change.lastAnsweredAt.map { Date($0) })
    }

    /// Records and announces connection `id`'s new status. `lastAnswered`: when its site last answered,
    /// when the registration knows.
    func report(
        _ id: Int, status: ConnectionStatus, reason: ConnectionStatusReason, target: String?, nextRetry: Date?,
        heldDownUntil: Date?,
        lastAnswered: Date? = nil
    ) {
        guard var record = records[id] else { return }
        let previous = record.status
        record.status = status
        record.reason = reason
        record.target = target
        record.nextRetry = nextRetry
        record.heldDownUntil = heldDownUntil
        records[id] = record
        if previous.isRegistered, !record.status.isRegistered { readyCount -= 1 }
        if !previous.isRegistered, record.status.isRegistered { readyCount += 1 }
        publish(id)
        if record.status != .registering {
            // A first registration that settled frees its place in the site's start-up window; a site
            // that did not answer is no longer paced.
            let answered: Bool
            switch record.reason.kind {
            case .localTimeout, .transportError, .flowLost, .probeFailed: answered = false
            default: answered = true
            }
            start(paced: pacer.settled(id, answered: answered))
        }
        if record.status == .failed, previous != .failed { calls.connectionFailed(id, reason: "\(record.reason)") }
        if record.status == .ready { calls.connectionReady(id) }
        logger.info(
            "connection \(id) \(previous.rawValue) → \(record.status.rawValue): \(record.reason)",
            metadata: ["sip.connection": "\(id)"])
        connectionEvents.yield(
            .statusChanged(
                ConnectionStatusChanged(
                    connectionId: id, user: record.configuration.user, server: record.configuration.server.description,
                    target: record.target, transport: record.configuration.transport, previousStatus: previous,
                    status: record.status, reason: record.reason, time: Date(), nextRetry: record.nextRetry,
                    heldDownUntil: record.heldDownUntil, lastAnswered: lastAnswered)))
        updatePhoneStatus()
    }

    func publish(_ id: Int) {
        guard let r = records[id] else { return }
        var connection = Connection(
            id: id, configuration: r.configuration, status: r.status, reason: r.reason, target: r.target,
            nextRetry: r.nextRetry, heldDownUntil: r.heldDownUntil, isEnabled: r.isEnabled)
        connection.contact = engine.contact(of: id)?.uri.description ?? ""
        snapshot.withLock { $0[id] = connection }
    }

    private func updatePhoneStatus() {
        let status: PhoneStatus = readyCount > 0 ? .active : .inactive
        let previous = phoneStatusBox.withLock { box -> PhoneStatus in
            defer { box = status }
            return box
        }
        if previous != status {
            phoneEvents.yield(
                .statusChanged(PhoneStatusChanged(previousStatus: previous, status: status, time: Date())))
        }
    }
}

extension ContactTransport {
    init(_ kind: SIPTransportKind) {
        switch kind {
        case .udp: self = .udp
        case .tcp: self = .tcp
        case .tls: self = .tls
        }
    }
}
