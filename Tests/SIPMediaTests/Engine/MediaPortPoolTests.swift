import NIOCore
import NIOPosix
import Testing

@testable import SIPMedia

/// Media port pairs kept open between calls, on real loopback sockets: the next call gets them, what
/// reaches them in between reaches no one, and nothing stays open after the pool shuts down.
@Suite("Media port pairs kept between calls: the sockets")
struct MediaPortPoolTests {
    static func configuration(to peer: Int) throws -> MediaStreamConfiguration {
        MediaStreamConfiguration(
            codec: .pcmu, telephoneEventPayloadType: nil, direction: .sendrecv,
            remoteRTP: try SocketAddress(ipAddress: "127.0.0.1", port: peer),
            remoteRTCP: try SocketAddress(ipAddress: "127.0.0.1", port: peer + 1), cname: "pool@test")
    }

    static func packet(_ sequence: UInt16) -> ByteBuffer {
        let header: [UInt8] = [0x80, 0, UInt8(sequence >> 8), UInt8(sequence & 0xFF), 0, 0, 0, 0, 9, 9, 9, 9]
        return ByteBuffer(bytes: header + [UInt8](repeating: 0xFF, count: 160))
    }

    /// One event loop, its media clock and a pool on it.
    struct Rig {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop: any EventLoop
        let clock: MediaClock
        let pool: MediaPortPool

        init(_ rules: MediaPortRules<RTPChannelPair> = MediaPortRules()) {
            loop = group.next()
            clock = MediaClock(eventLoop: loop)
            pool = MediaPortPool(eventLoop: loop, rules: rules)
        }

        func reserve(in range: ClosedRange<Int>? = nil) async throws -> MediaPorts {
            try await loop.submit { try pool.reserve(address: "127.0.0.1", in: range) }.get()
        }

        /// Reserves ports, runs a session on them and closes it: its pair is back in the pool.
        func finishedCall(in range: ClosedRange<Int>? = nil) async throws -> MediaPorts {
            let ports = try await reserve(in: range)
            let session = try await ports.openSession(configuration: configuration(to: 9), clock: clock).get()
            try await loop.flatSubmit { session.close() }.get()
            return ports
        }

        func idleCount() async throws -> Int { try await loop.submit { pool.idleCount }.get() }

        func stop() async throws {
            try await loop.flatSubmit { pool.shutdown() }.get()
            try await group.shutdownGracefully()
        }
    }

    @Test func aClosedSessionsPortsCarryTheNextCallAndNothingInBetweenReachesIt() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let clock = MediaClock(eventLoop: loop)
        let pool = MediaPortPool(eventLoop: loop, rules: MediaPortRules(quarantine: .zero))
        let peer = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let peerPort = try #require(peer.localAddress?.port)

        let first = try await loop.submit { try pool.reserve(address: "127.0.0.1") }.get()
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: first.rtpPort)
        let firstSession = try await first.openSession(configuration: Self.configuration(to: peerPort), clock: clock)
            .get()
        try await peer.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: Self.packet(1)))
        #expect(try await firstSession.statistics { $0.packetsReceived >= 1 }.packetsReceived == 1)
        try await loop.flatSubmit { firstSession.close() }.get()
        #expect(try await loop.submit { pool.idleCount }.get() == 1, "the pair waits for the next call")

        // Sent while the pair is idle: read and dropped, seen by neither session.
        try await peer.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: Self.packet(2)))
        let unclaimed = try await eventually {
            try await loop.submit { pool.idlePairs.first?.unclaimedDatagrams }.get() == 1
        }
        #expect(unclaimed, "the idle pair read the datagram and dropped it")

        let second = try await loop.submit { try pool.reserve(address: "127.0.0.1") }.get()
        #expect(second.rtpPort == first.rtpPort && second.rtcpPort == first.rtcpPort)
        #expect(try await loop.submit { (pool.reused, pool.bound) }.get() == (1, 1))
        let secondSession = try await second.openSession(configuration: Self.configuration(to: peerPort), clock: clock)
            .get()
        try await peer.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: Self.packet(3)))
        let figures = try await secondSession.statistics { $0.packetsReceived >= 1 }
        #expect(figures.packetsReceived == 1 && figures.discarded == 0, "only the packet sent after it started")
        let old = try await loop.submit { firstSession.statistics() }.get()
        #expect(old.packetsReceived == 1, "the closed session heard nothing more")

        try await loop.flatSubmit { secondSession.close() }.get()
        try await loop.flatSubmit { pool.shutdown() }.get()
        #expect(try await loop.submit { pool.idleCount }.get() == 0)
        // The ports are free again.
        let again = try RTPPortReservation.reserve(address: "127.0.0.1", in: first.rtpPort...first.rtcpPort)
        again.release()
        try await peer.close()
        try await group.shutdownGracefully()
    }

    @Test func anExhaustedRangeReusesAPairThatHasNotRestedRatherThanRefuseTheCall() async throws {
        let rig = Rig(MediaPortRules(quarantine: .seconds(60)))
        // A range of exactly one pair, free now.
        let probe = try RTPPortReservation.reserve(address: "127.0.0.1")
        let range = probe.rtpPort...probe.rtcpPort
        probe.release()

        _ = try await rig.finishedCall(in: range)
        let second = try await rig.reserve(in: range)
        #expect(second.rtpPort == range.lowerBound, "the only pair, though it rested 60 s less than asked")
        // With that pair in use, the range is exhausted and the error says so.
        await #expect(throws: RTPPortReservationError(.exhausted, "")) { _ = try await rig.reserve(in: range) }
        try await rig.loop.submit { second.release() }.get()
        try await rig.stop()
    }

    @Test func portsDroppedOffTheLoopGoBackToThePool() async throws {
        let rig = Rig(MediaPortRules(quarantine: .zero))
        let first = try await rig.finishedCall()
        // A call's ports holding that pair, whose last reference goes on this (test) thread, unused.
        var held: MediaPorts? = try await rig.reserve()
        #expect(held?.rtpPort == first.rtpPort)
        #expect(try await rig.idleCount() == 0)
        held = nil
        let back = try await eventually { try await rig.idleCount() == 1 }
        #expect(back && held == nil, "the pair hopped to its loop and went back to the pool")
        try await rig.stop()
    }

    @Test func aPairReleasedAfterShutdownIsClosedNotKept() async throws {
        let rig = Rig()
        let ports = try await rig.reserve()
        let session = try await ports.openSession(configuration: Self.configuration(to: 9), clock: rig.clock).get()
        try await rig.loop.flatSubmit { rig.pool.shutdown() }.get()
        try await rig.loop.flatSubmit { session.close() }.get()
        #expect(try await rig.idleCount() == 0)
        // Closing is asynchronous; the ports come free within a moment.
        let freed = try await eventually {
            guard let again = try? RTPPortReservation.reserve(address: "127.0.0.1", in: ports.rtpPort...ports.rtcpPort)
            else { return false }
            again.release()
            return true
        }
        #expect(freed)
        try await rig.stop()
    }
}
