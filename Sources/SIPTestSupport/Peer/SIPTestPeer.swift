import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SIPCore
import SIPTransport

/// An in-process SIP peer over real loopback sockets, scripted from a test: per-method answers
/// (codes, digest challenges, delays, silence, closing the connection), dropping every Nth packet,
/// freezing, and going down and coming back up on the same ports. It records everything it receives.
///
/// It runs its own ``SIPTransportLayer``, in a ``FaultInjectingTransport`` for ``freeze()``, on its own
/// event loop; every control call is thread-safe.
public final class SIPTestPeer: Sendable {
    public struct Configuration: Sendable {
        /// Transports to listen on. Default: UDP and TCP.
        public var transports: [SIPTransportProtocol]
        /// Loopback address to bind. Default: 127.0.0.1.
        public var host: String
        /// Certificates for a TLS listener (and the CA it trusts as a client). Default: nil (no TLS).
        public var certificates: SIPTestCertificates?
        /// Logger for the peer's transport. Default: silent.
        public var logger: Logger
        /// How long a message begun on a stream may take to complete before the peer closes the
        /// connection. Default: the transport's (10 s).
        public var partialMessageTimeout: TimeAmount?

        public init(
            transports: [SIPTransportProtocol] = [.udp, .tcp], host: String = "127.0.0.1",
            certificates: SIPTestCertificates? = nil,
            logger: Logger = Logger(label: "sip.test-peer", factory: { _ in SwiftLogNoOpLogHandler() }),
            partialMessageTimeout: TimeAmount? = nil
        ) {
            self.transports = transports
            self.host = host
            self.certificates = certificates
            self.logger = logger
            self.partialMessageTimeout = partialMessageTimeout
        }
    }

    private struct State {
        var rules: [SIPMethod: SIPPeerBehaviour] = [:]
        var defaultBehaviour = SIPPeerBehaviour.ok
        var dropEveryNth: Int?
        var packetsSeen = 0
        var records: [SIPPeerRecord] = []
        var flowFailures: [SIPFlowFailure] = []
        var layer: FaultInjectingTransport?
        /// The ports first bound, so ``comeBack()`` listens where the peer was.
        var ports: [SIPTransportProtocol: Int] = [:]
        var toTagCounter = 0
    }

    public let configuration: Configuration
    private let group: MultiThreadedEventLoopGroup
    private let state = NIOLockedValueBox(State())

    private init(configuration: Configuration) {
        self.configuration = configuration
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// Starts a peer listening on any free ports.
    /// The stream listeners share the UDP listener's port number, which another socket of the machine may
    /// hold on TCP: a start that cannot bind tries again on fresh ports (at most 10 times).
    public static func start(_ configuration: Configuration = Configuration()) async throws -> SIPTestPeer {
        var attempt = 0
        while true {
            let peer = SIPTestPeer(configuration: configuration)
            do {
                try await peer.bringUp()
                return peer
            } catch {
                try? await peer.stop()  // closes what did bind, and the peer's event loop
                attempt += 1
                guard attempt < 10 else { throw error }
            }
        }
    }

    /// Closes the sockets and stops the peer's event loop.
    public func stop() async throws {
        let layer = state.withLockedValue { state -> FaultInjectingTransport? in
            defer { state.layer = nil }
            return state.layer
        }
        try? await layer?.close().get()
        try await group.shutdownGracefully()
    }

    // MARK: Addresses

    /// Where the peer listens for `transport` (the same across ``goDown()`` and ``comeBack()``).
    public func address(_ transport: SIPTransportProtocol) throws -> SocketAddress {
        let port = state.withLockedValue { $0.ports[transport] }
        guard let port else { throw SIPTransportError(.noListener, "the peer does not listen on \(transport)") }
        return try SocketAddress(ipAddress: configuration.host, port: port)
    }

    /// A target for sending to the peer; TLS targets name `localhost`, which its certificate carries.
    public func target(_ transport: SIPTransportProtocol, serverName: String? = nil) throws -> SIPTransportTarget {
        SIPTransportTarget(
            transport: transport, address: try address(transport),
            serverName: serverName ?? (transport == .tls ? "localhost" : nil))
    }

    // MARK: Script

    /// What to do with requests of `method` from now on.
    public func on(_ method: SIPMethod, _ behaviour: SIPPeerBehaviour) {
        state.withLockedValue { $0.rules[method] = behaviour }
    }

    /// What to do with requests of a method that has no rule. Default: `200 OK`.
    public func onOtherMethods(_ behaviour: SIPPeerBehaviour) {
        state.withLockedValue { $0.defaultBehaviour = behaviour }
    }

    /// Swallow every Nth message received (counted over all transports, from now); nil stops dropping.
    public func dropEveryNthPacket(_ n: Int?) {
        state.withLockedValue {
            $0.dropEveryNth = n.flatMap { $0 > 0 ? $0 : nil }
            $0.packetsSeen = 0
        }
    }

    /// Stop reacting to anything, keep-alive pings included, with every socket left open: a site
    /// that hangs (SIGSTOP) rather than one that closes.
    public func freeze() async throws {
        try await currentLayer()?.updateFaults { $0.isFrozen = true }.get()
    }

    /// React again after ``freeze()``; what arrived meanwhile is taken up now, as after SIGCONT.
    public func thaw() async throws {
        try await currentLayer()?.updateFaults { $0.isFrozen = false }.get()
    }

    /// Close every socket: connections break, UDP goes unanswered (ICMP unreachable).
    public func goDown() async throws {
        let layer = state.withLockedValue { state -> FaultInjectingTransport? in
            defer { state.layer = nil }
            return state.layer
        }
        try await layer?.close().get()
    }

    /// Listen again on the same ports as before ``goDown()``.
    public func comeBack() async throws {
        try await bringUp()
    }

    /// Close one connection (say, the one a request came on: ``SIPPeerRecord/flow``).
    public func closeFlow(_ flow: SIPFlow) async throws {
        try await currentLayer()?.closeFlow(flow).get()
    }

    // MARK: Sending (the peer as a site calling the agent)

    /// Sends a request or response to a target; a request's top Via gets the peer's address.
    @discardableResult
    public func send(_ message: SIPMessage, to target: SIPTransportTarget) async throws -> SIPFlow {
        guard let layer = currentLayer() else { throw SIPTransportError(.notRunning, "the peer is down") }
        return try await layer.send(message, to: target).get()
    }

    /// Sends on a flow the peer received on: a request back over the agent's own connection.
    public func send(_ message: SIPMessage, on flow: SIPFlow) async throws {
        guard let layer = currentLayer() else { throw SIPTransportError(.notRunning, "the peer is down") }
        try await layer.send(message, on: flow).get()
    }

    // MARK: Records

    /// Everything received so far, in order (dropped packets included, marked).
    public var received: [SIPPeerRecord] { state.withLockedValue { $0.records } }

    /// The requests received with this method.
    public func requests(_ method: SIPMethod) -> [SIPPeerRecord] {
        received.filter { $0.message.method == method }
    }

    /// Flow failures of connections the peer opened.
    public var flowFailures: [SIPFlowFailure] { state.withLockedValue { $0.flowFailures } }

    public func clearRecords() {
        state.withLockedValue { $0.records = [] }
    }

    /// Waits (polling, bounded by `timeout`) until `count` records match, and returns them.
    @discardableResult
    public func waitForRecords(
        count: Int = 1, timeout: Duration = .seconds(2),
        matching predicate: @Sendable (SIPPeerRecord) -> Bool = { _ in true }
    ) async throws -> [SIPPeerRecord] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let matched = received.filter(predicate)
            if matched.count >= count { return matched }
            guard ContinuousClock.now < deadline else {
                throw SIPTransportError(
                    .notRunning, "timed out after \(timeout) with \(matched.count) of \(count) expected messages")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    // MARK: Driving the transport

    private func currentLayer() -> FaultInjectingTransport? {
        state.withLockedValue { $0.layer }
    }

    private func bringUp() async throws {
        let ports = state.withLockedValue { $0.ports }
        let fresh = Self.portBelowEphemeralRange()
        var transportConfiguration = SIPTransportConfiguration(
            listeners: configuration.transports.map {
                SIPTransportConfiguration.Listener($0, host: configuration.host, port: ports[$0] ?? fresh)
            },
            keepAliveInterval: nil)
        if let timeout = configuration.partialMessageTimeout {
            transportConfiguration.partialMessageTimeout = timeout
        }
        if let certificates = configuration.certificates {
            transportConfiguration.tls = SIPTransportConfiguration.TLS(
                trustRoots: .file(certificates.caCertificateFile), certificateChainFile: certificates.certificateFile,
                privateKeyFile: certificates.privateKeyFile)
        }
        let loop = group.next()
        let layer = FaultInjectingTransport(
            wrapping: SIPTransportLayer(
                configuration: transportConfiguration, eventLoop: loop, logger: configuration.logger))
        layer.setEventHandler { [weak self] event in self?.handle(event) }
        try await layer.start().get()
        state.withLockedValue { state in
            state.layer = layer
            for transport in configuration.transports where state.ports[transport] == nil {
                state.ports[transport] = layer.localAddress(for: transport)?.port
            }
        }
    }

    /// A random port just below the kernel's ephemeral range (`ip_local_port_range`): a peer that goes
    /// down and comes back binds the same port again, and a port the kernel hands to `bind(0)` (the
    /// phones' RTP sockets, other tests' clients) could be taken while it is down; below the range only
    /// an explicit bind can take it. A taken port fails the start, which tries again elsewhere.
    static func portBelowEphemeralRange() -> Int {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let low = text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32_768
        let upper = max(low, 2_048)
        return Int.random(in: max(1_024, upper - 8_000)..<upper)
    }

    /// Runs on the peer's event loop.
    private func handle(_ event: SIPTransportEvent) {
        switch event {
        case .flowFailed(let failure):
            state.withLockedValue { $0.flowFailures.append(failure) }
        case .message(let received):
            let (behaviour, dropped, toTag) = state.withLockedValue { state in
                state.packetsSeen += 1
                let dropped = state.dropEveryNth.map { state.packetsSeen % $0 == 0 } ?? false
                state.records.append(
                    SIPPeerRecord(
                        message: received.message, source: received.source, flow: received.flow, wasDropped: dropped))
                state.toTagCounter += 1
                let method = received.message.method
                return (
                    method.map { state.rules[$0] ?? state.defaultBehaviour }, dropped, "peer\(state.toTagCounter)"
                )
            }
            guard !dropped, let behaviour, received.message.method != .ack else { return }
            perform(behaviour, for: received, toTag: toTag)
        }
    }

    private func perform(_ behaviour: SIPPeerBehaviour, for request: SIPReceivedMessage, toTag: String) {
        guard let layer = currentLayer() else { return }
        switch behaviour {
        case .silent:
            return
        case .closeConnection:
            _ = layer.closeFlow(request.flow)
        case .respond(let code, let reason, let headers, let delay):
            var built = Self.response(to: request.message, statusCode: code, reasonPhrase: reason, toTag: toTag)
            for header in headers { built.headers.add(SIPHeaderName(header.name), header.value) }
            let response = built
            if delay <= .zero {
                _ = layer.sendResponse(response, receivedOn: request.flow)
            } else {
                let (seconds, attoseconds) = delay.components
                let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
                layer.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
                    _ = layer.sendResponse(response, receivedOn: request.flow)
                }
            }
        case .challenge(let challenge, let success):
            if challenge.isAnswered(by: request.message) {
                perform(.respond(statusCode: success), for: request, toTag: toTag)
            } else {
                perform(
                    .respond(
                        statusCode: challenge.statusCode,
                        headers: [SIPPeerHeader(challenge.challengeHeader.canonicalName, challenge.challengeValue)]),
                    for: request, toTag: toTag)
            }
        }
    }

    /// A response to `request` (RFC 3261 §8.2.6.2): its Vias in order, From, To with a tag, Call-ID, CSeq.
    static func response(to request: SIPMessage, statusCode: Int, reasonPhrase: String?, toTag: String) -> SIPMessage {
        var headers = SIPHeaders()
        for index in 0..<request.headers.count where request.headers.headerName(at: index) == .via {
            headers.add(.via, request.headers.value(at: index))
        }
        if let from = request.headers.first(.from) { headers.add(.from, from) }
        if var to = try? request.to {
            if to.tag == nil, statusCode > 100 { to.parameters.set("tag", toTag) }
            headers.add(.to, to.description)
        }
        if let callID = request.headers.first(.callID) { headers.add(.callID, callID) }
        if let cseq = request.headers.first(.cseq) { headers.add(.cseq, cseq) }
        return SIPMessage.response(statusCode: statusCode, reasonPhrase: reasonPhrase, headers: headers)
    }
}
