import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SIPCore

/// Receiving: datagrams and framed stream messages parsed, malformed ones answered 400 or dropped, the
/// rest stamped (RFC 3261 §18.2.1, RFC 3581 §4) and delivered.
extension SIPTransportLayer {
    func receivedDatagram(_ received: ByteBuffer, from source: SocketAddress, on channel: Channel) {
        guard lifecycle == .running, let local = channel.localAddress else { return }
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
        rejectMalformed(bytes, error: error, flow: flow) { response in
            _ = self.write(response, on: connection)
        }
    }

    /// A malformed request that can be answered gets 400 saying what is wrong; anything else is dropped
    /// (a malformed message must not crash or block the phone, nor go unexplained to a site).
    func rejectMalformed(
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

    /// Consuming: the message and its core headers are the caller's last use, so the stamp edits
    /// them in place (a copy would share their line list and parameter array, and the edit copy them).
    func deliver(
        _ message: consuming SIPMessage, core: consuming SIPCoreHeaders, from source: SocketAddress, flow: SIPFlow
    ) {
        if message.isRequest {
            do {
                // §18.2.1: the stamp goes into the line's bytes; the parsed value gets the same.
                let stamp = core.topVia.receiptStamp(from: source)
                if stamp.received != nil || stamp.rport != nil {
                    core.topVia.apply(stamp: stamp)
                    try message.stampTopVia(received: stamp.received, rport: stamp.rport)
                }
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
                remote: source.sipHostPort, message: received.message))
        onEvent?(.message(received))
    }
}
