import NIOCore
import Testing

@testable import SIPCore

@Suite("Stream framing (TCP/TLS)")
struct StreamFramerTests {
    static let message = request(with: "Subject: framing")
    static let withBody = sip(
        "MESSAGE sip:bob@example.com SIP/2.0", "Via: SIP/2.0/TCP 127.0.2.1;branch=z9hG4bK9",
        "From: <sip:a@example.com>;tag=1",
        "To: <sip:bob@example.com>", "Call-ID: body@1", "CSeq: 2 MESSAGE", "Content-Type: text/plain",
        "Content-Length: 11", "",
        "hello world")

    /// Feeds `bytes` in chunks of `chunk` bytes, collecting every frame.
    static func frames(_ bytes: [UInt8], chunk: Int, role: SIPStreamFramer.KeepAliveRole = .pingSender) throws
        -> [SIPStreamFramer.Frame]
    {
        var framer = SIPStreamFramer(keepAliveRole: role)
        var buffer = ByteBuffer()
        var out: [SIPStreamFramer.Frame] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            buffer.writeBytes(bytes[offset..<end])
            offset = end
            while true {
                let frame = try framer.next(from: &buffer)
                if case .needMoreData = frame { break }
                out.append(frame)
            }
        }
        return out
    }

    @Test func dripFedByteByByte() throws {
        let bytes = Array((Self.message + Self.withBody).utf8)
        let frames = try Self.frames(bytes, chunk: 1)
        let messages = frames.compactMap { if case .message(let m) = $0 { m } else { nil } }
        #expect(messages.count == 2)
        #expect(messages[1].bodyText == "hello world")
        #expect(messages[0].headers.first(.subject) == "framing")
    }

    @Test func severalMessagesInOneRead() throws {
        let bytes = Array((Self.withBody + Self.message + Self.withBody).utf8)
        let frames = try Self.frames(bytes, chunk: bytes.count)
        #expect(frames.count == 3)
    }

    static func kinds(_ frames: [SIPStreamFramer.Frame]) -> [String] {
        frames.map { frame -> String in
            switch frame {
            case .ping: "ping"
            case .pong: "pong"
            case .message: "message"
            case .needMoreData: "more"
            }
        }
    }

    /// The pinged side (a flow we accepted) sees whole pings however the bytes are split.
    @Test(arguments: [1, 2, 3, 7, 64, 4096])
    func pingsArriveWholeAtTheReceiver(chunk: Int) throws {
        let bytes = Array(("\r\n\r\n" + Self.message + "\r\n\r\n" + Self.withBody + "\r\n\r\n").utf8)
        let kinds = Self.kinds(try Self.frames(bytes, chunk: chunk, role: .pingReceiver))
        #expect(kinds == ["ping", "message", "ping", "message", "ping"])
    }

    /// The pinging side (a flow we opened) reports a lone CRLF as the pong at once, without waiting for
    /// more bytes that will not come; pings from the server are still recognised when they arrive whole.
    @Test(arguments: [3, 7, 64, 4096])
    func pongsAtTheSender(chunk: Int) throws {
        let bytes = Array(("\r\n" + Self.message + "\r\n" + Self.withBody + "\r\n\r\n").utf8)
        let kinds = Self.kinds(try Self.frames(bytes, chunk: chunk))
        #expect(kinds.filter { $0 == "message" }.count == 2)
        #expect(Array(kinds.prefix(2)) == ["pong", "message"])
        var framer = SIPStreamFramer()
        var lone = ByteBuffer(string: "\r\n")
        guard case .pong = try framer.next(from: &lone) else {
            Issue.record("a lone CRLF is not reported as a pong")
            return
        }
    }

    @Test func missingContentLengthIsAnError() {
        let text = Self.message.replacingOccurrences(of: "Content-Length: 0\r\n", with: "")
        #expect(throws: SIPParseError(.missingContentLength, "")) { try Self.frames(Array(text.utf8), chunk: 10) }
    }

    @Test func endlessHeadersHitTheMessageLimit() {
        var framer = SIPStreamFramer(options: SIPParserOptions(limits: SIPParserLimits(maximumMessageSize: 1024)))
        var buffer = ByteBuffer(string: "INVITE sip:a@b SIP/2.0\r\n")
        var thrown: SIPParseError?
        for _ in 0..<200 where thrown == nil {
            buffer.writeString("X-Pad: 0123456789\r\n")
            do { _ = try framer.next(from: &buffer) } catch { thrown = error }
        }
        #expect(thrown?.code == .messageTooLarge)
    }

    @Test func headerEndSearchDoesNotRescan() throws {
        // A head split exactly inside the CRLFCRLF must still be found.
        let bytes = Array(Self.message.utf8)
        for split in (bytes.count - 4)...(bytes.count - 1) {
            var framer = SIPStreamFramer()
            var buffer = ByteBuffer(bytes: bytes[0..<split])
            guard case .needMoreData = try framer.next(from: &buffer) else {
                Issue.record("complete message reported at split \(split)")
                continue
            }
            buffer.writeBytes(bytes[split...])
            guard case .message = try framer.next(from: &buffer) else {
                Issue.record("message not found after split \(split)")
                continue
            }
        }
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
