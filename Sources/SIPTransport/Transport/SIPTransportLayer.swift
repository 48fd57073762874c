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
///
/// It has no fault switches: drills and tests wrap it in a ``FaultInjectingTransport``.
public final class SIPTransportLayer: SIPMessageTransport, @unchecked Sendable {
    // @unchecked: every mutable field below is touched only on `eventLoop` (checked by assertions);
    // `boundAddresses` and `privilegedAddresses` are the cross-thread fields and have their own locks.

    /// The one event loop that owns all transport state and on which every event is delivered; run the layers
    /// above on it to share state without locks.
    public let eventLoop: any EventLoop
    /// The configuration the layer was created with; fixed for its lifetime.
    public let configuration: SIPTransportConfiguration
    package let logger: Logger
    /// Set before ``start()`` (``setEventHandler(_:)``), read on the loop.
    var onEvent: ((SIPTransportEvent) -> Void)?

    enum Lifecycle { case idle, starting, running, closed }
    var lifecycle = Lifecycle.idle
    var udpChannels: [Channel] = []
    /// UDP sockets with datagrams written but not yet flushed; see ``flushSoon(_:)``.
    var udpChannelsToFlush: [Channel] = []
    var serverChannels: [Channel] = []
    var connections: [UInt64: SIPConnection] = [:]
    /// Open or opening connections we made, reused per target (transport, address, port, TLS name).
    var outbound: [SIPTransportTarget.ConnectionKey: SIPConnection] = [:]
    /// Connects not yet far enough to have a channel, so a second send waits for the same one.
    var pendingConnects: [SIPTransportTarget.ConnectionKey: EventLoopFuture<SIPConnection>] = [:]
    var nextConnectionID: UInt64 = 1
    var tlsContexts: SIPTLSContexts?
    /// Whether sockets are read (``setReadingPaused(_:)``); new connections follow it too.
    var readingPaused = false
    let boundAddresses = NIOLockedValueBox<[SIPTransportProtocol: [SocketAddress]]>([:])
    /// IP addresses (normalised) exempt from the per-address cap and allowed into the reserve; set from any thread.
    let privilegedAddresses = NIOLockedValueBox<Set<String>>([])
    var inboundLimiter: InboundConnectionLimiter
    /// Inbound connections closed at accept so far (a flood is logged now and then, not line by line).
    var refusedInboundConnections = 0

    /// How many datagrams one receive call may return (each slot is a receive buffer of the size limit).
    static let datagramsPerRead = 16
    /// One receive slot never needs more: no UDP datagram carries more than 65,527 bytes (IPv6), 65,507 (IPv4).
    static let largestDatagramSlot = 65_536

    /// - Parameters:
    ///   - onEvent: called on `eventLoop` for every received message and every failed flow; nil: set it
    ///     later with ``setEventHandler(_:)``, before ``start()``. Default: nil.
    public init(
        configuration: SIPTransportConfiguration, eventLoop: any EventLoop,
        logger: Logger = Logger(label: "sip.transport", factory: { _ in SwiftLogNoOpLogHandler() }),
        onEvent: ((SIPTransportEvent) -> Void)? = nil
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

    /// Sets the function called on ``eventLoop`` for every received message and every failed flow.
    /// Call it before ``start()`` (the start's hop onto the loop publishes it there).
    public func setEventHandler(_ handler: @escaping (SIPTransportEvent) -> Void) {
        onEvent = handler
    }

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

    func startOnLoop() -> EventLoopFuture<Void> {
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

    func bind(_ listener: SIPTransportConfiguration.Listener) -> EventLoopFuture<Channel> {
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

    // MARK: Administration

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

    /// Stops reading every socket, listeners included, or starts again (NIO's `autoRead`): what arrives
    /// meanwhile waits in the kernel's buffers, keep-alive pings go unanswered and no connection is
    /// accepted, as for a process stopped with SIGSTOP; reading again takes up what waited. Costs nothing
    /// per message. ``FaultInjectingTransport`` freezes through it.
    package func setReadingPaused(_ paused: Bool) -> EventLoopFuture<Void> {
        onLoop {
            self.readingPaused = paused
            let channels = self.udpChannels + self.serverChannels + self.connections.values.map(\.channel)
            return EventLoopFuture.andAllComplete(
                channels.map { $0.setOption(.autoRead, value: !paused) }, on: self.eventLoop)
        }
    }

    // MARK: Helpers

    func udpChannel(for remote: SocketAddress) -> Channel? {
        udpChannels.first { $0.localAddress?.protocol == remote.protocol }
    }

    func udpChannel(local: SocketAddress) -> Channel? {
        udpChannels.first { $0.localAddress == local }
    }

    func notRunning<T>() -> EventLoopFuture<T> {
        eventLoop.makeFailedFuture(SIPTransportError(.notRunning, "the transport layer is not running"))
    }

    func onLoop<T: Sendable>(_ body: @escaping @Sendable () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if eventLoop.inEventLoop { return body() }
        return eventLoop.flatSubmit(body)
    }
}
