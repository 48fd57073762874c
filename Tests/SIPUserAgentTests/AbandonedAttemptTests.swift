import NIOCore
import SIPCore
import SIPTransaction
import Testing

@testable import SIPUserAgent

/// A dial's give-up timer is its own, separate from Timer B: the abandoned INVITE stops being
/// retransmitted, and whatever answers it later is closed (RFC 3261 §9.1, §13.2.2.4, §17.1.1). A
/// cancelled INVITE whose CANCEL goes unanswered is given up then, not 64·T1 later.
@Suite("InviteClientSession: abandoned and unanswered attempts are ended, a late answer is never left hanging")
struct AbandonedAttemptTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    let giveUp = TimeAmount.milliseconds(600)

    func session() throws -> InviteClientSession {
        InviteClientSession(
            local: LocalParty(
                addressOfRecord: try SIPURI("sip:7001@a.example.net"), contact: try SIPURI("sip:7001@127.0.0.1:5070"),
                transport: .udp),
            remote: SIPNameAddress(uri: try SIPURI("sip:9000@a.example.net")), callID: "c", localTag: "lt",
            realms: DigestRealmPolicy(domain: "a.example.net", user: "7001", hasPassword: true),
            random: SeededRandom(seed: 1))
    }

    func response(_ invite: SIPMessage, _ code: Int, tag: String = "late") throws -> SIPMessage {
        var r = invite.makeResponse(statusCode: code, toTag: tag)
        if code < 300 { r.headers.add(.contact, "<sip:9000@127.0.0.9:5080>") }
        return try SIPMessage(parsing: r.text)
    }

    /// Dials with the give-up timer and lets it fire on the virtual clock; returns the INVITE.
    func abandonedDial(_ s: inout InviteClientSession) throws -> (OutgoingRequest, [InviteSessionAction]) {
        let actions = s.start(offer: nil, now: start, noResponseTimeout: giveUp)
        let invite = try #require(actions.compactMap { if case .sendRequest(let r) = $0 { r } else { nil } }.first)
        let deadline = try #require(
            actions.compactMap { if case .schedule(.noResponse, let at) = $0 { at } else { nil } }.first)
        #expect(deadline == start + giveUp)
        return (invite, s.timerFired(.noResponse, now: deadline))
    }

    func requests(_ actions: [InviteSessionAction]) -> [OutgoingRequest] {
        actions.compactMap { if case .sendRequest(let r) = $0 { r } else { nil } }
    }

    func reports(_ actions: [InviteSessionAction]) -> [InviteSessionEvent] {
        actions.compactMap { if case .report(let e) = $0 { e } else { nil } }
    }

    func ends(_ actions: [InviteSessionAction]) -> Bool {
        actions.contains { if case .terminated = $0 { true } else { false } }
    }

    @Test("the give-up reports a local 408 at once, stops the INVITE's retransmissions and keeps the leg open")
    func giveUp408() throws {
        var s = try session()
        let (invite, actions) = try abandonedDial(&s)
        #expect(s.state == .terminated && s.abandoned)
        let change = reports(actions).compactMap { if case .stateChanged(let c) = $0 { c } else { nil } }.first
        #expect(change?.statusCode == 408 && change?.reason == .localFailure(.timeout))
        #expect(actions.contains { if case .stopRetransmitting(let id) = $0 { id == invite.id } else { false } })
        #expect(!ends(actions), "the INVITE's transaction still listens until Timer B")
        let timerB = s.requestFailed(.timeout, requestID: invite.id, now: start + .seconds(4))
        #expect(reports(timerB).isEmpty && !ends(timerB), "Timer B (capped at 4 s) ends the transaction, not the leg")
        let guardAt = try #require(
            timerB.compactMap { if case .schedule(.cancelGuard, let at) = $0 { at } else { nil } }.first)
        #expect(guardAt == start + .seconds(32), "a 2xx is listened for until 64·T1 after the INVITE")
        let closed = s.timerFired(.cancelGuard, now: guardAt)
        #expect(ends(closed) && reports(closed).isEmpty && requests(closed).isEmpty)
    }

    @Test("abandoned, Timer B ended the transaction, then a stray 200: ACKed and ended with BYE all the same")
    func strayAnswerAfterTimerB() throws {
        var s = try session()
        let (invite, _) = try abandonedDial(&s)
        _ = s.requestFailed(.timeout, requestID: invite.id, now: start + .seconds(4))
        let answered = s.strayResponseReceived(try response(invite.message, 200), now: start + .seconds(5))
        #expect(answered.contains { if case .sendAck = $0 { true } else { false } })
        let bye = try #require(requests(answered).first)
        #expect(bye.purpose == .forkBye && bye.message.method == .bye)
        #expect(answered.contains { if case .cancel(.cancelGuard) = $0 { true } else { false } })
        #expect(reports(answered).isEmpty && !ends(answered))
        let closed = s.responseReceived(try response(bye.message, 200), requestID: bye.id, now: start + .seconds(5))
        #expect(ends(closed))
    }

    @Test("ringing, hung up, the CANCEL never answered: ended cancelled when its transaction gives up, not 64·T1 later")
    func cancelWithoutAnswer() throws {
        var s = try session()
        let invite = try #require(requests(s.start(offer: nil, now: start)).first)
        _ = s.responseReceived(try response(invite.message, 180), requestID: invite.id, now: start + .milliseconds(100))
        let hungUp = s.hangUp(now: start + .seconds(1))
        let cancel = try #require(requests(hungUp).first)
        #expect(cancel.purpose == .cancel)
        #expect(hungUp.contains { if case .schedule(.cancelGuard, _) = $0 { true } else { false } })
        #expect(!ends(hungUp), "the INVITE's 487 is awaited")
        let failed = s.requestFailed(.timeout, requestID: cancel.id, now: start + .seconds(5))
        #expect(ends(failed), "no answer to the CANCEL: the site is gone, and so is its 487")
        #expect(failed.contains { if case .cancel(.cancelGuard) = $0 { true } else { false } })
        let change = reports(failed).compactMap { if case .stateChanged(let c) = $0 { c } else { nil } }.last
        #expect(change?.state == .terminated && change?.reason == .cancelled)
        #expect(requests(failed).isEmpty)
    }

    @Test("ringing, hung up, the CANCEL answered 200: the 487 is still what ends it (§9.1)")
    func cancelAnsweredWaitsForTheFinal() throws {
        var s = try session()
        let invite = try #require(requests(s.start(offer: nil, now: start)).first)
        _ = s.responseReceived(try response(invite.message, 180), requestID: invite.id, now: start + .milliseconds(100))
        let cancel = try #require(requests(s.hangUp(now: start + .seconds(1))).first)
        let answered = s.responseReceived(
            try response(cancel.message, 200), requestID: cancel.id, now: start + .milliseconds(1010))
        #expect(!ends(answered) && s.state != .terminated)
        let final = s.responseReceived(
            try response(invite.message, 487), requestID: invite.id, now: start + .seconds(2))
        #expect(ends(final))
    }

    @Test("abandoned, then 180: CANCEL sent (§9.1); the 487 closes the leg and reports nothing more")
    func lateRinging() throws {
        var s = try session()
        let (invite, _) = try abandonedDial(&s)
        let ringing = s.responseReceived(
            try response(invite.message, 180), requestID: invite.id, now: start + .seconds(1))
        let cancel = try #require(requests(ringing).first)
        #expect(cancel.purpose == .cancel && cancel.message.method == .cancel)
        #expect(try cancel.message.topVia.branch == invite.message.topVia.branch)
        #expect(reports(ringing).isEmpty, "no early state for a given-up attempt")
        #expect(!ends(ringing))
        _ = s.responseReceived(try response(cancel.message, 200), requestID: cancel.id, now: start + .seconds(1))
        let terminated = s.responseReceived(
            try response(invite.message, 487), requestID: invite.id, now: start + .seconds(1))
        #expect(ends(terminated) && reports(terminated).isEmpty && requests(terminated).isEmpty)
    }

    @Test("abandoned, then 200: ACKed and ended with BYE at once (§13.2.2.4), never a second answered leg")
    func lateAnswer() throws {
        var s = try session()
        let (invite, _) = try abandonedDial(&s)
        let answered = s.responseReceived(
            try response(invite.message, 200), requestID: invite.id, now: start + .seconds(1))
        let ack = try #require(answered.compactMap { if case .sendAck(let m, _) = $0 { m } else { nil } }.first)
        #expect(try ack.to.tag == "late" && ack.cseq == SIPCSeq(1, .ack))
        let bye = try #require(requests(answered).first)
        #expect(bye.purpose == .forkBye && bye.message.method == .bye)
        #expect(try bye.message.to.tag == "late")
        #expect(reports(answered).isEmpty, "the dial hears nothing of the late answer")
        #expect(s.dialog == nil)
        #expect(!ends(answered), "open until the BYE is answered")
        let closed = s.responseReceived(try response(bye.message, 200), requestID: bye.id, now: start + .seconds(1))
        #expect(ends(closed))
    }

    @Test("abandoned, then 486: nothing more from the session (the transaction ACKs a non-2xx); the leg is closed")
    func lateRejection() throws {
        var s = try session()
        let (invite, _) = try abandonedDial(&s)
        let busy = s.responseReceived(try response(invite.message, 486), requestID: invite.id, now: start + .seconds(1))
        #expect(requests(busy).isEmpty && reports(busy).isEmpty)
        #expect(!busy.contains { if case .sendAck = $0 { true } else { false } })
        #expect(ends(busy))
    }

    @Test(
        "Timer B before the give-up (a transaction timeout as short as invite_timeout) gives the attempt up the same way"
    )
    func timerBFirst() throws {
        var s = try session()
        let actions = s.start(offer: nil, now: start, noResponseTimeout: giveUp)
        let invite = try #require(requests(actions).first)
        let timerB = s.requestFailed(.timeout, requestID: invite.id, now: start + giveUp)
        let change = reports(timerB).compactMap { if case .stateChanged(let c) = $0 { c } else { nil } }.first
        #expect(change?.statusCode == 408 && change?.reason == .localFailure(.timeout))
        #expect(s.abandoned && !ends(timerB))
        #expect(s.timerFired(.noResponse, now: start + giveUp).isEmpty, "the give-up timer was disarmed")
        let answered = s.strayResponseReceived(try response(invite.message, 200), now: start + .seconds(1))
        #expect(answered.contains { if case .sendAck = $0 { true } else { false } })
        #expect(requests(answered).first?.purpose == .forkBye)
    }

    @Test("a 1xx before the give-up disarms it: the attempt rings on")
    func provisionalDisarms() throws {
        var s = try session()
        let actions = s.start(offer: nil, now: start, noResponseTimeout: giveUp)
        let invite = try #require(requests(actions).first)
        let ringing = s.responseReceived(
            try response(invite.message, 180), requestID: invite.id, now: start + .milliseconds(100))
        #expect(ringing.contains { if case .cancel(.noResponse) = $0 { true } else { false } })
        #expect(s.timerFired(.noResponse, now: start + giveUp).isEmpty)
        #expect(s.state == .early && !s.abandoned)
    }
}
