import NIOCore
import SIPCore
import Testing

@testable import SIPMedia

/// Joins lines with CRLF and ends with one, as SDP is written on the wire.
func sdp(_ lines: String...) -> String { lines.map { $0 + "\r\n" }.joined() }

@Suite("SDP parsing and serialization")
struct SDPParsingTests {
    static let asteriskOffer = sdp(
        "v=0",
        "o=- 1681234567 1681234567 IN IP4 192.0.2.10",
        "s=Asterisk",
        "c=IN IP4 192.0.2.10",
        "t=0 0",
        "m=audio 18920 RTP/AVP 0 8 3 101",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:3 GSM/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-16",
        "a=ptime:20",
        "a=maxptime:150",
        "a=sendrecv")

    static let sippOffer = sdp(
        "v=0",
        "o=user1 53655765 2353687637 IN IP4 127.0.0.1",
        "s=-",
        "c=IN IP4 127.0.0.1",
        "t=0 0",
        "m=audio 6000 RTP/AVP 0",
        "a=rtpmap:0 PCMU/8000")

    /// What a Kamailio site with rtpengine relays: bandwidth lines, an unknown session attribute, a
    /// dynamic codec with fmtp, a=rtcp (RFC 3605) and attributes in no particular order.
    static let kamailioRelayedOffer = sdp(
        "v=0",
        "o=- 3894567123 3894567124 IN IP4 127.0.10.5",
        "s=Kamailio",
        "c=IN IP4 203.0.113.7",
        "b=AS:84",
        "t=0 0",
        "a=nortpproxy:yes",
        "m=audio 30000 RTP/AVP 8 0 96 101",
        "b=TIAS:64000",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:96 opus/48000/2",
        "a=fmtp:96 useinbandfec=1",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-15",
        "a=rtcp:30001",
        "a=sendrecv",
        "a=ptime:20")

    /// Every optional session field, a repeat line, an IPv6 stream with its own c=, a rejected video
    /// stream and a type letter RFC 4566 does not define.
    static let everything = sdp(
        "v=0",
        "o=alice 2890844526 2890842807 IN IP4 198.51.100.1",
        "s=SDP Seminar",
        "i=A Seminar on the session description protocol",
        "u=http://www.example.com/seminars/sdp.pdf",
        "e=j.doe@example.com (Jane Doe)",
        "p=+1 617 555-6011",
        "c=IN IP4 198.51.100.1",
        "b=CT:128",
        "t=2873397496 2873404696",
        "r=7d 1h 0 25h",
        "z=2882844526 -1h 2898848070 0",
        "x=proprietary line",
        "a=recvonly",
        "m=audio 49170 RTP/AVP 0",
        "i=the voice",
        "c=IN IP6 2001:db8::1",
        "a=rtcp-mux",
        "m=video 0 RTP/AVP 31",
        "a=rtpmap:31 H261/90000")

    @Test(arguments: [asteriskOffer, sippOffer, kamailioRelayedOffer, everything])
    func realWorldDescriptionsRoundTrip(_ text: String) throws {
        let description = try SessionDescription(parsing: text)
        #expect(description.text == text)
        #expect(try SessionDescription(parsing: description.text) == description)
    }

    @Test func typedFieldsOfAnAsteriskOffer() throws {
        let d = try SessionDescription(parsing: Self.asteriskOffer)
        #expect(d.origin.sessionID == 1_681_234_567 && d.origin.sessionVersion == 1_681_234_567)
        #expect(d.origin.address == SDPConnection(addressType: "IP4", address: "192.0.2.10"))
        #expect(d.connection?.address == "192.0.2.10")
        let audio = try #require(d.media.first)
        #expect(audio.media == "audio" && audio.port == 18920 && audio.proto == "RTP/AVP")
        #expect(audio.formats == ["0", "8", "3", "101"])
        #expect(audio.payloadFormats.map(\.encodingName) == ["PCMU", "PCMA", "GSM", "telephone-event"])
        #expect(audio.payloadFormats.last?.parameters == "0-16")
        #expect(audio.ptime == 20 && audio.direction == .sendrecv)
        #expect(audio.attribute("maxptime") == "150")
        #expect(d.direction(of: audio) == .sendrecv)
    }

    @Test func typedFieldsOfARelayedOffer() throws {
        let d = try SessionDescription(parsing: Self.kamailioRelayedOffer)
        let audio = try #require(d.media.first)
        #expect(audio.rtcp == SDPRTCPAttribute(port: 30001))
        #expect(audio.payloadFormats.map(\.payloadType) == [8, 0, 96, 101])
        #expect(
            audio.payloadFormats[2]
                == RTPPayloadFormat(
                    payloadType: 96, encodingName: "opus", clockRate: 48000, channels: 2, parameters: "useinbandfec=1"))
        #expect(d.attributes == [SDPAttribute("nortpproxy", "yes")])
        #expect(d.otherFields == [SDPField("b", "AS:84")])
        #expect(audio.otherFields == [SDPField("b", "TIAS:64000")])
    }

    @Test func mediaLevelFieldsOverrideTheSession() throws {
        let d = try SessionDescription(parsing: Self.everything)
        #expect(d.direction == .recvonly)
        #expect(d.direction(of: d.media[0]) == .recvonly)
        #expect(d.connection(of: d.media[0])?.addressType == "IP6")
        #expect(d.media[0].rtcpMux)
        #expect(d.media[1].isRejected)
        #expect(d.timing == [SDPTiming(start: 2_873_397_496, stop: 2_873_404_696, repeats: ["7d 1h 0 25h"])])
        #expect(d.otherFields.map(\.type) == ["i", "u", "e", "p", "b", "z", "x"])
    }

    @Test func bareLineFeedsAreReadAndCRLFIsWritten() throws {
        // "\r\n" is one Character in Swift.
        let lf = String(Self.sippOffer.map { $0 == "\r\n" ? "\n" : $0 })
        #expect(!lf.utf8.contains(UInt8(ascii: "\r")))
        #expect(try SessionDescription(parsing: lf).text == Self.sippOffer)
        #expect(
            try SessionDescription(parsing: Self.sippOffer + "\r\n\r\n").text == Self.sippOffer, "trailing empty lines")
        let noFinalEnd = String(Self.sippOffer.dropLast())  // "\r\n" is one Character
        #expect(try SessionDescription(parsing: noFinalEnd).text == Self.sippOffer)
    }

    @Test func portCountAndRejectedStreamWithoutConnection() throws {
        let text = sdp(
            "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0", "m=audio 0 RTP/AVP 0", "m=audio 49170/2 RTP/AVP 0",
            "c=IN IP4 192.0.2.1")
        let d = try SessionDescription(parsing: text)
        #expect(d.media[1].portCount == 2)
        #expect(d.text == text)
    }

    @Test func editedAttributesReplaceTheOldOnes() throws {
        var audio = try SessionDescription(parsing: Self.asteriskOffer).media[0]
        audio.direction = .sendonly
        audio.ptime = 30
        audio.rtcpMux = true
        #expect(audio.attributes.filter { MediaDirection(attributeName: $0.name) != nil } == [SDPAttribute("sendonly")])
        #expect(audio.ptime == 30 && audio.rtcpMux)
        audio.direction = nil
        audio.rtcpMux = false
        #expect(audio.direction == nil && !audio.hasAttribute("rtcp-mux"))
    }

    @Test func sipMessageBodyCarriesTheDescription() throws {
        var message = SIPMessage.request(
            method: .invite, uri: try SIPURI("sip:9000@example.com"), headers: SIPHeaders())
        #expect(try message.sessionDescription() == nil)
        let description = try SessionDescription(parsing: Self.sippOffer)
        message.setSessionDescription(description)
        #expect(message.headers.first(.contentType) == "application/sdp")
        #expect(try message.sessionDescription() == description)
        message.headers.replaceOrAdd(.contentType, "text/plain")
        #expect(try message.sessionDescription() == nil)
    }
}

@Suite("SDP malformed input")
struct SDPMalformedTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let text: String
        let code: SDPParseError.Code
        let line: Int?
        var testDescription: String { name }
    }

    static let head = ["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-"]

    static func body(_ lines: String...) -> String { (head + lines).map { $0 + "\r\n" }.joined() }

    static let cases: [Case] = [
        Case(name: "empty", text: "", code: .missingLine, line: nil),
        Case(
            name: "version 1", text: sdp("v=1", "o=- 1 1 IN IP4 h", "s=-", "t=0 0"), code: .unsupportedVersion, line: 1),
        Case(name: "starts with o=", text: sdp("o=- 1 1 IN IP4 h", "s=-"), code: .missingLine, line: 1),
        Case(name: "s= before o=", text: sdp("v=0", "s=-", "o=- 1 1 IN IP4 h"), code: .missingLine, line: 2),
        Case(name: "no s=", text: sdp("v=0", "o=- 1 1 IN IP4 h", "t=0 0"), code: .missingLine, line: 3),
        Case(name: "only v=", text: sdp("v=0"), code: .missingLine, line: nil),
        Case(
            name: "o= with five fields", text: sdp("v=0", "o=- 1 IN IP4 h", "s=-", "t=0 0"), code: .invalidValue,
            line: 2),
        Case(
            name: "o= session id not a number", text: sdp("v=0", "o=- x1 1 IN IP4 h", "s=-", "t=0 0"),
            code: .invalidValue, line: 2),
        Case(
            name: "o= version too large", text: sdp("v=0", "o=- 1 99999999999999999999 IN IP4 h", "s=-", "t=0 0"),
            code: .invalidValue, line: 2),
        Case(name: "upper-case type", text: sdp("V=0"), code: .malformedLine, line: 1),
        Case(name: "no equals sign", text: body("c IN IP4 h"), code: .malformedLine, line: 4),
        Case(name: "space before equals", text: body("t =0 0"), code: .malformedLine, line: 4),
        Case(name: "c= address type IP5", text: body("c=IN IP5 h", "t=0 0"), code: .invalidValue, line: 4),
        Case(name: "c= network type", text: body("c=ATM IP4 h", "t=0 0"), code: .invalidValue, line: 4),
        Case(name: "second session c=", text: body("c=IN IP4 a", "c=IN IP4 b", "t=0 0"), code: .misplacedLine, line: 5),
        Case(name: "session c= after t=", text: body("t=0 0", "c=IN IP4 a"), code: .misplacedLine, line: 5),
        Case(name: "t= not numeric", text: body("t=now 0"), code: .invalidValue, line: 4),
        Case(name: "r= without t=", text: body("r=7d 1h 0", "t=0 0"), code: .misplacedLine, line: 4),
        Case(name: "no t=", text: body("c=IN IP4 h"), code: .missingLine, line: nil),
        Case(name: "m= before t=", text: body("c=IN IP4 h", "m=audio 4000 RTP/AVP 0"), code: .missingLine, line: 5),
        Case(
            name: "m= too short", text: body("c=IN IP4 h", "t=0 0", "m=audio 4000 RTP/AVP"), code: .invalidValue,
            line: 6),
        Case(
            name: "m= port 70000", text: body("c=IN IP4 h", "t=0 0", "m=audio 70000 RTP/AVP 0"), code: .invalidValue,
            line: 6),
        Case(
            name: "m= port negative", text: body("c=IN IP4 h", "t=0 0", "m=audio -1 RTP/AVP 0"), code: .invalidValue,
            line: 6),
        Case(
            name: "m= payload type 200", text: body("c=IN IP4 h", "t=0 0", "m=audio 4000 RTP/AVP 0 200"),
            code: .invalidValue, line: 6),
        Case(
            name: "m= payload type word", text: body("c=IN IP4 h", "t=0 0", "m=audio 4000 RTP/AVP PCMU"),
            code: .invalidValue, line: 6),
        Case(
            name: "stream without c=", text: body("t=0 0", "m=audio 4000 RTP/AVP 0", "a=sendrecv"), code: .missingLine,
            line: 5),
        Case(
            name: "second media c=", text: body("t=0 0", "m=audio 4000 RTP/AVP 0", "c=IN IP4 a", "c=IN IP4 b"),
            code: .misplacedLine, line: 7),
        Case(
            name: "t= inside media", text: body("c=IN IP4 h", "t=0 0", "m=audio 4000 RTP/AVP 0", "t=0 0"),
            code: .misplacedLine, line: 7),
        Case(name: "second o=", text: body("o=- 2 2 IN IP4 h", "t=0 0"), code: .misplacedLine, line: 4),
        Case(
            name: "rtpmap without rate", text: body("c=IN IP4 h", "t=0 0", "m=audio 4000 RTP/AVP 0", "a=rtpmap:0 PCMU"),
            code: .invalidValue, line: 7),
        Case(
            name: "rtpmap payload type 300",
            text: body("c=IN IP4 h", "t=0 0", "m=audio 4000 RTP/AVP 0", "a=rtpmap:300 PCMU/8000"), code: .invalidValue,
            line: 7),
        Case(
            name: "ptime not a number", text: body("c=IN IP4 h", "t=0 0", "m=audio 4000 RTP/AVP 0", "a=ptime:soon"),
            code: .invalidValue, line: 7),
        Case(
            name: "ptime zero", text: body("c=IN IP4 h", "t=0 0", "m=audio 4000 RTP/AVP 0", "a=ptime:0"),
            code: .invalidValue, line: 7),
        Case(
            name: "rtcp port word", text: body("c=IN IP4 h", "t=0 0", "m=audio 4000 RTP/AVP 0", "a=rtcp:next"),
            code: .invalidValue, line: 7),
        Case(
            name: "fmtp empty", text: body("c=IN IP4 h", "t=0 0", "m=audio 4000 RTP/AVP 0", "a=fmtp:"),
            code: .invalidValue, line: 7),
        Case(name: "attribute without name", text: body("c=IN IP4 h", "t=0 0", "a=:x"), code: .invalidValue, line: 6),
        Case(name: "empty line inside", text: body("c=IN IP4 h", "", "t=0 0"), code: .malformedLine, line: 5),
        Case(name: "NUL byte", text: body("c=IN IP4 h\u{0}", "t=0 0"), code: .invalidEncoding, line: 4),
    ]

    @Test(arguments: cases)
    func isRejectedWithItsLine(_ c: Case) {
        do {
            let parsed = try SessionDescription(parsing: c.text)
            Issue.record("accepted: \(parsed.text.debugDescription)")
        } catch {
            #expect(error.code == c.code, "\(error)")
            #expect(error.line == c.line, "\(error)")
        }
    }

    @Test func invalidUTF8IsAnEncodingError() {
        var bytes = Array(SDPParsingTests.sippOffer.utf8)
        bytes.insert(contentsOf: [0xC3, 0x28], at: bytes.count - 2)
        #expect(throws: SDPParseError(.invalidEncoding, "")) { try SessionDescription(parsing: bytes) }
    }

    @Test func eachLimitIsANamedError() {
        let text = SDPParsingTests.asteriskOffer
        func parse(_ limits: SDPParserLimits) throws(SDPParseError) {
            _ = try SessionDescription(parsing: text, limits: limits)
        }
        #expect(throws: SDPParseError(.tooLarge, "")) { try parse(SDPParserLimits(maximumSize: 100)) }
        #expect(throws: SDPParseError(.tooManyLines, "")) { try parse(SDPParserLimits(maximumLineCount: 5)) }
        #expect(throws: SDPParseError(.lineTooLong, "")) { try parse(SDPParserLimits(maximumLineLength: 20)) }
        #expect(throws: SDPParseError(.tooManyMedia, "")) { try parse(SDPParserLimits(maximumMediaCount: 0)) }
        #expect(throws: SDPParseError(.tooLarge, "")) {
            _ = try SessionDescription(parsing: ByteBuffer(string: text), limits: SDPParserLimits(maximumSize: 100))
        }
    }

    @Test func garbageIsAnErrorNotATrap() {
        for garbage in [
            "\r\n", "\n\n\n", "=", "v=", "v=0\r\no=", "v=0\r\no=\u{7F}", "a=b=c",
            String(repeating: "v=0\r\n", count: 300),
        ] {
            #expect(throws: SDPParseError.self, "\(garbage.debugDescription)") {
                try SessionDescription(parsing: garbage)
            }
        }
    }
}
