import NIOCore
import Testing

@testable import SIPCore

@Suite("Limits")
struct LimitsTests {
    func parse(_ text: String, limits: SIPParserLimits) throws(SIPParseError) -> SIPMessage {
        try SIPMessage(parsing: text, options: SIPParserOptions(limits: limits))
    }

    @Test func eachLimitIsANamedError() {
        let base = request(with: "Subject: " + String(repeating: "s", count: 300))
        #expect(throws: SIPParseError(.messageTooLarge, "")) {
            try parse(base, limits: SIPParserLimits(maximumMessageSize: 200))
        }
        #expect(throws: SIPParseError(.lineTooLong, "")) {
            try parse(base, limits: SIPParserLimits(maximumLineLength: 100))
        }
        #expect(throws: SIPParseError(.tooManyHeaders, "")) {
            try parse(base, limits: SIPParserLimits(maximumHeaderCount: 4))
        }
        #expect(throws: SIPParseError(.uriTooLong, "")) {
            try parse(base, limits: SIPParserLimits(maximumURILength: 8))
        }
        let body = sip(
            "MESSAGE sip:b@example.com SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1", "From: <sip:a@b>;tag=1",
            "To: <sip:b@b>", "Call-ID: x", "CSeq: 1 MESSAGE", "Content-Length: 50", "",
            String(repeating: "b", count: 50))
        #expect(throws: SIPParseError(.bodyTooLarge, "")) {
            try parse(body, limits: SIPParserLimits(maximumBodySize: 10))
        }
    }

    @Test func hugeContentLengthDoesNotAllocate() {
        let text = request().replacingOccurrences(of: "Content-Length: 0", with: "Content-Length: 99999999999999999999")
        #expect(rejection(text)?.code == .invalidContentLength)
    }

    @Test func garbageIsAnErrorNotATrap() {
        for garbage in [
            "", "\r\n\r\n", "\u{0}\u{1}\u{2}", "SIP/2.0", "INVITE", "INVITE sip:a@b SIP/2.0", ":\r\n\r\n",
            "SIP/2.0 20 OK\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\n folded-first\r\n\r\n",
        ] {
            #expect(rejection(garbage) != nil, "accepted \(garbage.debugDescription)")
        }
    }

    @Test func bareLineFeedsOnlyWhenAllowed() throws {
        let lf = request().replacingOccurrences(of: "\r\n", with: "\n")
        #expect(rejection(lf)?.code == .malformedHeaderLine)
        let m = try SIPMessage(parsing: lf, options: SIPParserOptions(acceptsBareLineFeeds: true))
        #expect(m.usedBareLineFeeds)
        #expect(try m.cseq.method == .options)
    }
}

@Suite("Serialization")
struct SerializationTests {
    @Test func builtMessageGetsContentLength() throws {
        var headers = SIPHeaders()
        headers.add(.via, SIPVia(transport: "udp", host: "127.0.2.1", port: 5060, branch: "z9hG4bK.built").description)
        headers.add(
            .from,
            SIPNameAddress(displayName: "Agent", uri: try SIPURI("sip:7001@example.com"), parameters: ["tag": "t1"])
                .description)
        headers.add(.to, SIPNameAddress(uri: try SIPURI("sip:9000@example.com")).description)
        headers.add(.callID, "built@127.0.2.1")
        headers.add(.cseq, SIPCSeq(1, .invite).description)
        headers.add(.maxForwards, "70")
        let m = SIPMessage.request(
            method: .invite, uri: try SIPURI("sip:9000@example.com"), headers: headers,
            body: ByteBuffer(string: "v=0\r\n"))
        let text = m.text
        #expect(
            text.hasPrefix(
                "INVITE sip:9000@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.2.1:5060;branch=z9hG4bK.built;rport\r\n")
        )
        #expect(text.hasSuffix("Content-Length: 5\r\n\r\nv=0\r\n"))
        let back = try SIPMessage(parsing: m.serialized, framing: .stream)
        try back.validate()
        #expect(try back.from.displayName == "Agent" && back.from.tag == "t1")
        #expect(back.bodyText == "v=0\r\n")
    }

    @Test func contentLengthFollowsTheBody() throws {
        var m = try parse(request())
        m.body = ByteBuffer(string: "0123456789")
        let back = try SIPMessage(parsing: m.serialized, framing: .stream)
        #expect(back.headers.values(for: .contentLength) == ["10"])
        #expect(back.bodyText == "0123456789")
    }

    @Test func parsedMessagesRoundTripWithTheSameMeaning() throws {
        let folded = sip(
            "OPTIONS sip:bob@example.com SIP/2.0", "Via: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK1",
            "From: <sip:a@example.com>",
            "  ;tag=1", "To: <sip:bob@example.com>", "Call-ID: rt@1", "CSeq: 7 OPTIONS", "l: 0", "", "")
        let m = try parse(folded)
        let back = try SIPMessage(parsing: m.serialized)
        #expect(back.headers == m.headers)
        #expect(try back.from.tag == "1")
        #expect(!m.text.contains("\r\n  ;tag"), "folding is removed when written")
        #expect(m.text.contains("l: 0\r\n"), "compact names are written as received")
    }

    @Test func responseStartLine() throws {
        var headers = SIPHeaders()
        headers.add(.via, "SIP/2.0/UDP h;branch=z9hG4bK1")
        let m = SIPMessage.response(statusCode: 486, headers: headers)
        #expect(m.text.hasPrefix("SIP/2.0 486 Busy Here\r\n"))
    }
}

@Suite("Byte classes")
struct ByteClassTests {
    /// The literal table must equal the RFC 3261 §25.1 sets it was generated from.
    @Test func tableMatchesTheGrammar() {
        let alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        let token = Set((alnum + "-.!%*_+`'~").utf8)
        let unreserved = Set((alnum + "-_.!~*'()").utf8)
        let word = Set((alnum + "-.!%*_+`'~()<>:\\\"/[]?{}").utf8)
        for b in UInt8.min...UInt8.max {
            #expect(b.isSIPToken == token.contains(b), "token \(b)")
            #expect(b.isIn(.unreserved) == unreserved.contains(b), "unreserved \(b)")
            #expect(b.isIn(.word) == word.contains(b), "word \(b)")
            #expect(b.isIn(.userUnreserved) == Set("&=+$,;?/".utf8).contains(b), "user-unreserved \(b)")
            #expect(b.isIn(.paramUnreserved) == Set("[]/:&+$".utf8).contains(b), "param-unreserved \(b)")
        }
    }
}

@Suite("Line ends")
struct LineEndTests {
    /// A CR inside a line is a line break to some peers: the message would mean two things.
    @Test func bareCRInsideALineIsRejected() {
        let text = request(with: "Subject: one\rVia: SIP/2.0/UDP evil;branch=z9hG4bKevil")
        #expect(rejection(text)?.code == .malformedHeaderLine)
        #expect(rejection(text)?.line == 8)
    }
}
