import NIOCore
import NIOPosix
import Testing

@testable import SIPMedia

/// The media sockets take whole datagrams of every packet size a negotiated stream can carry: a ptime of
/// up to 200 ms of G.711 is 1,612 bytes of RTP (RFC 3551 §4.5), more with CSRCs or an SRTP tag.
@Suite("RTP media session: whole datagrams of every ptime")
struct RTPMediaSessionPacketSizeTests {
    static func configuration(ptime: Int, to rtp: Int, _ rtcp: Int) throws -> MediaStreamConfiguration {
        var jitter = JitterBufferConfiguration()
        jitter.frameDuration = .milliseconds(Int64(ptime))
        jitter.minimumDelay = .milliseconds(Int64(ptime))
        jitter.initialDelay = .milliseconds(Int64(max(60, 2 * ptime)))
        return MediaStreamConfiguration(
            codec: .pcmu, telephoneEventPayloadType: nil, ptime: ptime, direction: .sendrecv,
            remoteRTP: try SocketAddress(ipAddress: "127.0.0.1", port: rtp),
            remoteRTCP: try SocketAddress(ipAddress: "127.0.0.1", port: rtcp), cname: "size@test",
            jitterBuffer: jitter)
    }

    /// Each packet's payload arrives whole: the octets counted are the packets times the ptime's samples
    /// (one byte each in G.711), never a read buffer's slice of them.
    @Test(arguments: [20, 40, 200])
    func everyPacketArrivesWhole(ptime: Int) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clock = MediaClock(eventLoop: group.next())
        let ra = try RTPPortReservation.reserve(address: "127.0.0.1")
        let rb = try RTPPortReservation.reserve(address: "127.0.0.1")
        let a = try await RTPMediaSession.open(
            reservation: ra,
            configuration: Self.configuration(ptime: ptime, to: rb.rtpPort, rb.rtcpPort), clock: clock
        ).get()
        let b = try await RTPMediaSession.open(
            reservation: rb,
            configuration: Self.configuration(ptime: ptime, to: ra.rtpPort, ra.rtcpPort), clock: clock
        ).get()
        try await a.eventLoop.submit { a.setSource(ToneGenerator(frequency: 800)) }.get()

        let received = try await b.statistics { $0.packetsReceived >= 5 }

        #expect(received.packetsReceived >= 5, "B received \(received.packetsReceived) packets")
        let samples = ptime * 8
        #expect(
            received.octetsReceived == received.packetsReceived * UInt64(samples),
            "\(received.octetsReceived) octets in \(received.packetsReceived) packets of \(samples) samples")
        #expect(received.discarded == 0)

        try await a.eventLoop.flatSubmit { a.close() }.get()
        try await b.eventLoop.flatSubmit { b.close() }.get()
        try await group.shutdownGracefully()
    }

    /// A datagram longer than the parser's limit is refused whole (counted as discarded), not read as
    /// its first 2,048 bytes; one at the largest ptime beside it is taken whole.
    @Test func aDatagramPastTheLimitIsDiscardedNotCut() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clock = MediaClock(eventLoop: group.next())
        let peer = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let peerPort = try #require(peer.localAddress?.port)
        let reservation = try RTPPortReservation.reserve(address: "127.0.0.1")
        let session = try await RTPMediaSession.open(
            reservation: reservation,
            configuration: Self.configuration(ptime: 200, to: peerPort, peerPort + 1), clock: clock
        ).get()
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: reservation.rtpPort)
        func packet(sequence: UInt16, payload: Int) -> ByteBuffer {
            let header: [UInt8] = [0x80, 0, UInt8(sequence >> 8), UInt8(sequence & 0xFF), 0, 0, 0, 0, 1, 2, 3, 4]
            return ByteBuffer(bytes: header + [UInt8](repeating: 0xFF, count: payload))
        }
        let limit = RTPParserLimits.default.maximumPacketSize
        try await peer.writeAndFlush(
            AddressedEnvelope(remoteAddress: target, data: packet(sequence: 1, payload: 1_600)))
        try await peer.writeAndFlush(
            AddressedEnvelope(remoteAddress: target, data: packet(sequence: 2, payload: limit + 100)))

        let received = try await session.statistics { $0.packetsReceived + $0.discarded >= 2 }
        #expect(received.packetsReceived == 1 && received.octetsReceived == 1_600)
        #expect(received.discarded == 1, "the \(limit + 112)-byte datagram is refused")

        try await session.eventLoop.flatSubmit { session.close() }.get()
        try await peer.close()
        try await group.shutdownGracefully()
    }
}
