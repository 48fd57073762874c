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
        layer.receivedDatagram(envelope.data, from: envelope.remoteAddress, on: context.channel)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP port unreachable and the like surface here; UDP has no connection to fail.
        layer.logger.debug("UDP socket error", metadata: ["sip.error": "\(error)"])
    }
}
