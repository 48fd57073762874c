import Logging
import NIOCore
import NIOSSL
import NIOTLS
import SIPCore

/// The last handler of a TCP/TLS pipeline: delivers messages, answers keep-alive pings with pongs,
/// drives the keep-alive machine on flows we opened, and reports the connection's end.
final class SIPStreamConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = SIPStreamDecoder.Frame
    typealias OutboundOut = ByteBuffer

    private let layer: SIPTransportLayer
    private let connection: SIPConnection
    private let waitsForTLSHandshake: Bool
    private var keepAlive: SIPKeepAliveStateMachine?
    private var keepAliveTimer: Scheduled<Void>?
    /// The end was reported (a channel that never connected sees `handlerRemoved` but no `channelInactive`).
    private var finished = false

    static let ping = ByteBuffer(string: "\r\n\r\n")
    static let pong = ByteBuffer(string: "\r\n")

    init(layer: SIPTransportLayer, connection: SIPConnection, keepAlive: SIPKeepAliveStateMachine?) {
        self.layer = layer
        self.connection = connection
        self.waitsForTLSHandshake = connection.transport == .tls
        self.keepAlive = keepAlive
    }

    func channelActive(context: ChannelHandlerContext) {
        if !waitsForTLSHandshake { becameReady(context: context) }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            becameReady(context: context)
        } else if let timedOut = event as? SIPStreamDecoder.PartialMessageTimedOut {
            layer.logger.notice(
                "closing connection whose message did not complete in time",
                metadata: [
                    "sip.flow": "\(connection.flow.map(\.description) ?? "?")", "sip.timeout": "\(timedOut.timeout)",
                ])
            if connection.failure == nil {
                connection.failure = SIPTransportError(
                    .connectionClosed, "a message did not complete within \(timedOut.timeout) of its first byte")
            }
            context.close(promise: nil)
        } else if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            layer.logger.info(
                "closing idle connection", metadata: ["sip.flow": "\(connection.flow.map(\.description) ?? "?")"])
            connection.closedByUs = true
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func becameReady(context: ChannelHandlerContext) {
        guard !connection.isReady, !finished else { return }
        guard layer.connectionBecameReady(connection) else { return }
        connection.markReady()
        if let action = keepAlive?.start(now: .now()) { perform(action, context: context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .message(let message):
            layer.receivedStreamMessage(message, on: connection)
        case .malformed(let bytes, let error):
            layer.receivedMalformedStreamMessage(bytes, error: error, on: connection)
        case .ping:
            // RFC 5626 §4.4.1: answer a double CRLF with a single CRLF.
            context.writeAndFlush(Self.wrapOutboundOut(Self.pong), promise: nil)
        case .pong:
            if let action = keepAlive?.pongReceived(now: .now()) { perform(action, context: context) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let reason: SIPTransportError
        if let parse = error as? SIPParseError {
            // Only framing errors get here; a message that framed but did not parse arrives as `.malformed`.
            layer.logger.warning(
                "closing connection that sent unframeable bytes",
                metadata: ["sip.flow": "\(connection.flow.map(\.description) ?? "?")", "sip.error": "\(parse)"])
            reason = SIPTransportError(.connectionClosed, "peer sent unframeable bytes: \(parse)")
        } else if !connection.isReady, connection.transport == .tls {
            reason = SIPTransportError(.tlsHandshakeFailed, "\(error)")
        } else {
            layer.logger.debug(
                "connection error",
                metadata: ["sip.flow": "\(connection.flow.map(\.description) ?? "?")", "sip.error": "\(error)"])
            reason = SIPTransportError(.connectionClosed, "\(error)")
        }
        if connection.failure == nil { connection.failure = reason }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        keepAliveTimer?.cancel()
        keepAliveTimer = nil
        keepAlive?.stop()
        let reason = connection.failure ?? SIPTransportError(.connectionClosed, "closed by the peer")
        connection.markFailedBeforeReady(reason)
        layer.connectionClosed(connection, reason: reason)
    }

    private func perform(_ action: SIPKeepAliveStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .armTimer(let deadline):
            arm(deadline, context: context)
        case .sendPing(let pongDeadline):
            context.writeAndFlush(Self.wrapOutboundOut(Self.ping), promise: nil)
            arm(pongDeadline, context: context)
        case .reportFailure(let waited):
            layer.logger.notice(
                "keep-alive pong missing, flow failed",
                metadata: ["sip.flow": "\(connection.flow.map(\.description) ?? "?")", "sip.waited": "\(waited)"])
            connection.failure = SIPTransportError(.keepAliveTimeout, "no CRLF pong within \(waited)")
            context.close(promise: nil)
        }
    }

    private func arm(_ deadline: NIODeadline, context: ChannelHandlerContext) {
        keepAliveTimer?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        keepAliveTimer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            guard let action = handler.keepAlive?.timerFired(now: .now()) else { return }
            handler.perform(action, context: context)
        }
    }
}
