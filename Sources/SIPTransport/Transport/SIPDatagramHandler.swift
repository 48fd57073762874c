import NIOCore

/// Hands each UDP datagram to the transport layer (RFC 3261 §18.3: one datagram, one message).
final class SIPDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let layer: SIPTransportLayer

    init(layer: SIPTransportLayer) {
        self.layer = layer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        // The datagram arrives in a buffer sized for the largest message we accept (64 KiB), and a parsed
        // message keeps slices of it for as long as it lives (a UDP server transaction: Timer J, 32 s).
        // Copied to its own size, the big buffer goes back to NIO's pool now: issue 4's benchmark held
        // 40,000 of them (2.6 GB of address space) and left the heap fragmented at 17 KiB per registration.
        var exact = context.channel.allocator.buffer(capacity: envelope.data.readableBytes)
        exact.writeImmutableBuffer(envelope.data)
        layer.receivedDatagram(exact, from: envelope.remoteAddress, on: context.channel)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP port unreachable and the like surface here; UDP has no connection to fail.
        layer.logger.debug("UDP socket error", metadata: ["sip.error": "\(error)"])
    }
}
