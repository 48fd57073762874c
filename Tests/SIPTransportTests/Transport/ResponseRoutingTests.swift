import NIOCore
import SIPCore
import Testing

@testable import SIPTransport

/// RFC 3261 §18.2.2 with RFC 3581 §4, as a table: no sockets.
@Suite struct ResponseRoutingTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var via: String
        var connectionIsOpen: Bool
        var expected: SIPResponseDestination
        var testDescription: String { "\(via) open=\(connectionIsOpen)" }
    }

    static let rows: [Row] = [
        // Reliable and the connection is open: that connection, whatever else the Via says.
        Row(
            via: "SIP/2.0/TCP 127.0.10.1:5070;branch=z9hG4bK1;received=192.0.2.1;rport=4000", connectionIsOpen: true,
            expected: .sameConnection),
        Row(via: "SIP/2.0/TLS host.example;branch=z9hG4bK1", connectionIsOpen: true, expected: .sameConnection),
        // Reliable and closed: received with the sent-by port (rport is for unreliable transports only).
        Row(
            via: "SIP/2.0/TCP 127.0.10.1:5070;branch=z9hG4bK1;received=192.0.2.1;rport=4000", connectionIsOpen: false,
            expected: .address(host: "192.0.2.1", port: 5070, transport: .tcp)),
        Row(
            via: "SIP/2.0/TLS host.example;branch=z9hG4bK1;received=192.0.2.1", connectionIsOpen: false,
            expected: .address(host: "192.0.2.1", port: 5061, transport: .tls)),
        // maddr wins over received.
        Row(
            via: "SIP/2.0/UDP 127.0.10.1:5070;branch=z9hG4bK1;maddr=239.1.1.1;received=192.0.2.1;rport=4000",
            connectionIsOpen: false, expected: .address(host: "239.1.1.1", port: 5070, transport: .udp)),
        // UDP with received and rport: both from the packet.
        Row(
            via: "SIP/2.0/UDP 127.0.10.1:5070;branch=z9hG4bK1;received=192.0.2.1;rport=4000", connectionIsOpen: false,
            expected: .address(host: "192.0.2.1", port: 4000, transport: .udp)),
        // UDP with received only: sent-by port, or 5060.
        Row(
            via: "SIP/2.0/UDP 127.0.10.1:5070;branch=z9hG4bK1;received=192.0.2.1", connectionIsOpen: false,
            expected: .address(host: "192.0.2.1", port: 5070, transport: .udp)),
        Row(
            via: "SIP/2.0/UDP 127.0.10.1;branch=z9hG4bK1;received=192.0.2.1", connectionIsOpen: false,
            expected: .address(host: "192.0.2.1", port: 5060, transport: .udp)),
        // rport without value (nobody stamped it): sent-by.
        Row(
            via: "SIP/2.0/UDP 127.0.10.1:5070;branch=z9hG4bK1;rport", connectionIsOpen: false,
            expected: .address(host: "127.0.10.1", port: 5070, transport: .udp)),
        // UDP ignores "open": there is no connection.
        Row(
            via: "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1", connectionIsOpen: true,
            expected: .address(host: "pc33.example.com", port: 5060, transport: .udp)),
        // IPv6: brackets off.
        // RFC 3261's grammar has received=IPv6address without brackets; SIPCore reads only the
        // bracketed form, which is what this SDK writes (see SIPVia.stampedOnReceipt).
        Row(
            via: "SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK1;received=[2001:db8::9];rport=4000",
            connectionIsOpen: false, expected: .address(host: "2001:db8::9", port: 4000, transport: .udp)),
        Row(
            via: "SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bK1", connectionIsOpen: false,
            expected: .address(host: "2001:db8::1", port: 5070, transport: .tcp)),
    ]

    @Test(arguments: rows)
    func routes(_ row: Row) throws {
        let via = try Self.via(row.via)
        #expect(SIPResponseRouting.destination(for: via, connectionIsOpen: row.connectionIsOpen) == row.expected)
    }

    @Test func unknownTransportHasNoRoute() throws {
        #expect(
            SIPResponseRouting.destination(for: try Self.via("SIP/2.0/SCTP h;branch=z9hG4bK1"), connectionIsOpen: false)
                == nil)
    }

    static func via(_ text: String) throws -> SIPVia {
        let message = try SIPMessage(
            parsing:
                "SIP/2.0 200 OK\r\nVia: \(text)\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        )
        return try message.topVia
    }
}

/// RFC 3261 §18.2.1 and RFC 3581 §4: what a server writes into the top Via on receipt.
@Suite struct ReceivedViaTests {
    let source = try! SocketAddress(ipAddress: "192.0.2.7", port: 40_001)

    @Test func sameHostWithoutRPortIsLeftAlone() throws {
        let via = try ResponseRoutingTests.via("SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1")
        #expect(via.stampedOnReceipt(from: source) == via)
    }

    @Test func otherHostGetsReceived() throws {
        let via = try ResponseRoutingTests.via("SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK1")
        let stamped = via.stampedOnReceipt(from: source)
        #expect(stamped.received == "192.0.2.7")
        #expect(!stamped.hasRPort)
    }

    @Test func rportGetsSourcePortAndReceivedEvenForTheSameHost() throws {
        let via = try ResponseRoutingTests.via("SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1;rport")
        let stamped = via.stampedOnReceipt(from: source)
        #expect(stamped.rport == 40_001)
        #expect(stamped.received == "192.0.2.7")
        #expect(stamped.description == "SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1;rport=40001;received=192.0.2.7")
    }

    @Test func ipv6ReceivedIsBracketed() throws {
        let v6 = try SocketAddress(ipAddress: "2001:db8::9", port: 4000)
        let via = try ResponseRoutingTests.via("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;rport")
        #expect(via.stampedOnReceipt(from: v6).received == "[2001:db8::9]")
    }

    @Test func ipv6SentByComparesAsAnAddress() throws {
        let v6 = try SocketAddress(ipAddress: "2001:db8::1", port: 5060)
        let via = try ResponseRoutingTests.via("SIP/2.0/UDP [2001:DB8:0::1]:5060;branch=z9hG4bK1")
        #expect(via.stampedOnReceipt(from: v6).received == nil)
    }

    @Test func topViaRewriteKeepsTheOtherViasOnItsLine() throws {
        var message = try SIPMessage(
            parsing:
                "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1;rport, SIP/2.0/UDP b.example;branch=z9hG4bK2\r\n"
                + "Via: SIP/2.0/TCP c.example;branch=z9hG4bK3\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        )
        try message.replaceTopVia(try message.topVia.stampedOnReceipt(from: source))
        let vias = try message.via
        #expect(vias.count == 3)
        #expect(vias[0].received == "192.0.2.7")
        #expect(vias[0].rport == 40_001)
        #expect(vias[1].host == "b.example")
        #expect(vias[2].host == "c.example")
    }

    /// The IPv4 text the stamp and sent-by use is printed without `inet_ntop`: it must read exactly
    /// as `inet_ntop` prints it, for every octet width and the extremes; IPv6 is left to `inet_ntop`.
    @Test(arguments: [
        "0.0.0.0", "255.255.255.255", "127.0.0.1", "10.0.100.9", "1.20.3.200", "192.168.99.10", "9.99.100.255",
    ])
    func ipv4TextReadsAsInetNtopPrintsIt(_ ip: String) throws {
        let address = try SocketAddress(ipAddress: ip, port: 5060)
        #expect(address.ipv4Text == address.ipAddress)
        #expect(address.ipv4Text == ip)
        #expect(address.sipHost == ip)
        let v6 = try SocketAddress(ipAddress: "2001:db8::9", port: 5060)
        #expect(v6.ipv4Text == nil)
        #expect(v6.sipHost == "[2001:db8::9]")
    }

    @Test func freshBranchesCarryTheMagicCookieAndDiffer() {
        let a = SIPVia.forNewTransaction(transport: .udp)
        let b = SIPVia.forNewTransaction(transport: .udp)
        #expect(a.branch?.hasPrefix("z9hG4bK") == true)
        #expect(a.branch?.count == 23)
        #expect(a.branch != b.branch)
        #expect(a.hasRPort)
    }
}

/// A request that cannot be parsed gets a 400 that names the problem when it can be matched.
@Suite struct BadRequestResponderTests {
    static let badCSeq =
        "OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bKbad;rport\r\n"
        + "From: <sip:x@y>;tag=9\r\nTo: <sip:a@127.0.0.1>\r\nCall-ID: bad-1\r\nCSeq: nine OPTIONS\r\nContent-Length: 0\r\n\r\n"

    @Test func answersWithTheRequestsIdentifiersAndTheReason() throws {
        let error = try #require(throws: SIPParseError.self) { try SIPMessage(parsing: Self.badCSeq) }
        let response = try #require(SIPBadRequestResponder.response(to: ByteBuffer(string: Self.badCSeq), error: error))
        #expect(response.statusCode == 400)
        #expect(response.reasonPhrase?.hasPrefix("Bad Request (") == true)
        #expect(response.headers.first(.callID) == "bad-1")
        #expect(response.headers.first(.cseq) == "nine OPTIONS")
        #expect(try response.topVia.branch == "z9hG4bKbad")
    }

    /// RFC 3261 §21.5.7: a request of another SIP version is answered 505, not 400 and not silence.
    @Test func anotherSIPVersionIsAnswered505() throws {
        let text =
            "OPTIONS sip:a@b SIP/3.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKv3\r\nCall-ID: v3\r\n"
            + "CSeq: 1 OPTIONS\r\nFrom: <sip:x@h>;tag=1\r\nTo: <sip:a@b>\r\nMax-Forwards: 70\r\n\r\n"
        let error = try #require(throws: SIPParseError.self) { try SIPMessage(parsing: text) }
        #expect(error.code == .unsupportedVersion)
        let response = try #require(SIPBadRequestResponder.response(to: ByteBuffer(string: text), error: error))
        #expect(response.statusCode == 505 && response.reasonPhrase == "Version Not Supported")
        #expect(response.headers.first(.callID) == "v3")
        // "SIP/2.0" in another case is SIP 2.0, and something that is no version at all is not answered.
        #expect(SIPBadRequestResponder.isVersion(ArraySlice("sip/2.0".utf8)))
        #expect(!SIPBadRequestResponder.isVersion(ArraySlice("SIP/2".utf8)))
        #expect(!SIPBadRequestResponder.isVersion(ArraySlice("HTTP/1.1".utf8)))
        let http = "GET / HTTP/1.1\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKh\r\nCall-ID: h\r\nCSeq: 1 GET\r\n\r\n"
        #expect(
            SIPBadRequestResponder.response(
                to: ByteBuffer(string: http), error: SIPParseError(.malformedStartLine, "x")) == nil)
    }

    @Test func aResponseIsNeverAnswered() {
        let text = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: c\r\nCSeq: x\r\n\r\n"
        #expect(
            SIPBadRequestResponder.response(to: ByteBuffer(string: text), error: SIPParseError(.missingHeader, "x"))
                == nil)
    }

    @Test func withoutViaThereIsNoOneToAnswer() {
        let text = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n"
        #expect(
            SIPBadRequestResponder.response(to: ByteBuffer(string: text), error: SIPParseError(.missingHeader, "x"))
                == nil)
    }

    @Test func reasonPhraseIsPrintableAndBounded() {
        let reason = SIPBadRequestResponder.reasonPhrase(
            for: SIPParseError(.invalidHeaderValue, String(repeating: "é\r\n", count: 200)))
        #expect(reason.utf8.allSatisfy { (0x20...0x7E).contains($0) })
        #expect(reason.count < 140)
    }
}

/// RFC 5626 §4.4.1 as a value: time is an input, no timers.
@Suite struct KeepAliveStateMachineTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test func pingsAfterTheIntervalAndFailsWithoutAPong() {
        var machine = SIPKeepAliveStateMachine(interval: .seconds(30), pongTimeout: .seconds(10))
        #expect(machine.start(now: start) == .armTimer(start + .seconds(30)))
        #expect(machine.timerFired(now: start + .seconds(29)) == .armTimer(start + .seconds(30)))
        #expect(machine.timerFired(now: start + .seconds(30)) == .sendPing(pongDeadline: start + .seconds(40)))
        #expect(machine.timerFired(now: start + .seconds(40)) == .reportFailure(waited: .seconds(10)))
        #expect(machine.timerFired(now: start + .seconds(50)) == .none)
    }

    @Test func aPongRestartsTheInterval() {
        var machine = SIPKeepAliveStateMachine(interval: .seconds(30), pongTimeout: .seconds(10))
        _ = machine.start(now: start)
        _ = machine.timerFired(now: start + .seconds(30))
        #expect(machine.pongReceived(now: start + .seconds(31)) == .armTimer(start + .seconds(61)))
        #expect(machine.timerFired(now: start + .seconds(40)) == .armTimer(start + .seconds(61)))
    }

    @Test func anUnsolicitedPongChangesNothing() {
        var machine = SIPKeepAliveStateMachine(interval: .seconds(30), pongTimeout: .seconds(10))
        _ = machine.start(now: start)
        #expect(machine.pongReceived(now: start + .seconds(5)) == .none)
        #expect(machine.state == .waitingToPing(due: start + .seconds(30)))
    }
}
