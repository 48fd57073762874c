import Testing

@testable import SIPMedia

/// A peer's description of one audio stream (plus any extra lines), as a Kamailio/SIPp/Asterisk
/// peer would write it.
func remote(
    formats: String = "0 8 101",
    _ attributes: [String] = [
        "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16",
    ],
    direction: String? = nil,
    port: Int = 5004,
    address: String = "198.51.100.7",
    version: Int = 7,
    before: [String] = [],
    after: [String] = []
) throws -> SessionDescription {
    var lines = ["v=0", "o=peer 42 \(version) IN IP4 \(address)", "s=-", "c=IN IP4 \(address)", "t=0 0"]
    lines += before
    lines += ["m=audio \(port) RTP/AVP \(formats)"] + attributes
    if let direction { lines.append("a=\(direction)") }
    lines += after
    return try SessionDescription(parsing: lines.map { $0 + "\r\n" }.joined())
}

func makeSession(address: String = "192.0.2.1", port: Int = 40000) -> OfferAnswerSession {
    OfferAnswerSession(configuration: MediaConfiguration(localAddress: address, rtpPort: port), sessionID: 1000)
}

/// The answer a peer sends to `offer`: RFC 3264 §6 done by this same machine on the other side.
func peerAnswer(to offer: SessionDescription) throws -> SessionDescription {
    var peer = OfferAnswerSession(
        configuration: MediaConfiguration(localAddress: "198.51.100.7", rtpPort: 5004), sessionID: 42)
    return try peer.receiveOffer(offer).answer
}

@Suite("Offer/answer: our offers (RFC 3264 §5, §7)")
struct OurOfferTests {
    @Test func initialOfferIsG711WithTelephoneEvents() throws {
        var session = makeSession()
        let offer = try session.makeOffer()
        #expect(
            offer.text
                == sdp(
                    "v=0",
                    "o=- 1000 1000 IN IP4 192.0.2.1",
                    "s=-",
                    "c=IN IP4 192.0.2.1",
                    "t=0 0",
                    "m=audio 40000 RTP/AVP 0 8 101",
                    "a=rtpmap:0 PCMU/8000",
                    "a=rtpmap:8 PCMA/8000",
                    "a=rtpmap:101 telephone-event/8000",
                    "a=fmtp:101 0-16",
                    "a=ptime:20",
                    "a=sendrecv"))
        #expect(session.state == .offerSent(offer))
    }

    @Test func ipv6AddressAndRTCPElsewhereAndMux() throws {
        var configuration = MediaConfiguration(
            localAddress: "2001:db8::5", rtpPort: 40000, rtcpPort: 40010, offersRTCPMux: false)
        var session = OfferAnswerSession(configuration: configuration, sessionID: 1)
        let offer = try session.makeOffer()
        #expect(offer.connection == SDPConnection(addressType: "IP6", address: "2001:db8::5"))
        #expect(offer.origin.address.addressType == "IP6")
        #expect(offer.media[0].rtcp == SDPRTCPAttribute(port: 40010))
        configuration.offersRTCPMux = true
        session = OfferAnswerSession(configuration: configuration, sessionID: 1)
        let muxed = try session.makeOffer()
        #expect(muxed.media[0].rtcpMux && muxed.media[0].rtcp == nil)
    }

    @Test func answerGivesTheNegotiatedMedia() throws {
        var session = makeSession()
        _ = try session.makeOffer()
        let answer = try remote(
            formats: "8 101",
            [
                "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15", "a=ptime:30",
                "a=rtcp:5010",
            ],
            direction: "sendrecv")
        let media = try session.receiveAnswer(answer)
        #expect(
            media
                == NegotiatedMedia(
                    codec: .pcma,
                    telephoneEvent: RTPPayloadFormat(
                        payloadType: 101, encodingName: "telephone-event", clockRate: 8000, parameters: "0-15"),
                    localAddress: "192.0.2.1", localRTPPort: 40000, localRTCPPort: 40001,
                    remoteAddress: "198.51.100.7", remoteRTPPort: 5004, remoteRTCPPort: 5010, rtcpMux: false,
                    direction: .sendrecv, ptime: 30))
        #expect(session.state == .stable && session.negotiated == media)
    }

    @Test func answerWithoutTelephoneEventsOrPtime() throws {
        var session = makeSession()
        _ = try session.makeOffer()
        let media = try session.receiveAnswer(remote(formats: "0", ["a=rtpmap:0 PCMU/8000"]))
        #expect(
            media.codec == .pcmu && media.telephoneEvent == nil && media.ptime == 20 && media.remoteRTCPPort == 5005)
    }

    @Test func muxOnlyWhenBothSidesSayIt() throws {
        var session = OfferAnswerSession(
            configuration: MediaConfiguration(localAddress: "192.0.2.1", rtpPort: 40000, offersRTCPMux: true),
            sessionID: 1)
        _ = try session.makeOffer()
        let media = try session.receiveAnswer(remote(formats: "0", ["a=rtcp-mux"]))
        #expect(media.rtcpMux && media.remoteRTCPPort == 5004 && media.localRTCPPort == 40000)
    }

    @Test func badAnswersAreErrors() throws {
        var session = makeSession()
        #expect(throws: OfferAnswerError(.noOfferPending, "")) { try session.receiveAnswer(remote()) }
        _ = try session.makeOffer()
        let twoStreams = try remote(after: ["m=video 0 RTP/AVP 31"])
        #expect(throws: OfferAnswerError(.invalidAnswer, "")) { try session.receiveAnswer(twoStreams) }
        #expect(session.state != .stable, "a malformed answer leaves the offer outstanding")

        #expect(throws: OfferAnswerError(.mediaRejected, "")) { try session.receiveAnswer(remote(port: 0)) }
        #expect(session.state == .stable)
        _ = try session.makeOffer()
        #expect(throws: OfferAnswerError(.mediaRejected, "")) { try session.receiveAnswer(remote(formats: "18", [])) }
        #expect(OfferAnswerError(.mediaRejected, "").sipStatusCode == nil)
    }
}

@Suite("Offer/answer: answering (RFC 3264 §6)")
struct AnswerTests {
    struct CodecCase: Sendable, CustomTestStringConvertible {
        let name: String
        let formats: String
        let attributes: [String]
        /// The m= formats of our answer, nil when the offer must get 488.
        let answered: [String]?
        let codec: RTPPayloadFormat?
        let eventPayloadType: UInt8?
        var testDescription: String { name }
    }

    static let codecCases: [CodecCase] = [
        CodecCase(
            name: "PCMU, PCMA, events", formats: "0 8 101",
            attributes: ["a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16"],
            answered: ["0", "8", "101"], codec: .pcmu, eventPayloadType: 101),
        CodecCase(
            name: "offerer's order wins", formats: "8 0", attributes: [],
            answered: ["8", "0"], codec: .pcma, eventPayloadType: nil),
        CodecCase(
            name: "G.729 first is skipped", formats: "18 8 101", attributes: ["a=rtpmap:101 telephone-event/8000"],
            answered: ["8", "101"], codec: .pcma, eventPayloadType: 101),
        CodecCase(
            name: "opus and PCMU", formats: "96 0", attributes: ["a=rtpmap:96 opus/48000/2"],
            answered: ["0"], codec: .pcmu, eventPayloadType: nil),
        CodecCase(
            name: "PCMU on a dynamic type", formats: "97", attributes: ["a=rtpmap:97 PCMU/8000"],
            answered: ["97"], codec: RTPPayloadFormat(payloadType: 97, encodingName: "PCMU", clockRate: 8000),
            eventPayloadType: nil),
        CodecCase(
            name: "events on their payload type", formats: "0 96", attributes: ["a=rtpmap:96 telephone-event/8000"],
            answered: ["0", "96"], codec: .pcmu, eventPayloadType: 96),
        CodecCase(
            name: "events at 48 kHz are not ours", formats: "0 100", attributes: ["a=rtpmap:100 telephone-event/48000"],
            answered: ["0"], codec: .pcmu, eventPayloadType: nil),
        CodecCase(
            name: "G.729 and GSM only", formats: "18 3", attributes: [], answered: nil, codec: nil,
            eventPayloadType: nil),
        CodecCase(
            name: "events only", formats: "101", attributes: ["a=rtpmap:101 telephone-event/8000"],
            answered: nil, codec: nil, eventPayloadType: nil),
        CodecCase(
            name: "dynamic type without rtpmap", formats: "96", attributes: [], answered: nil, codec: nil,
            eventPayloadType: nil),
    ]

    @Test(arguments: codecCases)
    func codecIntersection(_ c: CodecCase) throws {
        var session = makeSession()
        let offer = try remote(formats: c.formats, c.attributes)
        guard let answered = c.answered else {
            do {
                _ = try session.receiveOffer(offer)
                Issue.record("accepted an offer with no common codec")
            } catch {
                #expect(error.code == .noCommonCodec && error.sipStatusCode == 488)
                #expect(session.localDescription == nil && session.negotiated == nil, "nothing changes")
            }
            return
        }
        let (answer, media) = try session.receiveOffer(offer)
        #expect(answer.media[0].formats == answered)
        #expect(answer.media[0].port == 40000)
        #expect(media.codec == c.codec)
        #expect(media.telephoneEvent?.payloadType == c.eventPayloadType)
        if let pt = c.eventPayloadType { #expect(answer.media[0].formatParameters(for: pt) == "0-16") }
        #expect(answer.media[0].ptime == 20)
        #expect(media.remoteAddress == "198.51.100.7" && media.remoteRTPPort == 5004)
    }

    struct DirectionCase: Sendable, CustomTestStringConvertible {
        let offered: String?
        let holding: Bool
        let answered: MediaDirection
        var testDescription: String {
            "\(offered ?? "none") while \(holding ? "holding" : "not holding") → \(answered)"
        }
    }

    static let directionCases: [DirectionCase] = [
        DirectionCase(offered: nil, holding: false, answered: .sendrecv),
        DirectionCase(offered: "sendrecv", holding: false, answered: .sendrecv),
        DirectionCase(offered: "sendonly", holding: false, answered: .recvonly),
        DirectionCase(offered: "recvonly", holding: false, answered: .sendonly),
        DirectionCase(offered: "inactive", holding: false, answered: .inactive),
        DirectionCase(offered: "sendrecv", holding: true, answered: .sendonly),
        DirectionCase(offered: "sendonly", holding: true, answered: .inactive),
        DirectionCase(offered: "recvonly", holding: true, answered: .sendonly),
        DirectionCase(offered: "inactive", holding: true, answered: .inactive),
    ]

    @Test(arguments: directionCases)
    func directionMirrorsTheOffer(_ c: DirectionCase) throws {
        var session = makeSession()
        if c.holding {
            _ = try session.receiveOffer(remote())
            _ = try session.hold()
            _ = try session.receiveAnswer(peerAnswer(to: #require(session.localDescription)))
        }
        let (answer, media) = try session.receiveOffer(remote(direction: c.offered))
        #expect(answer.media[0].direction == c.answered)
        #expect(media.direction == c.answered)
    }

    @Test func sessionLevelDirectionAndRFC2543Hold() throws {
        var session = makeSession()
        let sessionLevel = try remote(before: ["a=sendonly"])
        #expect(try session.receiveOffer(sessionLevel).media.direction == .recvonly)
        let zeroAddress = try remote(address: "0.0.0.0", version: 8)
        let (answer, media) = try session.receiveOffer(zeroAddress)
        #expect(answer.media[0].direction == .recvonly, "c=0.0.0.0 receives nothing: we only receive")
        #expect(media.direction == .recvonly && session.isHeldByRemote)
    }

    @Test func rejectedAndForeignStreamsGetPortZero() throws {
        var session = makeSession()
        let offer = try SessionDescription(
            parsing: sdp(
                "v=0", "o=peer 42 7 IN IP4 198.51.100.7", "s=-", "c=IN IP4 198.51.100.7", "t=0 0",
                "m=video 5006 RTP/AVP 31", "a=rtpmap:31 H261/90000",
                "m=audio 0 RTP/AVP 0",
                "m=audio 5008 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:xyz",
                "m=audio 5004 RTP/AVP 8 0", "a=sendonly"))
        let (answer, media) = try session.receiveOffer(offer)
        #expect(answer.media.count == 4)
        #expect(answer.media.map(\.port) == [0, 0, 0, 40000])
        #expect(
            answer.media[0].media == "video" && answer.media[0].formats == ["31"] && answer.media[0].attributes.isEmpty)
        #expect(answer.media[2].proto == "RTP/SAVP")
        #expect(answer.media[3].direction == .recvonly)
        #expect(media.codec == .pcma && media.remoteRTPPort == 5004)
        #expect(try SessionDescription(parsing: answer.text) == answer, "a port-0 stream needs no c= of its own")
    }

    @Test func offersWithNothingToTake() throws {
        var session = makeSession()
        for offer in [
            try remote(port: 0), try remote(after: []).replacingProto("RTP/SAVP"), try remote().replacingMedia("video"),
        ] {
            #expect(throws: OfferAnswerError(.noAcceptableStream, "")) { try session.receiveOffer(offer) }
        }
        #expect(OfferAnswerError(.noAcceptableStream, "").sipStatusCode == 488)
    }

    @Test func rtcpMuxAcceptedWhenOffered() throws {
        var session = makeSession()
        let (answer, media) = try session.receiveOffer(remote(formats: "0", ["a=rtcp-mux"]))
        #expect(answer.media[0].rtcpMux && media.rtcpMux)
        #expect(media.remoteRTCPPort == 5004 && media.localRTCPPort == 40000)
        var refusing = OfferAnswerSession(
            configuration: MediaConfiguration(localAddress: "192.0.2.1", rtpPort: 40000, acceptsRTCPMux: false),
            sessionID: 1)
        let (plain, plainMedia) = try refusing.receiveOffer(remote(formats: "0", ["a=rtcp-mux"]))
        #expect(!plain.media[0].rtcpMux && !plainMedia.rtcpMux && plainMedia.remoteRTCPPort == 5005)
    }

    @Test func glareIs491AndChangesNothing() throws {
        var session = makeSession()
        let offer = try session.makeOffer()
        #expect(throws: OfferAnswerError(.offerPending, "")) { try session.receiveOffer(remote()) }
        #expect(OfferAnswerError(.offerPending, "").sipStatusCode == 491)
        #expect(throws: OfferAnswerError(.offerPending, "")) { try session.hold() }
        #expect(throws: OfferAnswerError(.offerPending, "")) { try session.makeOffer() }
        #expect(session.state == .offerSent(offer) && !session.isHolding)
    }
}

extension SessionDescription {
    func replacingProto(_ proto: String) -> SessionDescription {
        var copy = self
        copy.media[0].proto = proto
        return copy
    }

    func replacingMedia(_ media: String) -> SessionDescription {
        var copy = self
        copy.media[0].media = media
        return copy
    }
}
