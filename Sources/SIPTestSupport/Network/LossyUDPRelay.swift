import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A UDP relay on loopback that makes a link slow and lossy: what a phone sends to ``port`` goes on
/// to the server after a one-way delay of `delay` ± `jitter` (uniform), unless it is lost (`loss`),
/// and what the server sends back reaches the phone (the last address that sent to the relay) the
/// same way. Every decision comes from one seeded generator, so a run is repeatable as far as the
/// order of datagrams is. Responses find the way back because the SDK's requests carry `rport`
/// (RFC 3581): the server answers the relay's upstream socket. Datagrams `spare` picks are delayed
/// but never lost (for a server that does not retransmit them, as ``InProcessSite`` does not
/// retransmit its 2xx, RFC 3261 §13.3.1.4).
public final class LossyUDPRelay: Sendable {
    /// One direction of the link.
    public struct Link: Sendable {
        public var delay: Duration
        public var jitter: Duration
        public var loss: Double

        public init(delay: Duration, jitter: Duration = .zero, loss: Double = 0) {
            self.delay = delay
            self.jitter = jitter
            self.loss = loss
        }
    }

    private struct State {
        var random: UInt64
        var client: SocketAddress?
        var forwarded = 0
        var dropped = 0
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let state: NIOLockedValueBox<State>
    private let downstream: NIOLockedValueBox<(any Channel)?> = NIOLockedValueBox(nil)
    private let upstream: NIOLockedValueBox<(any Channel)?> = NIOLockedValueBox(nil)
    public let toServer: Link
    public let toClient: Link
    public let server: SocketAddress
    private let spare: @Sendable (ByteBuffer) -> Bool

    private init(
        server: SocketAddress, toServer: Link, toClient: Link, seed: UInt64,
        spare: @escaping @Sendable (ByteBuffer) -> Bool
    ) {
        self.server = server
        self.spare = spare
        self.toServer = toServer
        self.toClient = toClient
        self.state = NIOLockedValueBox(State(random: seed))
    }

    /// Starts a relay toward `server` (127.0.0.1:`serverPort`).
    public static func start(
        toServerPort serverPort: Int, host: String = "127.0.0.1", toServer: Link, toClient: Link, seed: UInt64,
        spare: @escaping @Sendable (ByteBuffer) -> Bool = { _ in false }
    ) async throws -> LossyUDPRelay {
        let relay = LossyUDPRelay(
            server: try SocketAddress(ipAddress: host, port: serverPort), toServer: toServer, toClient: toClient,
            seed: seed,
            spare: spare)
        let down = try await DatagramBootstrap(group: relay.group)
            .channelInitializer { channel in
                channel.pipeline.addHandler(Handler { [weak relay] envelope in relay?.fromClient(envelope) })
            }
            .bind(host: host, port: 0).get()
        let up = try await DatagramBootstrap(group: relay.group)
            .channelInitializer { channel in
                channel.pipeline.addHandler(Handler { [weak relay] envelope in relay?.fromServer(envelope) })
            }
            .bind(host: host, port: 0).get()
        relay.downstream.withLockedValue { $0 = down }
        relay.upstream.withLockedValue { $0 = up }
        return relay
    }

    /// The port the phone sends to.
    public var port: Int { downstream.withLockedValue { $0?.localAddress?.port ?? 0 } }
    /// Datagrams passed on and datagrams lost, both directions.
    public var counts: (forwarded: Int, dropped: Int) { state.withLockedValue { ($0.forwarded, $0.dropped) } }

    public func stop() async throws {
        try? await downstream.withLockedValue { $0 }?.close()
        try? await upstream.withLockedValue { $0 }?.close()
        try await group.shutdownGracefully()
    }

    private func fromClient(_ envelope: AddressedEnvelope<ByteBuffer>) {
        state.withLockedValue { $0.client = envelope.remoteAddress }
        pass(envelope.data, to: server, over: toServer, on: upstream.withLockedValue { $0 })
    }

    private func fromServer(_ envelope: AddressedEnvelope<ByteBuffer>) {
        guard let client = state.withLockedValue({ $0.client }) else { return }
        pass(envelope.data, to: client, over: toClient, on: downstream.withLockedValue { $0 })
    }

    private func pass(_ data: ByteBuffer, to address: SocketAddress, over link: Link, on channel: (any Channel)?) {
        guard let channel else { return }
        let spared = spare(data)
        let delay: Duration? = state.withLockedValue { s in
            let lost = Self.unit(&s.random) < link.loss
            let spread = Double(link.jitter.components.seconds) * 1e9 + Double(link.jitter.components.attoseconds) / 1e9
            let jitter = (Self.unit(&s.random) * 2 - 1) * spread
            if lost, !spared {
                s.dropped += 1
                return nil
            }
            s.forwarded += 1
            return link.delay + .nanoseconds(Int64(jitter))
        }
        guard let delay else { return }
        channel.eventLoop.scheduleTask(in: TimeAmount(delay)) {
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: data), promise: nil)
        }
    }

    /// A uniform number in [0, 1) from a SplitMix64 step.
    private static func unit(_ state: inout UInt64) -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let onRead: (AddressedEnvelope<ByteBuffer>) -> Void
        init(_ onRead: @escaping (AddressedEnvelope<ByteBuffer>) -> Void) { self.onRead = onRead }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { onRead(unwrapInboundIn(data)) }
    }
}
