import NIOCore
import NIOPosix
import SIPCore
import SIPTestSupport
import SIPTransport
import Testing

/// Stream framing over a real socket, and the rules for bad input: nothing traps, a malformed request
/// gets 400 when it can be answered, other garbage is dropped, and a stream that cannot be framed is closed.
@Suite(.timeLimit(.minutes(1))) struct MalformedInputTests {
    static func options(_ n: Int) -> String {
        "OPTIONS sip:peer@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKdrip\(n);rport\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:raw@127.0.0.1>;tag=r\(n)\r\nTo: <sip:peer@127.0.0.1>\r\n"
            + "Call-ID: drip-\(n)\r\nCSeq: \(n) OPTIONS\r\nContent-Length: 5\r\n\r\nhello"
    }

    @Test func aMessageDripFedByteByByteIsFramed() async throws {
        // Each byte waits for its write to complete: with a hundred tests starting at once on two
        // cores the drip can outlast the transport's 10 s for a message begun, so the peer allows 50.
        try await withPeer(.init(partialMessageTimeout: .seconds(50))) { peer in
            let group = MultiThreadedEventLoopGroup.singleton
            let client = try await RawClient.tcp(to: try peer.address(.tcp), on: group)
            for byte in Self.options(1).utf8 {
                try await client.channel.writeAndFlush(ByteBuffer(bytes: [byte])).get()
            }
            let record = try #require(try await peer.waitForRecords().first)
            #expect(record.message.bodyText == "hello")
            _ = try await client.waitForText(containing: "SIP/2.0 200 OK")
            await client.close()
        }
    }

    @Test func severalMessagesInOneWriteAreEachFramed() async throws {
        try await withPeer { peer in
            let group = MultiThreadedEventLoopGroup.singleton
            let client = try await RawClient.tcp(to: try peer.address(.tcp), on: group)
            try await client.write(Self.options(1) + "\r\n\r\n" + Self.options(2) + Self.options(3))
            let records = try await peer.waitForRecords(count: 3)
            #expect(records.map { try? $0.message.callID } == ["drip-1", "drip-2", "drip-3"])
            // The ping between them got its pong (RFC 5626 §4.4.1) and each request its 200.
            let text = try await client.waitForText(containing: "drip-3")
            #expect(
                text.hasPrefix("SIP/2.0 200 OK") || text.contains("\r\n\r\n\r\nSIP/2.0") || text.contains("\r\nSIP/2.0")
            )
            await client.close()
        }
    }

    @Test func aPingIsAnsweredWithAPong() async throws {
        try await withPeer { peer in
            let group = MultiThreadedEventLoopGroup.singleton
            let client = try await RawClient.tcp(to: try peer.address(.tcp), on: group)
            try await client.write("\r\n\r\n")
            #expect(try await client.waitForText(containing: "\r\n") == "\r\n")
            await client.close()
        }
    }

    @Test func garbageOnTCPClosesTheConnection() async throws {
        try await withPeer { peer in
            let group = MultiThreadedEventLoopGroup.singleton
            let client = try await RawClient.tcp(to: try peer.address(.tcp), on: group)
            // A header block without Content-Length cannot be framed on a stream (§18.3).
            try await client.write("HELLO sip:x SIP/2.0\r\nX: y\r\n\r\n")
            let closed = Task { try await client.channel.closeFuture.get() }
            let outcome = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await closed.value
                    return true
                }
                group.addTask {
                    // The close comes at once; 10 s is for a loaded machine.
                    try await Task.sleep(for: .seconds(10))
                    return false
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                return first
            }
            #expect(outcome, "the peer should close a connection that sent unframeable bytes")
            #expect(peer.received.isEmpty)
        }
    }

    @Test func aMalformedUDPRequestGets400() async throws {
        try await withPeer { peer in
            let group = MultiThreadedEventLoopGroup.singleton
            let client = try await RawClient.udp(on: group)
            try await client.send(BadRequestResponderTests.badCSeq, to: try peer.address(.udp))
            let text = try await client.waitForText(containing: "SIP/2.0 400")
            // Not parsed back: it carries the request's broken CSeq, as it must for matching.
            let statusLine = text.prefix { $0 != "\r" }
            #expect(statusLine.hasPrefix("SIP/2.0 400 Bad Request (line 6: CSeq"))
            #expect(text.contains("Call-ID: bad-1\r\n"))
            #expect(text.contains("branch=z9hG4bKbad"))
            #expect(peer.received.isEmpty)
            await client.close()
        }
    }

    @Test func aMalformedResponseAndUnanswerableGarbageAreDropped() async throws {
        try await withPeer { peer in
            let group = MultiThreadedEventLoopGroup.singleton
            let client = try await RawClient.udp(on: group)
            let address = try peer.address(.udp)
            try await client.send("SIP/2.0 200 OK\r\nVia: nonsense\r\n\r\n", to: address)
            try await client.send("\u{1}\u{2}garbage", to: address)
            try await client.send("OPTIONS sip:x SIP/2.0\r\n\r\n", to: address)
            // Then a good request: it is answered, so the peer survived the bad ones.
            try await client.send(
                "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKok;rport\r\nFrom: <sip:a@b>;tag=1\r\n"
                    + "To: <sip:x@127.0.0.1>\r\nCall-ID: ok-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
                to: address)
            let text = try await client.waitForText(containing: "ok-1")
            #expect(text.hasPrefix("SIP/2.0 200 OK\r\n") && !text.contains("SIP/2.0 400"))
            #expect(peer.received.count == 1)
            await client.close()
        }
    }
}
