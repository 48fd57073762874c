import Testing

@testable import SIPMedia

/// Two sessions wired together with no SIP in between: what one offers the other answers.
struct Call {
    var alice = OfferAnswerSession(
        configuration: MediaConfiguration(localAddress: "192.0.2.1", rtpPort: 40000), sessionID: 1000)
    var bob = OfferAnswerSession(
        configuration: MediaConfiguration(localAddress: "198.51.100.7", rtpPort: 5004), sessionID: 2000)

    init() throws {
        let offer = try alice.makeOffer()
        _ = try alice.receiveAnswer(bob.receiveOffer(offer).answer)
    }

    /// Alice re-offers with `make`, Bob answers; returns both sides' negotiated directions.
    mutating func aliceOffers(
        _ make: (inout OfferAnswerSession) throws(OfferAnswerError) -> SessionDescription
    ) throws -> (offered: MediaDirection?, alice: MediaDirection, bob: MediaDirection) {
        let offer = try make(&alice)
        let (answer, bobMedia) = try bob.receiveOffer(offer)
        let aliceMedia = try alice.receiveAnswer(answer)
        return (offer.media[0].direction, aliceMedia.direction, bobMedia.direction)
    }

    mutating func bobOffers(
        _ make: (inout OfferAnswerSession) throws(OfferAnswerError) -> SessionDescription
    ) throws -> (offered: MediaDirection?, alice: MediaDirection, bob: MediaDirection) {
        let offer = try make(&bob)
        let (answer, aliceMedia) = try alice.receiveOffer(offer)
        let bobMedia = try bob.receiveAnswer(answer)
        return (offer.media[0].direction, aliceMedia.direction, bobMedia.direction)
    }
}

@Suite("Offer/answer: hold and retrieve (RFC 3264 §8.4)")
struct HoldTests {
    @Test func weHoldAndRetrieve() throws {
        var call = try Call()
        #expect(call.alice.negotiated?.direction == .sendrecv && call.bob.negotiated?.direction == .sendrecv)

        let held = try call.aliceOffers { (s) throws(OfferAnswerError) in try s.hold() }
        #expect(held == (.sendonly, .sendonly, .recvonly))
        #expect(call.alice.isHolding && call.bob.isHeldByRemote)

        let back = try call.aliceOffers { (s) throws(OfferAnswerError) in try s.retrieve() }
        #expect(back == (.sendrecv, .sendrecv, .sendrecv))
        #expect(!call.alice.isHolding && !call.bob.isHeldByRemote)
    }

    @Test func theyHoldUsThenWeHoldTooThenBothRetrieve() throws {
        var call = try Call()
        #expect(
            try call.bobOffers { (s) throws(OfferAnswerError) in try s.hold() } == (.sendonly, .recvonly, .sendonly))
        #expect(call.alice.isHeldByRemote)

        // Already held by the other side: our hold is inactive (§8.4).
        #expect(
            try call.aliceOffers { (s) throws(OfferAnswerError) in try s.hold() } == (.inactive, .inactive, .inactive))

        // They retrieve while we still hold: we answer sendonly.
        #expect(
            try call.bobOffers { (s) throws(OfferAnswerError) in try s.retrieve() } == (.sendrecv, .sendonly, .recvonly)
        )
        #expect(
            try call.aliceOffers { (s) throws(OfferAnswerError) in try s.retrieve() } == (
                .sendrecv, .sendrecv, .sendrecv
            ))
    }

    @Test func reOfferWhileHoldingKeepsTheHold() throws {
        var call = try Call()
        _ = try call.aliceOffers { (s) throws(OfferAnswerError) in try s.hold() }
        // A session refresh from Bob (sendrecv) is answered sendonly: we still hold.
        #expect(
            try call.bobOffers { (s) throws(OfferAnswerError) in try s.makeOffer() } == (
                .sendrecv, .sendonly, .recvonly
            ))
        // Our own refresh keeps the hold too.
        #expect(
            try call.aliceOffers { (s) throws(OfferAnswerError) in try s.makeOffer() } == (
                .sendonly, .sendonly, .recvonly
            ))
    }

    @Test func failedHoldLeavesTheCallAsItWas() throws {
        var call = try Call()
        _ = try call.alice.hold()
        call.alice.abandonOffer()  // e.g. the re-INVITE got 488 or 491
        #expect(!call.alice.isHolding && call.alice.state == .stable)
        #expect(call.alice.negotiated?.direction == .sendrecv)
        #expect(try call.alice.makeOffer().media[0].direction == .sendrecv)
    }

    @Test func reOffersKeepAgreedPayloadTypesAndStreams() throws {
        var session = makeSession()
        let offer = try SessionDescription(
            parsing: sdp(
                "v=0", "o=peer 42 7 IN IP4 198.51.100.7", "s=-", "c=IN IP4 198.51.100.7", "t=0 0",
                "m=video 5006 RTP/AVP 31",
                "m=audio 5004 RTP/AVP 8 96", "a=rtpmap:96 telephone-event/8000"))
        _ = try session.receiveOffer(offer)
        let hold = try session.hold()
        #expect(hold.media.count == 2, "RFC 3264 §8: a new offer keeps every earlier stream")
        #expect(hold.media[0].port == 0 && hold.media[0].media == "video")
        #expect(
            hold.media[1].formats == ["8", "0", "96"], "the agreed codec first; telephone-event stays on 96 (§8.3.2)")
        #expect(hold.media[1].direction == .sendonly)
        let media = try session.receiveAnswer(peerAnswer(to: hold))
        #expect(media.direction == .sendonly && media.codec == .pcma && media.telephoneEvent?.payloadType == 96)
    }
}

@Suite("Offer/answer: origin version (RFC 3264 §8)")
struct VersionTests {
    @Test func versionRisesByOneOnlyWhenWhatWeSendChanges() throws {
        var call = try Call()
        let first = try #require(call.alice.localDescription).origin
        #expect(first.sessionVersion == 1000)

        // An unchanged re-offer (a session refresh) keeps the version and the whole o= line.
        let refresh = try call.alice.makeOffer()
        #expect(refresh.origin == first)
        _ = try call.alice.receiveAnswer(peerAnswer(to: refresh))

        let hold = try call.alice.hold()
        #expect(hold.origin.sessionVersion == 1001)
        #expect(
            hold.origin.sessionID == first.sessionID && hold.origin.username == first.username
                && hold.origin.address == first.address)
        _ = try call.alice.receiveAnswer(peerAnswer(to: hold))
        #expect(try call.alice.retrieve().origin.sessionVersion == 1002)
    }

    @Test func answersFollowTheSameRule() throws {
        var call = try Call()
        let bobFirst = try #require(call.bob.localDescription).origin.sessionVersion
        // Bob's answer to an unchanged offer is unchanged: same version.
        _ = try call.aliceOffers { (s) throws(OfferAnswerError) in try s.makeOffer() }
        #expect(call.bob.localDescription?.origin.sessionVersion == bobFirst)
        // Alice holds: Bob's answer turns recvonly, a change, so one more.
        _ = try call.aliceOffers { (s) throws(OfferAnswerError) in try s.hold() }
        #expect(call.bob.localDescription?.origin.sessionVersion == bobFirst + 1)
    }

    @Test func anAbandonedOfferStillCountsAsSent() throws {
        var call = try Call()
        let hold = try call.alice.hold()
        call.alice.abandonOffer()
        #expect(try call.alice.hold().origin.sessionVersion == hold.origin.sessionVersion, "the same hold offer again")
        call.alice.abandonOffer()
        #expect(
            try call.alice.makeOffer().origin.sessionVersion == hold.origin.sessionVersion + 1, "never reuse a version")
    }

    @Test func aChangedAddressIsANewVersion() throws {
        var call = try Call()
        call.alice.configuration.rtpPort = 40100
        let offer = try call.alice.makeOffer()
        #expect(offer.origin.sessionVersion == 1001 && offer.media[0].port == 40100)
        #expect(try call.alice.receiveAnswer(peerAnswer(to: offer)).localRTPPort == 40100)
    }
}
