import NIOCore
import SIPCore
import SIPTransaction
import Testing

@testable import SIPUserAgent

/// Session timers (RFC 4028) between two session machines on a virtual clock: negotiation, the
/// refresher's refresh at half the interval, the other side's expiry, 422, and a peer without timers.
@Suite("Session timers (RFC 4028) on a virtual clock")
struct SessionTimerTests {
    static let withUpdate = InviteSessionConfiguration(allow: InviteSessionConfiguration.defaultAllow + [.update])

    private func timerEvents(_ h: CallHarness, _ side: Side) -> [InviteSessionTimerEvent] {
        h.events[side, default: []].compactMap { if case .sessionTimer(let e) = $0 { e } else { nil } }
    }

    /// Accepts the re-INVITE the callee's TU was asked about, with `body`.
    private func calleeAccepts(
        _ h: inout CallHarness, body: SessionBody = SessionBody(contentType: .sdp, text: "v=0\r\na=answer\r\n")
    ) throws {
        let id = try #require(h.pendingReinvite(.callee))
        h.actCallee { $0.acceptReinvite(requestID: id, body: body, now: $1) }
    }

    @Test(
        "Offered by default: Supported timer, Session-Expires 1800, Min-SE 90; the caller refreshes at 900 s by re-INVITE with its SDP"
    )
    func negotiatedAndRefreshedByReinvite() throws {
        var h = try CallHarness()
        h.establish()
        let invite = try #require(h.requests(.invite, from: .caller).first)
        #expect(try invite.supported.contains("timer"))
        #expect(invite.headers.first(.sessionExpires) == "1800")
        #expect(invite.headers.first(SessionTimerPolicy.minSE) == "90")
        let ok = try #require(h.responses(200, from: .callee).first)
        #expect(ok.headers.first(.sessionExpires) == "1800;refresher=uac", "§9: a UAC that supports timers refreshes")
        #expect(try ok.require.contains("timer"), "§9: refresher=uac puts timer in Require")
        #expect(timerEvents(h, .caller) == [.negotiated(interval: 1800, weRefresh: true)])
        #expect(timerEvents(h, .callee) == [.negotiated(interval: 1800, weRefresh: false)])
        #expect(h.deadline(.caller, .sessionRefresh) == 900, "§10: half the interval")
        #expect(h.deadline(.callee, .sessionExpiry) == 1768, "§10: the interval minus min(32 s, a third)")

        h.fire(.caller, .sessionRefresh)
        let refresh = try #require(h.requests(.invite, from: .caller).last)
        #expect(h.requests(.invite, from: .caller).count == 2)
        #expect(refresh.headers.first(.sessionExpires) == "1800;refresher=uac")
        #expect(String(buffer: refresh.body) == "v=0\r\n", "the last SDP we sent, unchanged (RFC 3264 §8)")
        try calleeAccepts(&h)
        #expect(h.requests(.ack, from: .caller).count == 2, "the refresh's 2xx is ACKed")
        #expect(timerEvents(h, .caller).last == .refreshed(interval: 1800, weRefresh: true))
        #expect(timerEvents(h, .callee).last == .refreshed(interval: 1800, weRefresh: false))
        #expect(h.deadline(.caller, .sessionRefresh) == 1800)
        #expect(h.deadline(.callee, .sessionExpiry) == 2668, "the callee's wait starts over at the refresh")
        #expect(h.state(.caller) == .confirmed && h.state(.callee) == .confirmed)
    }

    @Test(
        "A peer that allows UPDATE is refreshed with a body-less UPDATE, answered by its machine with Session-Expires")
    func refreshedByUpdate() throws {
        var h = try CallHarness(configuration: Self.withUpdate)
        h.establish()
        h.fire(.caller, .sessionRefresh)
        let update = try #require(h.requests(.update, from: .caller).first)
        #expect(update.body.readableBytes == 0)
        #expect(update.headers.first(.sessionExpires) == "1800;refresher=uac")
        let ok = try #require(h.sent(by: .callee).last { (try? $0.cseq.method) == .update })
        #expect(ok.statusCode == 200)
        #expect(ok.headers.first(.sessionExpires) == "1800;refresher=uac")
        #expect(h.requests(.invite, from: .caller).count == 1, "no re-INVITE")
        #expect(timerEvents(h, .caller).last == .refreshed(interval: 1800, weRefresh: true))
        #expect(h.deadline(.caller, .sessionRefresh) == 1800)
    }

    @Test("A 2xx without Session-Expires (a peer without timers): no refresh, no expiry (§7.2)")
    func peerWithoutTimers() throws {
        var h = try CallHarness()
        h.rewrite = { side, message in
            guard side == .callee, message.statusCode == 200 else { return message }
            var m = message
            m.headers.remove(.sessionExpires)
            m.headers.remove(.require)
            return m
        }
        h.establish()
        #expect(h.state(.caller) == .confirmed)
        #expect(timerEvents(h, .caller) == [.negotiated(interval: nil, weRefresh: false)])
        #expect(h.deadline(.caller, .sessionRefresh) == nil)
        #expect(h.deadline(.caller, .sessionExpiry) == nil)
    }

    @Test("Timers not offered (session_expires 0): no Supported timer, no Session-Expires; a peer's is still honoured")
    func notOffered() throws {
        var h = try CallHarness(configuration: InviteSessionConfiguration(sessionTimers: nil))
        h.establish()
        let invite = try #require(h.requests(.invite, from: .caller).first)
        #expect(invite.headers.first(.sessionExpires) == nil)
        #expect(invite.headers.first(.supported) == nil)
        #expect(h.deadline(.caller, .sessionRefresh) == nil && h.deadline(.callee, .sessionExpiry) == nil)
    }

    @Test(
        "A caller that supports timers but names no interval gets the callee's, refresher=uac, with Require: timer (§9)"
    )
    func calleeOffersItsInterval() throws {
        let caller = InviteSessionConfiguration(supported: ["timer"], sessionTimers: nil)
        var h = try CallHarness(configuration: caller, calleeConfiguration: InviteSessionConfiguration())
        h.establish()
        let invite = try #require(h.requests(.invite, from: .caller).first)
        #expect(invite.headers.first(.sessionExpires) == nil)
        let ok = try #require(h.responses(200, from: .callee).first)
        #expect(ok.headers.first(.sessionExpires) == "1800;refresher=uac")
        #expect(try ok.require.contains("timer"))
        #expect(timerEvents(h, .caller) == [.negotiated(interval: 1800, weRefresh: true)])
        #expect(h.deadline(.caller, .sessionRefresh) == 900)
        #expect(h.deadline(.callee, .sessionExpiry) == 1768)
    }

    @Test("A caller that does not support timers and names no interval gets none: no unexpected refreshes")
    func noTimerForAPeerWithout() throws {
        let caller = InviteSessionConfiguration(sessionTimers: nil)
        var h = try CallHarness(configuration: caller, calleeConfiguration: InviteSessionConfiguration())
        h.establish()
        let ok = try #require(h.responses(200, from: .callee).first)
        #expect(ok.headers.first(.sessionExpires) == nil)
        #expect(h.deadline(.callee, .sessionRefresh) == nil && h.deadline(.callee, .sessionExpiry) == nil)
    }

    @Test("422 with a larger Min-SE: the INVITE goes again asking for it (§7.3); the call is set up with that interval")
    func intervalTooSmall() throws {
        let caller = InviteSessionConfiguration(sessionTimers: SessionTimerPolicy(sessionExpires: 90))
        let callee = InviteSessionConfiguration(
            sessionTimers: SessionTimerPolicy(sessionExpires: 1800, minimumSessionExpires: 120))
        var h = try CallHarness(configuration: caller, calleeConfiguration: callee)
        h.establish()
        let invites = h.requests(.invite, from: .caller)
        #expect(invites.count == 2)
        let tooSmall = try #require(h.responses(422, from: .callee).first)
        #expect(tooSmall.headers.first(SessionTimerPolicy.minSE) == "120")
        #expect(invites.last?.headers.first(.sessionExpires) == "120")
        #expect(invites.last?.headers.first(SessionTimerPolicy.minSE) == "120")
        #expect(try invites.last?.cseq.sequenceNumber == 2)
        #expect(h.state(.caller) == .confirmed)
        #expect(timerEvents(h, .caller) == [.negotiated(interval: 120, weRefresh: true)])
        #expect(h.deadline(.caller, .sessionRefresh) == 60)
    }

    @Test(
        "A refresh with no response (the site is down) is reported, not fatal; the next goes at the next half interval")
    func refreshTimesOut() throws {
        var h = try CallHarness()
        h.establish()
        h.paused = true
        h.fire(.caller, .sessionRefresh)
        let id = try #require(h.caller.core.refreshInFlight?.id)
        h.actCaller { $0.requestFailed(.timeout, requestID: id, now: $1) }
        #expect(
            timerEvents(h, .caller).last
                == .refreshFailed(statusCode: 408, reasonPhrase: "Request Timeout", local: true))
        #expect(h.state(.caller) == .confirmed, "the TU decides: media may still flow")
        #expect(h.deadline(.caller, .sessionRefresh) == 1800)
    }

    @Test("A 481 to the refresh ends the dialog (§12.2.1.2)")
    func refreshGets481() throws {
        var h = try CallHarness()
        h.establish()
        h.paused = true
        h.fire(.caller, .sessionRefresh)
        let refresh = try #require(h.caller.core.refreshInFlight)
        let message = try #require(h.caller.core.outstanding[refresh.id]?.message)
        h.actCaller {
            $0.responseReceived(
                message.makeResponse(statusCode: 481, toTag: "callee-tag"), requestID: refresh.id, now: $1)
        }
        #expect(h.state(.caller) == .terminated)
        #expect(h.lastChange(.caller)?.statusCode == 481)
    }

    @Test(
        "The callee refreshes when the caller asks it to (refresher=uas); the caller, not refreshed in time, reports expiry at 1768 s"
    )
    func calleeRefreshesAndCallerExpires() throws {
        var h = try CallHarness()
        h.rewrite = { side, message in
            guard side == .caller, message.method == .invite, message.headers.first(.sessionExpires) == "1800" else {
                return message
            }
            var m = message
            m.headers.remove(.sessionExpires)
            m.headers.add(.sessionExpires, "1800;refresher=uas")
            return m
        }
        h.establish()
        #expect(timerEvents(h, .caller) == [.negotiated(interval: 1800, weRefresh: false)])
        #expect(timerEvents(h, .callee) == [.negotiated(interval: 1800, weRefresh: true)])
        #expect(h.deadline(.callee, .sessionRefresh) == 900)
        #expect(h.deadline(.caller, .sessionExpiry) == 1768)
        let ok = try #require(h.responses(200, from: .callee).first)
        #expect(ok.headers.first(.require) == nil, "refresher=uas: no Require: timer")

        // The callee's refresh is lost (the site is down): the caller reports the expiry and keeps
        // the dialog for its TU to decide.
        h.paused = true
        h.fire(.callee, .sessionRefresh)
        h.fire(.caller, .sessionExpiry)
        #expect(timerEvents(h, .caller).last == .expired)
        #expect(h.state(.caller) == .confirmed)
        #expect(h.deadline(.caller, .sessionExpiry) == 3536, "reported again if the TU keeps the call")
    }

    @Test("Deadlines: refresh at half the interval; expiry at the interval minus min(32 s, a third)")
    func deadlines() throws {
        let zero = NIODeadline.uptimeNanoseconds(0)
        var interval = SessionInterval(policy: SessionTimerPolicy())
        var ok = try SIPMessage(
            parsing:
                "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nSession-Expires: 90;refresher=uas\r\nContent-Length: 0\r\n\r\n"
        )
        let first = interval.answered(ok)
        #expect(first)
        #expect(!interval.weRefresh)
        #expect(interval.expiryDeadline(after: zero) == zero + .seconds(60), "90 − 90/3")
        #expect(interval.refreshDeadline(after: zero) == nil)
        ok = try SIPMessage(
            parsing:
                "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nSession-Expires: 90\r\nContent-Length: 0\r\n\r\n"
        )
        let second = interval.answered(ok)
        #expect(second)
        #expect(interval.weRefresh, "§7.2: a 2xx naming no refresher leaves it to the UAC")
        #expect(interval.refreshDeadline(after: zero) == zero + .seconds(45))
    }

    @Test("422 loops are bounded: a Min-SE no larger than what was asked is not news")
    func tooSmallBounded() throws {
        var interval = SessionInterval(policy: SessionTimerPolicy(sessionExpires: 90))
        let same = try SIPMessage(
            parsing:
                "SIP/2.0 422 Session Interval Too Small\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nMin-SE: 90\r\nContent-Length: 0\r\n\r\n"
        )
        let raisedBySame = interval.tooSmall(same)
        #expect(!raisedBySame)
        var raised = 0
        for value in [100, 200, 300, 400, 500] {
            let m = try SIPMessage(
                parsing:
                    "SIP/2.0 422 Session Interval Too Small\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nMin-SE: \(value)\r\nContent-Length: 0\r\n\r\n"
            )
            if interval.tooSmall(m) { raised += 1 }
        }
        #expect(raised == 3)
        #expect(interval.inviteHeaders().first?.1 == "300")
    }
}
