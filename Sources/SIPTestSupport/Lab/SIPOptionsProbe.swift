import NIOCore
import NIOPosix

/// Sends one raw-text OPTIONS and reads the status code of the answer. Raw text on purpose: the lab
/// checks real servers and must not depend on the SIP layers it is there to test.
///
/// Each call opens its own socket on loopback and closes it; `nil` means no answer before `timeout`
/// (a frozen or dead site), a thrown error means the socket itself failed (connection refused).
public enum SIPOptionsProbe {
    /// OPTIONS over UDP from `localHost`:ephemeral to `host`:`port`.
    public static func udp(
        host: String, port: Int, localHost: String = "127.0.0.1", timeout: TimeAmount = .seconds(1),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> Int? {
        let remote = try SocketAddress(ipAddress: host, port: port)
        let eventLoop = group.next()
        let answer = eventLoop.makePromise(of: Int?.self)
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DatagramAnswerHandler(answer: answer))
                    }
                }
                .bind(host: localHost, port: 0).get()
        } catch {
            answer.fail(error)
            throw error
        }
        let localPort = channel.localAddress?.port ?? 0
        let text = optionsText(host: host, port: port, transport: "UDP", localHost: localHost, localPort: localPort)
        let timer = eventLoop.scheduleTask(in: timeout) { answer.succeed(nil) }
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(string: text)), promise: nil)
        let code = try await answer.futureResult.get()
        timer.cancel()
        try? await channel.close()
        return code
    }

    /// OPTIONS over a new TCP connection; `configure` adds handlers first (a TLS client handler, say),
    /// so the same probe reads TLS. `transport` is the Via transport token: "TCP" or "TLS".
    public static func stream(
        host: String, port: Int, transport: String = "TCP", timeout: TimeAmount = .seconds(1),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        configure: @escaping @Sendable (any Channel) throws -> Void = { _ in }
    ) async throws -> Int? {
        let eventLoop = group.next()
        let answer = eventLoop.makePromise(of: Int?.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try configure(channel)
                        try channel.pipeline.syncOperations.addHandler(StreamAnswerHandler(answer: answer))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            answer.fail(error)
            throw error
        }
        let local = channel.localAddress
        let text = optionsText(
            host: host, port: port, transport: transport, localHost: local?.ipAddress ?? "127.0.0.1",
            localPort: local?.port ?? 0)
        let timer = eventLoop.scheduleTask(in: timeout) { answer.succeed(nil) }
        channel.writeAndFlush(ByteBuffer(string: text), promise: nil)
        let code = try await answer.futureResult.get()
        timer.cancel()
        try? await channel.close()
        return code
    }

    /// A minimal RFC 3261 §11 OPTIONS: fresh branch and Call-ID, rport so UDP answers come back to
    /// the port we really use.
    static func optionsText(host: String, port: Int, transport: String, localHost: String, localPort: Int) -> String {
        let token = String(UInt64.random(in: 1...UInt64.max), radix: 36)
        return "OPTIONS sip:\(host):\(port) SIP/2.0\r\n"
            + "Via: SIP/2.0/\(transport) \(localHost):\(localPort);branch=z9hG4bK\(token);rport\r\n"
            + "Max-Forwards: 70\r\n"
            + "From: <sip:lab-probe@\(localHost)>;tag=\(token)\r\n"
            + "To: <sip:\(host):\(port)>\r\n"
            + "Call-ID: \(token)@lab-probe\r\n"
            + "CSeq: 1 OPTIONS\r\n"
            + "Accept: application/sdp\r\n"
            + "Content-Length: 0\r\n\r\n"
    }

    /// Status code of "SIP/2.0 NNN …", or nil for anything else.
    static func statusCode(of head: ByteBuffer) -> Int? {
        guard let line = head.getString(at: head.readerIndex, length: min(head.readableBytes, 12)),
            line.hasPrefix("SIP/2.0 ")
        else { return nil }
        return Int(line.dropFirst(8).prefix(3))
    }
}

/// First datagram that is a SIP response settles the promise; later ones are ignored.
private final class DatagramAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let answer: EventLoopPromise<Int?>

    init(answer: EventLoopPromise<Int?>) { self.answer = answer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        if let code = SIPOptionsProbe.statusCode(of: envelope.data), code >= 200 { answer.succeed(code) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { answer.fail(error) }
}

/// Reads the first status line off the stream (a leading keep-alive CRLF is skipped); the rest of the
/// message does not matter to a probe. Bounded: a peer that never sends one is closed.
private final class StreamAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let answer: EventLoopPromise<Int?>
    private var buffer = ByteBuffer()

    init(answer: EventLoopPromise<Int?>) { self.answer = answer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        while buffer.readableBytes > 0,
            buffer.getInteger(at: buffer.readerIndex, as: UInt8.self).map({ $0 == 13 || $0 == 10 }) == true
        {
            buffer.moveReaderIndex(forwardBy: 1)
        }
        if buffer.readableBytes >= 12 {
            if let code = SIPOptionsProbe.statusCode(of: buffer), code >= 200 { answer.succeed(code) }
            buffer.clear()
        }
        if buffer.readableBytes > 65_536 { context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) { answer.succeed(nil) }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        answer.fail(error)
        context.close(promise: nil)
    }
}
