import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import SIPCore

/// UDP, TCP and TLS for SIP (RFC 3261 §18) on one event loop.
///
/// All protocol state — listeners, the table of connections reused per target, keep-alives — lives
/// on ``eventLoop``, and every event is delivered there, so the transaction layer
/// above, running on the same loop, needs no locks. Calls from elsewhere hop onto the loop.
///
/// - Sending a request fills its top Via's sent-by with the address the flow really uses (§18.1.1)
///   and returns that flow.
/// - Received requests get `received`/`rport` (§18.2.1, RFC 3581 §4); responses are routed by
///   ``SIPResponseRouting`` (§18.2.2).
/// - Requests arriving over a connection we opened are delivered like any other, with that flow, and
///   answered on it: sites send INVITEs back over the agent's flow (RFC 5626).
/// - Malformed input never traps (nothing from the network may crash the process): a UDP request
///   answered 400 when it can be, other datagrams dropped, a stream that cannot be framed closed; each
///   logged. A stream message that frames but does not parse is answered 400 on its connection, which
///   stays open.
/// - What others can make it hold is bounded: connections per address and in total (with a reserve for
///   the sites' addresses, ``setPrivilegedAddresses(_:)``), and the time a partial message may take;
///   see ``SIPTransportConfiguration``.
public final class SIPTransportLayer: @unchecked Sendable {
    // @unchecked: every mutable field below is touched only on `eventLoop` (checked by assertions);
    // `boundAddresses` and `privilegedAddresses` are the cross-thread fields and have their own locks.

    /// The one event loop that owns all transport state and on which every event is delivered; run the layers
    /// above on it to share state without locks.
    public let eventLoop: any EventLoop
    /// The configuration the layer was created with; fixed for its lifetime.
    public let configuration: SIPTransportConfiguration
    package let logger: Logger
    private let onEvent: (SIPTransportEvent) -> Void

    private enum Lifecycle { case idle, starting, running, closed }
    private var lifecycle = Lifecycle.idle
    private var udpChannels: [Channel] = []
    /// UDP sockets with datagrams written but not yet flushed; see ``flushSoon(_:)``.
    private var udpChannelsToFlush: [Channel] = []
    private var serverChannels: [Channel] = []
    private var connections: [UInt64: SIPConnection] = [:]
    /// Open or opening connections we made, reused per target (transport, address, port, TLS name).
    private var outbound: [SIPTransportTarget.ConnectionKey: SIPConnection] = [:]
    /// Connects not yet far enough to have a channel, so a second send waits for the same one.
    private var pendingConnects: [SIPTransportTarget.ConnectionKey: EventLoopFuture<SIPConnection>] = [:]
    private var nextConnectionID: UInt64 = 1
    private var tlsContexts: SIPTLSContexts?
    /// Test support: ignore everything received, keep-alive pings included, as a frozen process would.
    package private(set) var isFrozen = false
    /// Addresses whose traffic is dropped in both directions, as if the host had gone silent
    /// (QuickStart `drill --block`): sends to them succeed and go nowhere, nothing from them is read.
    package private(set) var blockedHosts: Set<String> = []
    private let boundAddresses = NIOLockedValueBox<[SIPTransportProtocol: [SocketAddress]]>([:])
    /// IP addresses (normalised) exempt from the per-address cap and allowed into the reserve; set from any thread.
    private let privilegedAddresses = NIOLockedValueBox<Set<String>>([])
    private var inboundLimiter: InboundConnectionLimiter
    /// Inbound connections closed at accept so far (a flood is logged now and then, not line by line).
    private var refusedInboundConnections = 0

    /// How many datagrams one receive call may return (each slot is a receive buffer of the size limit).
    private static let datagramsPerRead = 16
    /// One receive slot never needs more: no UDP datagram carries more than 65,527 bytes (IPv6), 65,507 (IPv4).
    private static let largestDatagramSlot = 65_536

    /// - Parameters:
    ///   - onEvent: called on `eventLoop` for every received message and every failed flow.
    public init(
        configuration: SIPTransportConfiguration, eventLoop: any EventLoop,
        logger: Logger = Logger(label: "sip.transport", factory: { _ in SwiftLogNoOpLogHandler() }),
        onEvent: @escaping (SIPTransportEvent) -> Void
    ) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.onEvent = onEvent
        self.inboundLimiter = InboundConnectionLimiter(
            perAddress: configuration.maxInboundConnectionsPerAddress, total: configuration.maxInboundConnections,
            reserved: configuration.reservedPrivilegedConnections)
    }

    // MARK: Lifecycle

    /// Binds every configured listener. Fails (and closes what was bound) when one cannot be bound.
    public func start() -> EventLoopFuture<Void> {
        onLoop { self.startOnLoop() }
    }

    /// Closes listeners and connections. Closing a flow here is not reported as a flow failure.
    public func close() -> EventLoopFuture<Void> {
        onLoop {
            guard self.lifecycle != .closed else { return self.eventLoop.makeSucceededVoidFuture() }
            self.lifecycle = .closed
            var channels = self.udpChannels + self.serverChannels
            for connection in self.connections.values {
                connection.closedByUs = true
                channels.append(connection.channel)
            }
            self.udpChannels = []
            self.serverChannels = []
            self.outbound = [:]
            self.boundAddresses.withLockedValue { $0 = [:] }
            return EventLoopFuture.andAllComplete(channels.map { $0.close() }, on: self.eventLoop)
        }
    }

    /// The addresses bound for a transport (after ``start()``), in configuration order. Thread-safe.
    public func localAddresses(for transport: SIPTransportProtocol) -> [SocketAddress] {
        boundAddresses.withLockedValue { $0[transport] ?? [] }
    }

    /// The first address bound for a transport (after ``start()``). Thread-safe.
    public func localAddress(for transport: SIPTransportProtocol) -> SocketAddress? {
        localAddresses(for: transport).first
    }

    private func startOnLoop() -> EventLoopFuture<Void> {
        guard lifecycle == .idle else {
            return eventLoop.makeFailedFuture(SIPTransportError(.notRunning, "start() called twice"))
        }
        lifecycle = .starting
        let contexts = SIPTLSContexts(
            configuration.tls, needsServer: configuration.listeners.contains { $0.transport == .tls })
        tlsContexts = contexts
        let binds = configuration.listeners.map { bind($0) }
        return EventLoopFuture.whenAllSucceed(binds, on: eventLoop).flatMapError { error in
            self.close().flatMapThrowing { throw error }
        }.map { channels in
            guard self.lifecycle == .starting else { return }
            self.lifecycle = .running
            var addresses: [SIPTransportProtocol: [SocketAddress]] = [:]
            for (listener, channel) in zip(self.configuration.listeners, channels) {
                if let address = channel.localAddress { addresses[listener.transport, default: []].append(address) }
            }
            self.boundAddresses.withLockedValue { $0 = addresses }
            self.logger.debug("transport started", metadata: ["sip.listeners": "\(addresses)"])
        }
    }

    private func bind(_ listener: SIPTransportConfiguration.Listener) -> EventLoopFuture<Channel> {
        let bound: EventLoopFuture<Channel>
        switch listener.transport {
        case .udp:
            // Each receive slot holds the largest datagram we accept plus a byte: a datagram that fills it
            // is over the limit and the parser says so instead of seeing a silently cut message. NIO's
            // vectored read splits one buffer evenly into `datagramsPerRead` slots, so the buffer is that
            // many slots (1 MiB by default; NIO reuses it, the received bytes are copied out).
            let slot = min(configuration.limits.maximumMessageSize + 1, Self.largestDatagramSlot)
            let capacity = slot * Self.datagramsPerRead
            // No SO_REUSEADDR on UDP: on Linux it would let two sockets share the port.
            // A phone starting thousands of registrations gets answers in bursts; with the default
            // receive buffer they overflowed the socket and came back only as retransmissions
            // (RegistrationBench). Let the kernel queue a burst (it caps SO_RCVBUF at net.core.rmem_max).
            bound = DatagramBootstrap(group: eventLoop)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: capacity))
                // recvmmsg(2): up to this many datagrams per system call when they queue up.
                .channelOption(.datagramVectorReadMessageCount, value: Self.datagramsPerRead)
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SIPDatagramHandler(layer: self))
                    }
                }
                .bind(host: listener.host, port: listener.port)
                .map { channel in
                    self.udpChannels.append(channel)
                    return channel
                }
        case .tcp, .tls:
            let serverContext: NIOSSLContext?
            switch (listener.transport, tlsContexts?.server) {
            case (.tls, .success(let context)): serverContext = context
            case (.tls, .failure(let error)): return eventLoop.makeFailedFuture(error)
            case (.tls, nil):
                return eventLoop.makeFailedFuture(SIPTransportError(.tlsConfigurationInvalid, "no TLS context"))
            default: serverContext = nil
            }
            let transport = listener.transport
            bound = ServerBootstrap(group: eventLoop)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let tls = serverContext.map { NIOSSLServerHandler(context: $0) }
                        try self.acceptedConnection(channel, transport: transport, tlsHandler: tls)
                    }
                }
                .bind(host: listener.host, port: listener.port)
                .map { channel in
                    self.serverChannels.append(channel)
                    return channel
                }
        }
        return bound.flatMapErrorThrowing { error in
            throw SIPTransportError(
                .bindFailed, "\(listener.transport.viaToken) \(listener.host):\(listener.port): \(error)")
        }
    }

    // MARK: Sending

    /// Sends a request (or any message) to a target over a flow the layer picks: the UDP listener of
    /// the target's address family, or the connection already open to the target, or a new one.
    /// A request's top Via gets the flow's local address as sent-by and the flow's transport
    /// (§18.1.1); its branch and `rport` are kept. Build that Via with ``SIPVia/forNewTransaction(transport:host:port:)``.
    ///
    /// - Returns: the flow used; it fails with a ``SIPTransportError`` (connect, TLS handshake…).
    public func send(_ message: SIPMessage, to target: SIPTransportTarget) -> EventLoopFuture<SIPFlow> {
        onLoop { self.sendOnLoop(message, to: target) }
    }

    /// Sends on a flow a message arrived on or an earlier send returned (a request inside a dialog over
    /// the site's connection, an ACK…). Fails with `.flowClosed` when that connection is gone.
    public func send(_ message: SIPMessage, on flow: SIPFlow) -> EventLoopFuture<Void> {
        onLoop {
            guard self.lifecycle == .running else { return self.notRunning() }
            switch flow.transport {
            case .udp:
                guard
                    let channel = self.udpChannel(local: flow.localAddress) ?? self.udpChannel(for: flow.remoteAddress)
                else {
                    return self.eventLoop.makeFailedFuture(SIPTransportError(.noListener, "no UDP socket for \(flow)"))
                }
                return self.write(message, datagramTo: flow.remoteAddress, on: channel).map { _ in }
            case .tcp, .tls:
                guard let id = flow.connectionID, let connection = self.connections[id], connection.isReady else {
                    return self.eventLoop.makeFailedFuture(SIPTransportError(.flowClosed, "\(flow) is closed"))
                }
                return self.write(message, on: connection).map { _ in }
            }
        }
    }

    /// Sends a response to a request that arrived on `flow`, by RFC 3261 §18.2.2 (see
    /// ``SIPResponseRouting``): on the same connection while it is open, else to `received`/`rport`,
    /// `maddr` or sent-by. UDP responses leave from the socket the request arrived on (RFC 3581 §4).
    /// A sent-by that is a host name needs RFC 3263 §5 resolution, which is not done here: it fails
    /// with `.invalidMessage`.
    public func sendResponse(_ response: SIPMessage, receivedOn flow: SIPFlow) -> EventLoopFuture<SIPFlow> {
        onLoop {
            guard self.lifecycle == .running else { return self.notRunning() }
            let via: SIPVia
            do {
                via = try response.topVia
            } catch {
                return self.eventLoop.makeFailedFuture(SIPTransportError(.invalidMessage, "response top Via: \(error)"))
            }
            let open = flow.connectionID.flatMap { self.connections[$0] }.map(\.isReady) ?? false
            switch SIPResponseRouting.destination(for: via, connectionIsOpen: open) {
            case nil:
                return self.eventLoop.makeFailedFuture(
                    SIPTransportError(.invalidMessage, "Via transport \(via.transport) is not supported"))
            case .sameConnection:
                guard let id = flow.connectionID, let connection = self.connections[id] else {
                    return self.eventLoop.makeFailedFuture(SIPTransportError(.flowClosed, "\(flow) is closed"))
                }
                return self.write(response, on: connection)
            case .address(let host, let port, let transport):
                guard let address = try? SocketAddress(ipAddress: host, port: port) else {
                    return self.eventLoop.makeFailedFuture(
                        SIPTransportError(.invalidMessage, "response to \(host) needs RFC 3263 §5 resolution"))
                }
                if transport == .udp, flow.transport == .udp, let channel = self.udpChannel(local: flow.localAddress) {
                    return self.write(response, datagramTo: address, on: channel)
                }
                return self.sendOnLoop(response, to: SIPTransportTarget(transport: transport, address: address))
            }
        }
    }

    /// Closes one connection; not reported as a flow failure. A UDP flow has nothing to close.
    public func closeFlow(_ flow: SIPFlow) -> EventLoopFuture<Void> {
        onLoop {
            guard let id = flow.connectionID, let connection = self.connections[id] else {
                return self.eventLoop.makeSucceededVoidFuture()
            }
            connection.closedByUs = true
            return connection.channel.close().recover { _ in }
        }
    }

    /// The IP addresses of the sites: connections from them are not capped per address and may use the
    /// reserve of ``SIPTransportConfiguration/reservedPrivilegedConnections``. Replaces the previous set;
    /// entries that are not IP literals are ignored. Thread-safe; takes effect for the next accept.
    public func setPrivilegedAddresses(_ addresses: Set<String>) {
        let normalised = Set(addresses.compactMap { try? SocketAddress(ipAddress: $0, port: 0).ipAddress })
        privilegedAddresses.withLockedValue { $0 = normalised }
    }

    /// Test support: open inbound connections counted by the limiter, from one address or all of them.
    package func inboundConnectionCount(from address: String? = nil) -> EventLoopFuture<Int> {
        eventLoop.submit { address.map { self.inboundLimiter.count(from: $0) } ?? self.inboundLimiter.count }
    }

    /// Drops all traffic to and from these IP addresses (empty: none); see ``blockedHosts``.
    package func setBlocked(_ hosts: Set<String>) -> EventLoopFuture<Void> {
        eventLoop.submit { self.blockedHosts = hosts }
    }

    /// Test support: stop (or resume) reacting to anything received, keep-alive pings included, as a
    /// process stopped with SIGSTOP would, while its sockets stay open.
    package func setFrozen(_ frozen: Bool) -> EventLoopFuture<Void> {
        onLoop {
            self.isFrozen = frozen
            return self.eventLoop.makeSucceededVoidFuture()
        }
    }

    private func sendOnLoop(_ message: SIPMessage, to target: SIPTransportTarget) -> EventLoopFuture<SIPFlow> {
        guard lifecycle == .running else { return notRunning() }
        switch target.transport {
        case .udp:
            guard let channel = udpChannel(for: target.address) else {
                return eventLoop.makeFailedFuture(
                    SIPTransportError(.noListener, "no UDP listener for the address family of \(target)"))
            }
            return write(message, datagramTo: target.address, on: channel)
        case .tcp, .tls:
            return connection(to: target).flatMap { self.write(message, on: $0) }
        }
    }

    /// UDP: fills the top Via of a request and writes the datagram.
    private func write(_ message: SIPMessage, datagramTo address: SocketAddress, on channel: Channel)
        -> EventLoopFuture<SIPFlow>
    {
        guard let local = channel.localAddress else {
            return eventLoop.makeFailedFuture(SIPTransportError(.noListener, "UDP socket has no local address"))
        }
        let flow = SIPFlow(transport: .udp, localAddress: local, remoteAddress: address)
        if let host = address.ipAddress, blockedHosts.contains(host) { return eventLoop.makeSucceededFuture(flow) }
        do {
            let bytes = try wireBytes(message, flow: flow, allocator: channel.allocator)
            let envelope = AddressedEnvelope(remoteAddress: address, data: bytes)
            let written = channel.write(envelope)
            flushSoon(channel)
            return written.map { flow }.flatMapErrorThrowing { error in
                throw SIPTransportError(.connectionClosed, "UDP send to \(address): \(error)")
            }
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    /// Flushes `channel` once the current loop task is over, with every datagram written meanwhile:
    /// NIO then sends them with one `sendmmsg(2)` instead of one `sendmsg(2)` each. A response
    /// written while a batch of received datagrams is handled leaves microseconds later, not never.
    private func flushSoon(_ channel: Channel) {
        guard !udpChannelsToFlush.contains(where: { $0 === channel }) else { return }
        udpChannelsToFlush.append(channel)
        if udpChannelsToFlush.count == 1 {
            eventLoop.execute {
                let channels = self.udpChannelsToFlush
                self.udpChannelsToFlush = []
                for channel in channels { channel.flush() }
            }
        }
    }

    /// TCP/TLS: fills the top Via of a request and writes on the connection.
    private func write(_ message: SIPMessage, on connection: SIPConnection) -> EventLoopFuture<SIPFlow> {
        guard let flow = connection.flow else {
            return eventLoop.makeFailedFuture(SIPTransportError(.flowClosed, "connection #\(connection.id) not ready"))
        }
        if let host = flow.remoteAddress.ipAddress, blockedHosts.contains(host) {
            return eventLoop.makeSucceededFuture(flow)
        }
        do {
            let bytes = try wireBytes(message, flow: flow, allocator: connection.channel.allocator)
            return connection.channel.writeAndFlush(bytes).map { flow }.flatMapErrorThrowing { error in
                throw SIPTransportError(.connectionClosed, "write on \(flow): \(error)")
            }
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    /// §18.1.1: the sent-by of a request's top Via is the address and port the flow really uses.
    private func wireBytes(_ message: SIPMessage, flow: SIPFlow, allocator: ByteBufferAllocator)
        throws(SIPTransportError) -> ByteBuffer
    {
        var message = message
        if message.isRequest {
            do {
                var via = try message.topVia
                via.transport = flow.transport.viaToken
                via.host = flow.localAddress.sipHost
                via.port = flow.localAddress.port
                try message.replaceTopVia(via)
            } catch {
                throw SIPTransportError(.invalidMessage, "request needs a top Via: \(error)")
            }
        }
        var buffer = allocator.buffer(capacity: message.body.readableBytes + 512)
        message.write(into: &buffer)
        configuration.trace?(
            SIPTraceRecord(
                time: .now(), direction: .sent, transport: flow.transport, local: flow.localAddress.sipHostPort,
                remote: flow.remoteAddress.sipHostPort, message: message))
        return buffer
    }

    // MARK: Connections

    /// The ready connection to `target`, reusing an open or opening one.
    private func connection(to target: SIPTransportTarget) -> EventLoopFuture<SIPConnection> {
        let key = target.connectionKey
        if let existing = outbound[key] { return existing.ready.futureResult.map { existing } }
        if let pending = pendingConnects[key] { return pending }

        let clientContext: NIOSSLContext?
        switch (target.transport, target.transport == .tls ? tlsContexts?.client() : nil) {
        case (.tls, .success(let context)): clientContext = context
        case (.tls, .failure(let error)): return eventLoop.makeFailedFuture(error)
        case (.tls, nil): return notRunning()
        default: clientContext = nil
        }
        let id = nextConnectionID
        nextConnectionID += 1
        let created = NIOLoopBoundBox<SIPConnection?>.makeEmptyBox(valueType: SIPConnection.self, eventLoop: eventLoop)
        // An IP address is never sent as SNI (RFC 6066 §3); NIOSSL then checks the certificate's IP SANs.
        let sniName = target.serverName.flatMap { (try? SocketAddress(ipAddress: $0, port: 0)) == nil ? $0 : nil }

        let future = ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .bound(toSource: configuration.outboundSource(toward: target.address))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = SIPConnection(
                        id: id, channel: channel, transport: target.transport, target: target)
                    let tls = try clientContext.map { try NIOSSLClientHandler(context: $0, serverHostname: sniName) }
                    try self.addStreamHandlers(to: channel, connection: connection, tlsHandler: tls)
                    self.connections[id] = connection
                    self.outbound[key] = connection
                    created.value = connection
                }
            }
            .connect(to: target.address)
            .flatMapErrorThrowing { error -> Channel in
                let reason = (error as? SIPTransportError) ?? SIPTransportError(.connectFailed, "\(target): \(error)")
                // The pipeline may exist without the channel ever becoming active: forget it here.
                if let connection = created.value {
                    connection.markFailedBeforeReady(reason)
                    self.connectionClosed(connection, reason: reason)
                }
                throw reason
            }
            .flatMap { channel -> EventLoopFuture<SIPConnection> in
                guard let connection = created.value else {
                    return self.eventLoop.makeFailedFuture(SIPTransportError(.connectFailed, "\(target): no pipeline"))
                }
                self.armHandshakeTimeout(connection)
                return connection.ready.futureResult.map { connection }
            }
        pendingConnects[key] = future
        future.whenComplete { _ in self.pendingConnects[key] = nil }
        return future
    }

    /// A TLS handshake that never finishes must not hold a send forever.
    private func armHandshakeTimeout(_ connection: SIPConnection) {
        guard !connection.isReady else { return }
        eventLoop.scheduleTask(in: configuration.connectTimeout) {
            guard !connection.isReady else { return }
            connection.failure = SIPTransportError(
                .tlsHandshakeFailed, "no TLS handshake within \(self.configuration.connectTimeout)")
            connection.channel.close(promise: nil)
        }
    }

    private func acceptedConnection(
        _ channel: Channel, transport: SIPTransportProtocol, tlsHandler: NIOSSLServerHandler?
    )
        throws
    {
        // Closed at accept when over the limits: throwing here makes NIO close the socket.
        let remote = channel.remoteAddress?.ipAddress ?? "?"
        let privileged = privilegedAddresses.withLockedValue { $0.contains(remote) }
        if let refusal = inboundLimiter.admit(remote, privileged: privileged) {
            refusedInboundConnections += 1
            let level: Logger.Level = refusedInboundConnections % 1_000 == 1 ? .notice : .debug
            logger.log(
                level: level, "inbound connection refused",
                metadata: [
                    "sip.remote": "\(remote)", "sip.refusal": "\(refusal)",
                    "sip.refused_total": "\(refusedInboundConnections)",
                ])
            throw SIPTransportError(.connectionClosed, "inbound connection from \(remote) refused: \(refusal)")
        }
        let id = nextConnectionID
        nextConnectionID += 1
        let connection = SIPConnection(id: id, channel: channel, transport: transport, target: nil)
        connection.countedInboundAddress = remote
        do {
            try addStreamHandlers(to: channel, connection: connection, tlsHandler: tlsHandler)
        } catch {
            inboundLimiter.closed(remote)
            throw error
        }
        connections[id] = connection
        if transport == .tls { armInboundHandshakeDeadline(connection) }
    }

    /// A TLS handshake is the first message on an inbound TLS connection: a stranger who never finishes
    /// it must not hold the connection longer than a partial message may.
    private func armInboundHandshakeDeadline(_ connection: SIPConnection) {
        let timeout = configuration.partialMessageTimeout
        eventLoop.scheduleTask(in: timeout) {
            guard !connection.isReady, self.connections[connection.id] === connection else { return }
            self.logger.notice(
                "closing inbound TLS connection without a handshake", metadata: ["sip.timeout": "\(timeout)"])
            connection.failure = SIPTransportError(.tlsHandshakeFailed, "no TLS handshake within \(timeout)")
            connection.channel.close(promise: nil)
        }
    }

    private func addStreamHandlers(to channel: Channel, connection: SIPConnection, tlsHandler: (any ChannelHandler)?)
        throws
    {
        let pipeline = channel.pipeline.syncOperations
        if let tlsHandler { try pipeline.addHandler(tlsHandler) }
        if let idle = configuration.idleConnectionTimeout {
            try pipeline.addHandler(IdleStateHandler(readTimeout: idle))
        }
        // Only connections others opened must complete each message in time; ours are trusted to.
        let decoder = SIPStreamDecoder(
            options: configuration.parserOptions,
            partialMessageTimeout: connection.isOutbound ? nil : configuration.partialMessageTimeout)
        try pipeline.addHandler(ByteToMessageHandler(decoder))
        // RFC 5626 §4.4.1: the side that opened the flow sends the pings.
        let keepAlive =
            connection.isOutbound
            ? configuration.keepAliveInterval.map {
                SIPKeepAliveStateMachine(interval: $0, pongTimeout: configuration.keepAlivePongTimeout)
            } : nil
        try pipeline.addHandler(SIPStreamConnectionHandler(layer: self, connection: connection, keepAlive: keepAlive))
    }

    /// False when the connection cannot be used (no addresses: it is already closing).
    func connectionBecameReady(_ connection: SIPConnection) -> Bool {
        guard let local = connection.channel.localAddress, let remote = connection.channel.remoteAddress else {
            connection.failure = SIPTransportError(.connectionClosed, "connection lost before it was ready")
            connection.channel.close(promise: nil)
            return false
        }
        connection.flow = SIPFlow(
            transport: connection.transport, localAddress: local, remoteAddress: remote, connectionID: connection.id)
        logger.debug("connection ready", metadata: ["sip.flow": "\(connection.flow.map(\.description) ?? "")"])
        return true
    }

    /// Called once or more per connection (connect failure, `channelInactive`, `handlerRemoved`); acts once.
    func connectionClosed(_ connection: SIPConnection, reason: SIPTransportError) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        if let address = connection.countedInboundAddress { inboundLimiter.closed(address) }
        if let key = connection.target?.connectionKey, outbound[key] === connection { outbound[key] = nil }
        guard let target = connection.target, let flow = connection.flow, connection.isReady,
            !connection.closedByUs, lifecycle == .running
        else { return }
        logger.info("flow failed", metadata: ["sip.flow": "\(flow)", "sip.error": "\(reason)"])
        onEvent(.flowFailed(SIPFlowFailure(flow: flow, target: target, error: reason)))
    }

    // MARK: Receiving

    func receivedDatagram(_ received: ByteBuffer, from source: SocketAddress, on channel: Channel) {
        guard lifecycle == .running, !isFrozen, let local = channel.localAddress else { return }
        if let host = source.ipAddress, blockedHosts.contains(host) { return }
        // RFC 5626 §4.4.2 keep-alives over UDP are STUN, but some agents send bare CRLFs: ignore them.
        if received.readableBytesView.allSatisfy({ $0 == 13 || $0 == 10 }) { return }
        // The datagram sits in NIO's 64 KiB receive buffer, and the parsed message keeps slices of
        // what it parses: a server transaction holding its request for Timer J's 32 s would pin that
        // buffer, and NIO would allocate a fresh one for every datagram. A copy of the few hundred
        // bytes lets NIO reuse its buffer.
        var bytes = channel.allocator.buffer(capacity: received.readableBytes)
        bytes.writeImmutableBuffer(received)
        let flow = SIPFlow(transport: .udp, localAddress: local, remoteAddress: source)
        let message: SIPMessage
        let core: SIPCoreHeaders
        do {
            let parsed = try SIPMessage(parsing: bytes, options: configuration.parserOptions, framing: .datagram)
            core = try parsed.validateCoreHeaders()
            message = parsed
        } catch {
            rejectMalformed(bytes, error: error, flow: flow) { response in
                _ = self.write(response, datagramTo: source, on: channel)
            }
            return
        }
        deliver(message, core: core, from: source, flow: flow)
    }

    func receivedStreamMessage(_ message: SIPMessage, on connection: SIPConnection) {
        guard lifecycle == .running, let flow = connection.flow else { return }
        if let host = flow.remoteAddress.ipAddress, blockedHosts.contains(host) { return }
        let core: SIPCoreHeaders
        do {
            core = try message.validateCoreHeaders()
        } catch {
            // Framing held (Content-Length was sound), so the connection stays; only this message is bad.
            rejectMalformed(message.serialized, error: error, flow: flow) { response in
                _ = self.write(response, on: connection)
            }
            return
        }
        deliver(message, core: core, from: flow.remoteAddress, flow: flow)
    }

    /// A message cut exactly by its Content-Length that failed to parse: only it is bad, the stream stays
    /// in step, so a request is answered 400 on the same connection and the connection stays open.
    func receivedMalformedStreamMessage(_ bytes: ByteBuffer, error: SIPParseError, on connection: SIPConnection) {
        guard lifecycle == .running, let flow = connection.flow else { return }
        if let host = flow.remoteAddress.ipAddress, blockedHosts.contains(host) { return }
        rejectMalformed(bytes, error: error, flow: flow) { response in
            _ = self.write(response, on: connection)
        }
    }

    /// A malformed request that can be answered gets 400 saying what is wrong; anything else is dropped
    /// (a malformed message must not crash or block the phone, nor go unexplained to a site).
    private func rejectMalformed(
        _ bytes: ByteBuffer, error: SIPParseError, flow: SIPFlow, send: (SIPMessage) -> Void
    ) {
        if !configuration.answersMalformedRequestsFromStrangers,
            !privilegedAddresses.withLockedValue({ $0.contains(flow.remoteAddress.ipAddress ?? "") })
        {
            logger.debug("malformed message from a stranger dropped", metadata: ["sip.flow": "\(flow)"])
            return
        }
        if let response = SIPBadRequestResponder.response(to: bytes, error: error, limits: configuration.limits) {
            logger.notice(
                "malformed request answered 400", metadata: ["sip.flow": "\(flow)", "sip.error": "\(error)"])
            send(response)
        } else {
            logger.notice("malformed message dropped", metadata: ["sip.flow": "\(flow)", "sip.error": "\(error)"])
        }
    }

    private func deliver(_ message: SIPMessage, core: SIPCoreHeaders, from source: SocketAddress, flow: SIPFlow) {
        var message = message
        var core = core
        if message.isRequest {
            do {
                core.topVia = core.topVia.stampedOnReceipt(from: source)
                try message.replaceTopVia(core.topVia)
            } catch {
                logger.notice(
                    "request with unusable top Via dropped", metadata: ["sip.flow": "\(flow)", "sip.error": "\(error)"])
                return
            }
        }
        var received = SIPReceivedMessage(message: message, source: source, flow: flow)
        received.core = core
        configuration.trace?(
            SIPTraceRecord(
                time: .now(), direction: .received, transport: flow.transport, local: flow.localAddress.sipHostPort,
                remote: source.sipHostPort, message: message))
        onEvent(.message(received))
    }

    // MARK: Helpers

    private func udpChannel(for remote: SocketAddress) -> Channel? {
        udpChannels.first { $0.localAddress?.protocol == remote.protocol }
    }

    private func udpChannel(local: SocketAddress) -> Channel? {
        udpChannels.first { $0.localAddress == local }
    }

    private func notRunning<T>() -> EventLoopFuture<T> {
        eventLoop.makeFailedFuture(SIPTransportError(.notRunning, "the transport layer is not running"))
    }

    private func onLoop<T: Sendable>(_ body: @escaping @Sendable () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if eventLoop.inEventLoop { return body() }
        return eventLoop.flatSubmit(body)
    }
}
