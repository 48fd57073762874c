import Foundation
import Testing

@testable import SIPMedia

/// SDES in offer/answer: what each `use_srtp` policy offers, how it answers each kind of offer, and
/// that keys are fresh per dialog and direction but kept across a hold or a refresh.
@Suite("SRTP offer/answer (RFC 4568 §5–§7)")
struct SRTPOfferAnswerTests {
    static func session(_ policy: SRTPPolicy, address: String = "192.0.2.1", port: Int = 40000) -> OfferAnswerSession {
        OfferAnswerSession(
            configuration: MediaConfiguration(localAddress: address, rtpPort: port, srtp: policy), sessionID: 1000)
    }

    static let peerKey = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"

    /// A peer's offer: `proto` with or without one AES_CM_128_HMAC_SHA1_80 line.
    static func offer(proto: String, crypto: Bool, version: Int = 7, key: String = peerKey) throws -> SessionDescription
    {
        var text = try remote(
            version: version, after: crypto ? ["a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:\(key)"] : []
        ).text
        text = text.replacingOccurrences(of: "RTP/AVP", with: proto)
        return try SessionDescription(parsing: text)
    }

    enum Outcome: Equatable { case plain(String), srtp(String), refused }

    static func outcome(_ policy: SRTPPolicy, proto: String, crypto: Bool) throws -> Outcome {
        var answerer = session(policy)
        let offered = try offer(proto: proto, crypto: crypto)
        do {
            let (answer, media) = try answerer.receiveOffer(offered)
            let stream = answer.media[0]
            if let srtp = media.srtp {
                #expect(
                    stream.cryptoAttributes.count == 1 && stream.cryptoAttributes[0].tag == 5, "the accepted tag, once")
                #expect(srtp.receiveKey.base64 == peerKey && srtp.sendKey.base64 != peerKey)
                return .srtp(stream.proto)
            }
            #expect(stream.cryptoAttributes.isEmpty)
            return .plain(stream.proto)
        } catch {
            #expect(error.sipStatusCode == 488, "\(error)")
            return .refused
        }
    }

    @Test func theAnswerMatrix() throws {
        // policy × (offered profile, keys offered) → what we answer.
        let expected: [(SRTPPolicy, String, Bool, Outcome)] = [
            (.disabled, "RTP/AVP", false, .plain("RTP/AVP")),
            (.disabled, "RTP/AVP", true, .plain("RTP/AVP")),
            (.disabled, "RTP/SAVP", true, .refused),
            (.disabled, "RTP/SAVP", false, .refused),
            (.optional, "RTP/AVP", false, .plain("RTP/AVP")),
            (.optional, "RTP/AVP", true, .srtp("RTP/AVP")),
            (.optional, "RTP/SAVP", true, .srtp("RTP/SAVP")),
            (.optional, "RTP/SAVP", false, .refused),
            (.mandatory, "RTP/AVP", false, .refused),
            (.mandatory, "RTP/AVP", true, .srtp("RTP/AVP")),
            (.mandatory, "RTP/SAVP", true, .srtp("RTP/SAVP")),
            (.mandatory, "RTP/SAVP", false, .refused),
        ]
        for (policy, proto, crypto, outcome) in expected {
            #expect(
                try Self.outcome(policy, proto: proto, crypto: crypto) == outcome,
                "\(policy) answering \(proto) crypto=\(crypto)")
        }
    }

    @Test func mandatoryRefusesAPlainOfferWithAnInsecureOfferError() throws {
        var answerer = Self.session(.mandatory)
        #expect(throws: OfferAnswerError(.insecureOffer, "")) {
            try answerer.receiveOffer(try Self.offer(proto: "RTP/AVP", crypto: false))
        }
    }

    @Test func whatEachPolicyOffers() throws {
        var disabled = Self.session(.disabled)
        let plain = try disabled.makeOffer().media[0]
        #expect(plain.proto == "RTP/AVP" && plain.cryptoAttributes.isEmpty)

        var optional = Self.session(.optional)
        let best = try optional.makeOffer().media[0]
        #expect(best.proto == "RTP/AVP", "best effort: a plain peer still understands the offer")
        #expect(best.cryptoAttributes.map(\.tag) == [1, 2, 3, 4])
        #expect(best.cryptoAttributes.compactMap(\.suite) == SRTPSuite.offered)
        #expect(Set(best.cryptoAttributes.map { $0.keys[0].keySalt }).count == 4, "a key of its own per line")

        var mandatory = Self.session(.mandatory)
        let secure = try mandatory.makeOffer().media[0]
        #expect(secure.proto == "RTP/SAVP")
        #expect(secure.cryptoAttributes.count == 4 && secure.cryptoAttributes.allSatisfy { $0.isUsable })
    }

    @Test func aFullExchangeCrossesTheKeys() throws {
        var caller = Self.session(.mandatory)
        var callee = Self.session(.optional, address: "198.51.100.7", port: 5004)
        let offer = try caller.makeOffer()
        let (answer, calleeMedia) = try callee.receiveOffer(offer)
        let callerMedia = try caller.receiveAnswer(answer)
        let a = try #require(callerMedia.srtp), b = try #require(calleeMedia.srtp)
        #expect(a.suite == .aesCM128HmacSHA1_80, "the first line of our offer that the answerer can run")
        #expect(a.sendKey == b.receiveKey && b.sendKey == a.receiveKey)
        #expect(a.sendKey != a.receiveKey, "each direction has its own key")
        #expect(answer.media[0].proto == "RTP/SAVP")
    }

    @Test func theAnswererTakesTheFirstLineItCanRun() throws {
        var answerer = Self.session(.optional)
        let gcm = Base64.encode([UInt8](repeating: 9, count: 28))
        let offer = try remote(after: [
            "a=crypto:1 F8_128_HMAC_SHA1_80 inline:\(Self.peerKey)",
            "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:\(Self.peerKey)|2^20|1:4",
            "a=crypto:3 AEAD_AES_128_GCM inline:\(gcm)",
            "a=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:\(Self.peerKey)",
        ])
        let (answer, media) = try answerer.receiveOffer(offer)
        #expect(answer.media[0].cryptoAttributes.map(\.tag) == [3], "unknown suite and MKI skipped, offer order kept")
        #expect(media.srtp?.suite == .aeadAES128GCM)
    }

    @Test func anAnswerWithoutKeysOrWithAForeignTagIsInsecure() throws {
        var caller = Self.session(.mandatory)
        _ = try caller.makeOffer()
        var plainAnswer = try remote()
        plainAnswer.media[0].proto = "RTP/SAVP"
        #expect(throws: OfferAnswerError(.insecureAnswer, "")) { try caller.receiveAnswer(plainAnswer) }

        var other = Self.session(.optional)
        _ = try other.makeOffer()
        let foreign = try remote(after: ["a=crypto:9 AES_CM_128_HMAC_SHA1_80 inline:\(Self.peerKey)"])
        #expect(throws: OfferAnswerError(.insecureAnswer, "")) { try other.receiveAnswer(foreign) }

        var bestEffort = Self.session(.optional)
        _ = try bestEffort.makeOffer()
        let media = try bestEffort.receiveAnswer(try remote())
        #expect(media.srtp == nil, "optional: a plain answer is a plain call")
    }

    @Test func holdRetrieveAndAPeersRefreshDoNotRekey() throws {
        var caller = Self.session(.mandatory)
        var callee = Self.session(.mandatory, address: "198.51.100.7", port: 5004)
        let (answer, _) = try callee.receiveOffer(try caller.makeOffer())
        let agreed = try #require(try caller.receiveAnswer(answer).srtp)

        let hold = try caller.hold()
        #expect(
            hold.media[0].cryptoAttributes.map(\.value) == [
                SDESCryptoAttribute(tag: agreed.tag, key: agreed.sendKey).value
            ],
            "a re-offer repeats the agreed line, same tag, same key")
        let (holdAnswer, calleeHeld) = try callee.receiveOffer(hold)
        #expect(calleeHeld.srtp?.sendKey == agreed.receiveKey, "the answerer keeps its key too")
        #expect(try caller.receiveAnswer(holdAnswer).srtp == agreed)
        let (retrieveAnswer, _) = try callee.receiveOffer(try caller.retrieve())
        #expect(try caller.receiveAnswer(retrieveAnswer).srtp == agreed)

        // The peer refreshes (a session-timer re-INVITE) with its same offer: our answer keeps our key.
        let refresh = try callee.makeOffer()
        let (_, refreshed) = try caller.receiveOffer(refresh)
        #expect(refreshed.srtp?.sendKey == agreed.sendKey && refreshed.srtp?.receiveKey == agreed.receiveKey)
    }

    @Test func aNewDialogGetsFreshKeysAndAReOfferInTheSameDialogDoesNot() throws {
        var caller = Self.session(.optional)
        let first = try caller.makeOffer().media[0].cryptoAttributes
        caller.abandonOffer()
        let again = try caller.makeOffer().media[0].cryptoAttributes
        #expect(first == again, "the same dialog re-offers the same keys")
        caller.abandonOffer()
        caller.startNewDialog()
        let fresh = try caller.makeOffer().media[0].cryptoAttributes
        #expect(
            Set(fresh.map(\.keys)).isDisjoint(with: Set(first.map(\.keys))),
            "a failover attempt's far end gets keys of its own")
    }

    @Test func keysAreFreshPerCall() throws {
        var keys = Set<String>()
        for _ in 0..<50 {
            var session = Self.session(.mandatory)
            for line in try session.makeOffer().media[0].cryptoAttributes { keys.insert(line.keys[0].keySalt) }
        }
        #expect(keys.count == 200)
    }

    /// Forked early media: two far ends answer the same offer with keys of their own. The first
    /// answer taken decides the call's keys; the other fork's answer changes nothing, so its packets,
    /// under its key, fail authentication instead of mixing into the stream.
    @Test func aSecondForksAnswerDoesNotTouchTheAgreedKeys() throws {
        var caller = Self.session(.mandatory)
        let offer = try caller.makeOffer()
        var forkA = Self.session(.mandatory, address: "198.51.100.7", port: 5004)
        var forkB = Self.session(.mandatory, address: "198.51.100.8", port: 6004)
        let agreed = try #require(try caller.receiveAnswer(try forkA.receiveOffer(offer).answer).srtp)
        let (answerB, mediaB) = try forkB.receiveOffer(offer)
        #expect(throws: OfferAnswerError(.noOfferPending, "")) { try caller.receiveAnswer(answerB) }
        #expect(caller.negotiated?.srtp == agreed)
        #expect(mediaB.srtp?.sendKey != agreed.receiveKey, "fork B sends under a key of its own")
    }
}
