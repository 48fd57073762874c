import NIOCore
import NIOPosix

/// A call's two media sockets as event-loop channels: RTP on an even port and RTCP on the next (RFC 3550
/// §11), bound to one local address, registered on one loop, and delivering to whichever
/// ``RTPMediaSession`` is attached. Detached, they keep reading and drop what comes, so a pair can wait
/// between calls (``MediaPortPool``) without a stale packet reaching anyone.
///
/// Confined to its event loop: every method must be called on it.
package final class RTPChannelPair: @unchecked Sendable {
    // @unchecked: the handlers' session is set and read only on `eventLoop`.

    package let eventLoop: any EventLoop
    /// The local address both sockets are bound to.
    package let address: String
    package let rtpPort: Int
    package let rtcpPort: Int
    let rtp: any Channel
    let rtcp: any Channel
    private let rtpHandler: MediaDatagramHandler
    private let rtcpHandler: MediaDatagramHandler

    private init(
        eventLoop: any EventLoop, address: String, ports: (rtp: Int, rtcp: Int),
        channels: (rtp: any Channel, rtcp: any Channel),
        handlers: (rtp: MediaDatagramHandler, rtcp: MediaDatagramHandler)
    ) {
        self.eventLoop = eventLoop
        self.address = address
        (rtpPort, rtcpPort) = ports
        (rtp, rtcp) = channels
        (rtpHandler, rtcpHandler) = handlers
    }

    /// Bytes read per datagram: one more than the parsers take (``RTPParserLimits/maximumPacketSize``),
    /// so every packet they accept arrives whole and a longer datagram, cut at this size, is refused as
    /// too large rather than read as a shorter packet.
    static let datagramCapacity = RTPParserLimits.default.maximumPacketSize + 1

    /// Adopts a reservation's bound sockets on `eventLoop`. NIO's channel owns each descriptor from
    /// here on and closes it if it fails; one that came up while the other failed is closed here.
    package static func adopt(_ reservation: RTPPortReservation, on eventLoop: any EventLoop)
        -> EventLoopFuture<RTPChannelPair>
    {
        guard let sockets = reservation.takeSockets() else {
            return eventLoop.makeFailedFuture(
                RTPPortReservationError(.released, "the reservation's sockets were already taken or released"))
        }
        let handlers = (rtp: MediaDatagramHandler(isRTCPPort: false), rtcp: MediaDatagramHandler(isRTCPPort: true))
        let rtp = adopt(sockets.rtp, handler: handlers.rtp, on: eventLoop)
        let rtcp = adopt(sockets.rtcp, handler: handlers.rtcp, on: eventLoop)
        return rtp.and(rtcp).map { channels in
            RTPChannelPair(
                eventLoop: eventLoop, address: reservation.address,
                ports: (reservation.rtpPort, reservation.rtcpPort), channels: channels, handlers: handlers)
        }.flatMapError { error in
            let closes = [rtp, rtcp].map { $0.flatMap { $0.close() }.recover { _ in } }
            return EventLoopFuture.andAllComplete(closes, on: eventLoop).flatMapThrowing { throw error }
        }
    }

    /// One datagram per read (no vector reads): a stream brings one packet per ptime, so a batch would
    /// hold one packet anyway, and NIO splits a vector read's buffer into equal slots (2,048 / 8 = 256
    /// bytes each), which cut every packet of 40 ms and more to its first 244 bytes of payload.
    private static func adopt(_ descriptor: Int32, handler: MediaDatagramHandler, on eventLoop: any EventLoop)
        -> EventLoopFuture<any Channel>
    {
        DatagramBootstrap(group: eventLoop)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: datagramCapacity))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .withBoundSocket(descriptor)
    }

    /// Both channels are open: the pair can carry a call.
    package var isOpen: Bool { rtp.isActive && rtcp.isActive }

    /// Datagrams that came while no session was attached, and were dropped.
    package var unclaimedDatagrams: Int {
        eventLoop.assertInEventLoop()
        return rtpHandler.unclaimed + rtcpHandler.unclaimed
    }

    /// Datagrams from now on go to `session`.
    func attach(_ session: RTPMediaSession) {
        eventLoop.assertInEventLoop()
        rtpHandler.session = session
        rtcpHandler.session = session
    }

    /// Datagrams from now on are dropped; the session is no longer referenced.
    func detach() {
        eventLoop.assertInEventLoop()
        rtpHandler.session = nil
        rtcpHandler.session = nil
    }

    /// Closes both sockets: the ports are free again.
    package func close() -> EventLoopFuture<Void> {
        detach()
        let closes = [rtp, rtcp].map { $0.close().recover { _ in } }
        return EventLoopFuture.andAllComplete(closes, on: eventLoop)
    }
}

/// Hands each datagram to the attached session, or drops it when none is; errors (ICMP unreachable
/// surfacing as ECONNREFUSED) are counted and the socket kept, since the peer may come back.
///
/// Holds its session strongly: the cycle (session → pair → channel → pipeline → handler → session)
/// ends when the session closes and detaches, which it always does (``RTPMediaSession/close()``). A
/// weak reference would give the session a side table, and every retain of it on the packet path
/// would take Swift's slow path (seen in `perf` as `incrementSlow` under MediaClock.fire).
final class MediaDatagramHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: made before its channel, then set and read only on the channel's event loop.
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    var session: RTPMediaSession?
    /// Datagrams read while no session was attached (dropped).
    private(set) var unclaimed = 0
    private let isRTCPPort: Bool

    init(isRTCPPort: Bool) {
        self.isRTCPPort = isRTCPPort
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session else {
            unclaimed += 1
            return
        }
        session.received(unwrapInboundIn(data), onRTCPPort: isRTCPPort)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        session?.socketError()
    }
}
