import NIOCore
import NIOEmbedded
import SIPCore
import Testing

@testable import SIPTransport

/// The stream decoder's rules on an embedded channel, whose clock only moves when the test says so:
/// a bad message costs only itself, and a partial message must complete in time.
@Suite struct StreamDecoderTests {
    static func options(cseq: String, callID: String) -> String {
        "OPTIONS sip:peer@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK\(callID);rport\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:raw@127.0.0.1>;tag=r\r\nTo: <sip:peer@127.0.0.1>\r\n"
            + "Call-ID: \(callID)\r\nCSeq: \(cseq)\r\nContent-Length: 5\r\n\r\nhello"
    }

    /// Notes the decoder's timeout event.
    final class EventCatcher: ChannelInboundHandler {
        typealias InboundIn = SIPStreamDecoder.Frame
        typealias InboundOut = SIPStreamDecoder.Frame
        var timedOut: [SIPStreamDecoder.PartialMessageTimedOut] = []

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? SIPStreamDecoder.PartialMessageTimedOut { timedOut.append(event) }
            context.fireUserInboundEventTriggered(event)
        }
    }

    static func channel(timeout: TimeAmount?) throws -> (EmbeddedChannel, EventCatcher) {
        let catcher = EventCatcher()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(SIPStreamDecoder(options: .default, partialMessageTimeout: timeout)))
        try channel.pipeline.syncOperations.addHandler(catcher)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5060)).wait()
        return (channel, catcher)
    }

    static func frames(_ channel: EmbeddedChannel) throws -> [String] {
        var kinds: [String] = []
        while let frame = try channel.readInbound(as: SIPStreamDecoder.Frame.self) {
            switch frame {
            case .message(let message): kinds.append("message \(message.headers.first(.callID) ?? "?")")
            case .malformed(_, let error): kinds.append("malformed \(error.code)")
            case .ping: kinds.append("ping")
            case .pong: kinds.append("pong")
            }
        }
        return kinds
    }

    @Test func aMessageThatFramesButDoesNotParseCostsOnlyItself() throws {
        let (channel, _) = try Self.channel(timeout: .seconds(10))
        try channel.writeInbound(
            ByteBuffer(
                string: Self.options(cseq: "-1 OPTIONS", callID: "bad")
                    + Self.options(cseq: "2 OPTIONS", callID: "good")))
        let kinds = try Self.frames(channel)
        #expect(kinds.count == 2)
        #expect(kinds.first?.hasPrefix("malformed") == true)
        #expect(kinds.last == "message good")
        #expect(channel.isActive)
        _ = try? channel.finish()
    }

    @Test func lostFramingIsStillAnError() throws {
        let (channel, _) = try Self.channel(timeout: .seconds(10))
        #expect(throws: SIPParseError.self) {
            try channel.writeInbound(ByteBuffer(string: "OPTIONS sip:x SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n"))
        }
        _ = try? channel.finish()
    }

    @Test func aPartialMessageIsClosedWhenItsTimeIsUp() throws {
        let (channel, catcher) = try Self.channel(timeout: .milliseconds(300))
        let message = Self.options(cseq: "1 OPTIONS", callID: "slow")
        try channel.writeInbound(ByteBuffer(string: String(message.prefix(20))))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        // More bytes of the same message do not move its deadline: it counts from the first byte.
        try channel.writeInbound(ByteBuffer(string: String(message.dropFirst(20).prefix(40))))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(99))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
        #expect(catcher.timedOut.map(\.timeout) == [.milliseconds(300)])
        #expect(try Self.frames(channel).isEmpty)
    }

    @Test func aMessageCompletedInTimeDisarmsTheDeadline() throws {
        let (channel, catcher) = try Self.channel(timeout: .milliseconds(300))
        let message = Self.options(cseq: "1 OPTIONS", callID: "ok")
        try channel.writeInbound(ByteBuffer(string: String(message.prefix(50))))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(250))
        try channel.writeInbound(ByteBuffer(string: String(message.dropFirst(50))))
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(channel.isActive)
        #expect(catcher.timedOut.isEmpty)
        #expect(try Self.frames(channel) == ["message ok"])
        _ = try? channel.finish()
    }

    @Test func theNextPartialMessageGetsItsOwnDeadline() throws {
        let (channel, _) = try Self.channel(timeout: .milliseconds(300))
        let first = Self.options(cseq: "1 OPTIONS", callID: "one")
        try channel.writeInbound(ByteBuffer(string: String(first.prefix(10))))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(250))
        // The first message ends and a second begins in the same read: 300 ms from now, not from before.
        try channel.writeInbound(ByteBuffer(string: String(first.dropFirst(10)) + "OPTIONS sip:"))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(299))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
        #expect(try Self.frames(channel) == ["message one"])
    }

    @Test func aFlowCarryingOnlyKeepAlivesIsNeverClosed() throws {
        let (channel, catcher) = try Self.channel(timeout: .milliseconds(300))
        for _ in 0..<100 {
            try channel.writeInbound(ByteBuffer(string: "\r\n\r\n"))
            channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        }
        // A ping split across reads waits for its second half like a message would, and completes.
        try channel.writeInbound(ByteBuffer(string: "\r\n\r"))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(100))
        try channel.writeInbound(ByteBuffer(string: "\n"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        #expect(channel.isActive)
        #expect(catcher.timedOut.isEmpty)
        #expect(try Self.frames(channel) == Array(repeating: "ping", count: 101))
        _ = try? channel.finish()
    }

    @Test func withoutATimeoutAPartialMessageMayWait() throws {
        // Flows we opened are built without a timeout: the site is trusted to finish its messages.
        let (channel, catcher) = try Self.channel(timeout: nil)
        try channel.writeInbound(ByteBuffer(string: "SIP/2.0 200 OK\r\nVia: "))
        channel.embeddedEventLoop.advanceTime(by: .hours(1))
        #expect(channel.isActive)
        #expect(catcher.timedOut.isEmpty)
        _ = try? channel.finish()
    }
}
