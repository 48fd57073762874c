import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import SIPMedia

/// The driver on real loopback sockets: two sessions, with a relay between them that loses every
/// tenth packet one way, so the statistics can be checked against a loss we know.
@Suite("RTP media session on loopback")
struct RTPMediaSessionTests {
    /// Forwards A's packets to B (dropping every `dropEvery`-th) and B's back to A.
    final class LossyRelay: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let a: SocketAddress
        let b: SocketAddress
        let dropEvery: Int
        let dropped = Mutex(0)
        /// What reached the relay from A and went on to B, to tell the relay's drops from datagrams a
        /// stalled loop's full socket buffer lost on either side of it.
        /// `span`: sequence numbers from the first to the latest seen, counted across a wrap (a stream
        /// starts at a random one, RFC 3550 §5.1).
        struct Path {
            var seenFromA = 0, forwardedToB = 0, span = 0
            var latest: UInt16?

            mutating func saw(_ sequence: UInt16) {
                seenFromA += 1
                if let latest {
                    span += Int(Int16(bitPattern: sequence &- latest))
                } else {
                    span = 1
                }
                latest = sequence
            }
        }
        let path = Mutex(Path())
        private var fromA = 0

        init(a: SocketAddress, b: SocketAddress, dropEvery: Int) {
            self.a = a
            self.b = b
            self.dropEvery = dropEvery
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            let destination: SocketAddress
            if envelope.remoteAddress == a {
                fromA += 1
                if let sequence = envelope.data.getInteger(at: envelope.data.readerIndex + 2, as: UInt16.self) {
                    path.withLock { $0.saw(sequence) }
                }
                if fromA % dropEvery == 0 {
                    dropped.withLock { $0 += 1 }
                    return
                }
                path.withLock { $0.forwardedToB += 1 }
                destination = b
            } else {
                destination = a
            }
            context.writeAndFlush(
                wrapOutboundOut(AddressedEnvelope(remoteAddress: destination, data: envelope.data)), promise: nil)
        }
    }

    static func configuration(rtp: SocketAddress?, rtcp: SocketAddress?) -> MediaStreamConfiguration {
        MediaStreamConfiguration(
            codec: .pcmu, telephoneEventPayloadType: 101, direction: .sendrecv, remoteRTP: rtp, remoteRTCP: rtcp,
            cname: "t@x")
    }

    @Test func theRelaysAccountOfSequenceNumbersCountsAcrossTheirWrap() {
        var path = LossyRelay.Path()
        for sequence: UInt16 in [65_534, 65_535, 0, 2] { path.saw(sequence) }
        #expect(path.span == 5 && path.seenFromA == 4, "65534…2 spans five numbers; 1 never reached the relay")
    }

    @Test func lossInjectedOnThePathShowsInTheReceiversStatistics() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clock = MediaClock(eventLoop: group.next())
        let host = "127.0.0.1"
        let ra = try RTPPortReservation.reserve(address: host)
        let rb = try RTPPortReservation.reserve(address: host)
        let aRTP = try SocketAddress(ipAddress: host, port: ra.rtpPort)
        let bRTP = try SocketAddress(ipAddress: host, port: rb.rtpPort)
        let relayHandler = LossyRelay(a: aRTP, b: bRTP, dropEvery: 10)
        let relay = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(relayHandler) }
            }
            .bind(host: host, port: 0).get()
        let relayAddress = try #require(relay.localAddress)

        // Both send their RTP through the relay (as through a media relay both SDPs name); RTCP goes direct.
        let configA = Self.configuration(rtp: relayAddress, rtcp: try SocketAddress(ipAddress: host, port: rb.rtcpPort))
        let configB = Self.configuration(rtp: relayAddress, rtcp: try SocketAddress(ipAddress: host, port: ra.rtcpPort))
        let a = try await RTPMediaSession.open(
            reservation: ra, configuration: configA, clock: clock
        ).get()
        let b = try await RTPMediaSession.open(
            reservation: rb, configuration: configB, clock: clock
        ).get()
        try await a.eventLoop.submit { a.setSource(ToneGenerator(frequency: 800)) }.get()

        var received = try await b.statistics { $0.packetsReceived >= 100 }
        // Stop A, let the packets in flight land, then compare what the relay dropped with what B counts.
        let sent = try await a.eventLoop.submit { a.statistics() }.get()
        try await a.eventLoop.flatSubmit { a.close() }.get()
        // Until B has taken everything in flight (bounded): all the relay forwarded, or, when a socket
        // buffer overflowed on the way, no change at the relay or at B for 300 ms. A loop stalled by the
        // suite's other tests can hold datagrams in its socket longer than one quiet read apart.
        let settle = ContinuousClock.now + .seconds(5)
        var lastChange = ContinuousClock.now
        var forwarded = relayHandler.path.withLock { $0.forwardedToB }
        while ContinuousClock.now < settle, ContinuousClock.now - lastChange < .milliseconds(300) {
            try await Task.sleep(for: .milliseconds(20))
            let now = try await b.eventLoop.submit { b.statistics() }.get()
            let nowForwarded = relayHandler.path.withLock { $0.forwardedToB }
            if now.packetsReceived != received.packetsReceived || nowForwarded != forwarded {
                lastChange = ContinuousClock.now
            }
            (received, forwarded) = (now, nowForwarded)
            if Int(received.packetsReceived) == forwarded, ContinuousClock.now - lastChange >= .milliseconds(60) {
                break
            }
        }
        let dropped = relayHandler.dropped.withLock { $0 }
        let path = relayHandler.path.withLock { $0 }
        // Nothing else is lost on an idle machine; a loop stalled for seconds (the suite starts a hundred
        // tests at once on two cores) lets a socket buffer overflow before or after the relay.
        let lostBeforeRelay = path.span - path.seenFromA
        let lostAfterRelay = path.forwardedToB - Int(received.packetsReceived)
        let lost = dropped + lostBeforeRelay + lostAfterRelay

        #expect(received.packetsReceived >= 100)
        #expect(abs(received.lossRatio - 0.1) < 0.03 || lost > dropped, "one in ten dropped: \(received.lossRatio)")
        // A drop after B's last packet is not yet known as lost (A.3 counts up to the highest received).
        #expect(
            (lost - 1...lost).contains(Int(received.packetsLost)),
            "lost \(received.packetsLost), dropped \(dropped), before the relay \(lostBeforeRelay), after \(lostAfterRelay)"
        )
        #expect(received.remoteAddress == "127.0.0.1:\(relayAddress.port ?? 0)", "B still sends to the relay")
        #expect(sent.packetsReceived > 0, "B's packets reached A back through the relay")
        #expect(
            received.meanOpinionScore < sent.meanOpinionScore || sent.packetsLost >= received.packetsLost,
            "the lossy direction scores lower")

        try await b.eventLoop.flatSubmit { b.close() }.get()
        try await relay.close()
        try await group.shutdownGracefully()
    }
}
