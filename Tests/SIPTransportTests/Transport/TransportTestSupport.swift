import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SIPCore
import SIPTestSupport
import SIPTransport
import Testing

/// Events a transport layer delivered, collected for assertions.
final class EventLog: Sendable {
    private let events = NIOLockedValueBox<[SIPTransportEvent]>([])

    func append(_ event: SIPTransportEvent) { events.withLockedValue { $0.append(event) } }

    var messages: [SIPReceivedMessage] {
        events.withLockedValue { $0.compactMap { if case .message(let m) = $0 { m } else { nil } } }
    }

    var failures: [SIPFlowFailure] {
        events.withLockedValue { $0.compactMap { if case .flowFailed(let f) = $0 { f } else { nil } } }
    }

    /// Polls until `body` returns a value, at most `timeout`.
    func wait<T>(timeout: Duration = .seconds(2), _ what: String = "event", _ body: (EventLog) -> T?) async throws -> T
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = body(self) { return value }
            try await Task.sleep(for: .milliseconds(5))
        }
        if let value = body(self) { return value }
        throw TestTimeout(what: what, timeout: timeout)
    }

    func response(statusCode: Int, timeout: Duration = .seconds(2)) async throws -> SIPReceivedMessage {
        try await wait(timeout: timeout, "response \(statusCode)") {
            $0.messages.first { $0.message.statusCode == statusCode }
        }
    }
}

struct TestTimeout: Error, CustomStringConvertible {
    var what: String
    var timeout: Duration
    var description: String { "no \(what) within \(timeout)" }
}

/// The SDK side of a test: one transport layer on its own event loop.
struct Agent {
    let group: MultiThreadedEventLoopGroup
    let layer: SIPTransportLayer
    let events: EventLog

    static func withAgent<T>(
        _ configuration: SIPTransportConfiguration = SIPTransportConfiguration(),
        _ body: (Agent) async throws -> T
    ) async throws -> T {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let events = EventLog()
        let layer = SIPTransportLayer(
            configuration: configuration, eventLoop: group.next(), logger: Logger(label: "test.agent")
        ) { events.append($0) }
        do {
            try await layer.start().get()
            let result = try await body(Agent(group: group, layer: layer, events: events))
            try? await layer.close().get()
            try await group.shutdownGracefully()
            return result
        } catch {
            try? await layer.close().get()
            try? await group.shutdownGracefully()
            throw error
        }
    }
}

/// A peer started for one test and stopped after it, whatever happens.
func withPeer<T>(_ configuration: SIPTestPeer.Configuration = .init(), _ body: (SIPTestPeer) async throws -> T)
    async throws -> T
{
    let peer = try await SIPTestPeer.start(configuration)
    do {
        let result = try await body(peer)
        try await peer.stop()
        return result
    } catch {
        try? await peer.stop()
        throw error
    }
}

/// Short keep-alive for tests (RFC 5626's 30 s / 10 s would make them slow).
func fastKeepAlive(listeners: [SIPTransportConfiguration.Listener] = [.init(.udp), .init(.tcp)])
    -> SIPTransportConfiguration
{
    var configuration = SIPTransportConfiguration(listeners: listeners)
    configuration.keepAliveInterval = .milliseconds(200)
    configuration.keepAlivePongTimeout = .milliseconds(200)
    return configuration
}

func tlsConfiguration(_ certificates: SIPTestCertificates) -> SIPTransportConfiguration {
    var configuration = SIPTransportConfiguration()
    configuration.tls.trustRoots = .file(certificates.caCertificateFile)
    return configuration
}

/// A bare socket for sending bytes the SDK would never write: collects what comes back, notices a close.
final class RawClient: Sendable {
    let channel: Channel
    private let received = NIOLockedValueBox<[ByteBuffer]>([])

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let client: RawClient
        init(_ client: RawClient) { self.client = client }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = Self.unwrapInboundIn(data)
            client.received.withLockedValue { $0.append(buffer) }
        }
    }

    private final class DatagramCollector: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let client: RawClient
        init(_ client: RawClient) { self.client = client }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = Self.unwrapInboundIn(data)
            client.received.withLockedValue { $0.append(envelope.data) }
        }
    }

    private init(channel: Channel) { self.channel = channel }

    /// - Parameter source: local IP address to connect from (loopback aliases stand for other hosts).
    static func tcp(to address: SocketAddress, on group: EventLoopGroup, from source: String? = nil) async throws
        -> RawClient
    {
        let box = NIOLockedValueBox<RawClient?>(nil)
        var bootstrap = ClientBootstrap(group: group)
        if let source { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0)) }
        let channel =
            try await bootstrap
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let client = RawClient(channel: channel)
                    box.withLockedValue { $0 = client }
                    try channel.pipeline.syncOperations.addHandler(Collector(client))
                }
            }
            .connect(to: address).get()
        guard let client = box.withLockedValue({ $0 }) else { throw TestTimeout(what: "raw client", timeout: .zero) }
        _ = channel
        return client
    }

    static func udp(on group: EventLoopGroup) async throws -> RawClient {
        let box = NIOLockedValueBox<RawClient?>(nil)
        _ = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let client = RawClient(channel: channel)
                    box.withLockedValue { $0 = client }
                    try channel.pipeline.syncOperations.addHandler(DatagramCollector(client))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let client = box.withLockedValue({ $0 }) else { throw TestTimeout(what: "raw client", timeout: .zero) }
        return client
    }

    func write(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    func send(_ text: String, to address: SocketAddress) async throws {
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(string: text))).get()
    }

    var receivedText: String { received.withLockedValue { $0.map { String(buffer: $0) }.joined() } }

    func waitForText(containing text: String, timeout: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if receivedText.contains(text) { return receivedText }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestTimeout(what: "\(text.debugDescription) from the peer", timeout: timeout)
    }

    /// True once the other side closed the connection (or we did), waiting at most `timeout`.
    func waitForClose(timeout: Duration = .seconds(2)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !channel.isActive { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return !channel.isActive
    }

    func close() async {
        try? await channel.close().get()
    }
}
