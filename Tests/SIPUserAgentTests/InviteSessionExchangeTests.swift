import NIOCore
import SIPCore
import SIPTransaction
import Testing

@testable import SIPUserAgent

private let hold = SessionBody(contentType: .sdp, text: "v=0\r\na=sendonly\r\n")
private let held = SessionBody(contentType: .sdp, text: "v=0\r\na=recvonly\r\n")

@Suite("INVITE sessions end to end without I/O: UAC machine ↔ UAS machine over serialized bytes")
struct InviteSessionExchangeTests {
    @Test("basic call: 180, 200, ACK with the INVITE's CSeq, BYE from the caller")
    func callerHangsUp() throws {
        var h = try CallHarness()
        h.establish()
        #expect(h.states(.caller) == [.early, .confirmed])
        #expect(h.states(.callee) == [.early, .answered, .confirmed])
        let ack = try #require(h.requests(.ack, from: .caller).first)
        #expect(try ack.cseq == SIPCSeq(1, .ack))
        #expect(ack.requestURI?.description == "sip:9000@127.0.0.2:5080", "ACK goes to the callee's Contact")
        #expect(try ack.topVia.branch != h.requests(.invite, from: .caller).first?.topVia.branch)
        let ok = try #require(h.responses(200, from: .callee).first)
        #expect(ok.headers.first(.allow)?.contains("INVITE") == true)
        #expect(ok.headers.first(.contact) == "<sip:9000@127.0.0.2:5080>")

        h.act(.caller) { $0.hangUp(now: $1) }
        let bye = try #require(h.requests(.bye, from: .caller).first)
        #expect(try bye.cseq == SIPCSeq(2, .bye))
        #expect(h.lastChange(.caller)?.reason == .localHangUp)
        #expect(h.lastChange(.callee)?.reason == .remoteHangUp)
        #expect(h.finished == [.caller, .callee])
    }

    @Test("basic call: BYE from the callee (From = callee tag, CSeq 1, to the caller's Contact)")
    func calleeHangsUp() throws {
        var h = try CallHarness()
        h.establish()
        h.act(.callee) { $0.hangUp(now: $1) }
        let bye = try #require(h.requests(.bye, from: .callee).first)
        #expect(try bye.from.tag == "callee-tag")
        #expect(try bye.to.tag == "caller-tag")
        #expect(try bye.cseq == SIPCSeq(1, .bye))
        #expect(bye.requestURI?.description == "sip:7001@127.0.0.1:5070")
        #expect(h.lastChange(.caller)?.reason == .remoteHangUp)
        #expect(h.finished == [.caller, .callee])
    }

    @Test("2xx sent again at T1, 2·T1, 4·T1 until the ACK; each retransmission ACKed again")
    func retransmitUntilAck() throws {
        var h = try CallHarness()
        h.acksToDrop = 3
        h.establish()
        #expect(h.state(.callee) == .answered)
        #expect(h.deadline(.callee, .retransmit2xx) == 0.5)
        #expect(h.deadline(.callee, .ackTimeout) == 32)
        h.fire(.callee, .retransmit2xx)
        #expect(h.deadline(.callee, .retransmit2xx) == 1.5)
        h.fire(.callee, .retransmit2xx)
        #expect(h.deadline(.callee, .retransmit2xx) == 3.5)
        h.fire(.callee, .retransmit2xx)
        #expect(h.responses(200, from: .callee).count == 4)
        #expect(h.droppedAcks.count == 3)
        #expect(Set(h.droppedAcks.map { (try? $0.topVia.branch) ?? "" }).count == 1, "the same ACK each time")
        #expect(h.requests(.ack, from: .caller).count == 1)
        #expect(h.state(.callee) == .confirmed)
        #expect(h.deadline(.callee, .retransmit2xx) == nil)
        #expect(h.deadline(.callee, .ackTimeout) == nil)
    }

    @Test("no ACK ever: intervals double up to T2, BYE after 64·T1 (§13.3.1.4)")
    func ackTimeout() throws {
        var h = try CallHarness()
        h.acksToDrop = 1000
        h.establish()
        var times: [Double] = []
        for _ in 0..<40 {
            guard let next = h.deadline(.callee, .retransmit2xx), next < (h.deadline(.callee, .ackTimeout) ?? 0) else {
                break
            }
            times.append(next)
            h.fire(.callee, .retransmit2xx)
        }
        #expect(times.prefix(5) == [0.5, 1.5, 3.5, 7.5, 11.5])
        h.fire(.callee, .ackTimeout)
        #expect(h.seconds == 32)
        #expect(h.requests(.bye, from: .callee).count == 1)
        #expect(h.lastChange(.callee)?.reason == .ackTimeout)
        #expect(h.lastChange(.caller)?.reason == .remoteHangUp)
    }

    @Test("callee hangs up before the ACK: the BYE waits for the ACK (§15)")
    func hangUpBeforeAck() throws {
        var h = try CallHarness()
        h.acksToDrop = 1
        h.establish()
        h.act(.callee) { $0.hangUp(now: $1) }
        #expect(h.requests(.bye, from: .callee).isEmpty)
        h.fire(.callee, .retransmit2xx)
        #expect(h.requests(.bye, from: .callee).count == 1)
        #expect(h.lastChange(.callee)?.reason == .localHangUp)
        #expect(h.lastChange(.caller)?.reason == .remoteHangUp)
        #expect(h.finished == [.caller, .callee])
    }

    @Test(
        "the caller's BYE overtakes its ACK (a proxy's workers forward them in parallel): 200 to the BYE, the 2xx not sent again, the late ACK changes nothing"
    )
    func byeOvertakesTheAck() throws {
        var h = try CallHarness()
        h.acksToDrop = 1
        h.establish()
        #expect(h.state(.callee) == .answered)
        h.act(.caller) { $0.hangUp(now: $1) }
        let answers = h.responses(200, from: .callee).filter { (try? $0.cseq.method) == .bye }
        #expect(answers.count == 1, "the BYE is answered in the dialog the 2xx made (§12.2.2)")
        #expect(h.state(.callee) == .terminated)
        #expect(h.lastChange(.callee)?.reason == .remoteHangUp)
        #expect(h.deadline(.callee, .retransmit2xx) == nil, "a 2xx for a dialog that is over is not sent again")
        #expect(h.deadline(.callee, .ackTimeout) == nil)
        #expect(h.finished == [.caller, .callee])

        let late = try SIPMessage(parsing: try #require(h.droppedAcks.first).text)
        let sent = h.sent(by: .callee).count
        let events = h.events[.callee, default: []].count
        h.act(.callee) { $0.requestReceived(late, requestID: 9_999, now: $1) }
        #expect(h.sent(by: .callee).count == sent, "an ACK is never answered")
        #expect(h.events[.callee, default: []].count == events, "nor does it bring the call back")
        #expect(h.state(.callee) == .terminated)
    }

    @Test("CANCEL after the 180: 200 to the CANCEL, 487 to the INVITE, caller ends cancelled")
    func cancelAfterRinging() throws {
        var h = try CallHarness()
        h.dial()
        h.actCallee { $0.ring(now: $1) }
        h.act(.caller) { $0.hangUp(now: $1) }
        let cancel = try #require(h.requests(.cancel, from: .caller).first)
        let invite = try #require(h.requests(.invite, from: .caller).first)
        #expect(try cancel.topVia.branch == invite.topVia.branch)
        #expect(try cancel.cseq == SIPCSeq(1, .cancel))
        #expect(h.responses(487, from: .callee).count == 1)
        #expect(h.lastChange(.caller)?.reason == .cancelled)
        #expect(h.lastChange(.caller)?.statusCode == 487)
        #expect(h.lastChange(.callee)?.reason == .cancelledByRemote)
        #expect(h.finished == [.caller, .callee])
        #expect(h.deadline(.caller, .cancelGuard) == nil)
    }

    @Test("hang-up before any response, then the callee answers at once: ACK and BYE, ended cancelled (§15)")
    func answerCrossesAHangUpHeldForAProvisional() throws {
        var h = try CallHarness()
        h.sendsTrying = false
        h.dial()
        h.act(.caller) { $0.hangUp(now: $1) }
        h.actCallee { $0.answer(body: SessionBody(contentType: .sdp, text: "v=0\r\na=answer\r\n"), now: $1) }
        #expect(h.requests(.cancel, from: .caller).isEmpty, "no 1xx came: no CANCEL ever")
        #expect(h.requests(.ack, from: .caller).count == 1)
        #expect(h.requests(.bye, from: .caller).count == 1, "the unwanted call is ended, not left answered")
        #expect(h.lastChange(.caller)?.reason == .cancelled)
        #expect(h.state(.caller) == .terminated)
        #expect(h.state(.callee) == .terminated)
    }

    @Test("cancel before any provisional: no CANCEL until the first 1xx (§9.1), then 487")
    func cancelBeforeProvisional() throws {
        var h = try CallHarness()
        h.sendsTrying = false
        h.dial()
        #expect(!h.caller.hangUpAwaitsAProvisionalResponse)
        h.act(.caller) { $0.hangUp(now: $1) }
        #expect(h.requests(.cancel, from: .caller).isEmpty)
        #expect(h.caller.hangUpAwaitsAProvisionalResponse, "nothing sent for the hang-up to wait on")
        h.actCallee { $0.ring(now: $1) }
        #expect(h.requests(.cancel, from: .caller).count == 1)
        #expect(!h.caller.hangUpAwaitsAProvisionalResponse, "the CANCEL is out: its INVITE's 487 is awaited")
        #expect(h.lastChange(.caller)?.reason == .cancelled)
        #expect(h.state(.callee) == .terminated)
    }

    @Test("reject 486: the caller ends rejected with 486 Busy Here")
    func reject() throws {
        var h = try CallHarness()
        h.dial()
        h.actCallee { $0.reject(statusCode: 486, now: $1) }
        let change = try #require(h.lastChange(.caller))
        #expect(change.state == .terminated && change.reason == .rejected)
        #expect(change.statusCode == 486 && change.reasonPhrase == "Busy Here")
        #expect(h.lastChange(.callee)?.reason == .rejectedLocally)
        #expect(h.finished == [.caller, .callee])
    }

    @Test("hold by the caller and retrieve by the callee: re-INVITE, 200 with the answer, ACK with its CSeq")
    func holdAndRetrieve() throws {
        var h = try CallHarness()
        h.establish()
        h.act(.caller) { $0.reinvite(offer: hold, now: $1) }
        let id = try #require(h.pendingReinvite(.callee))
        h.act(.callee) { $0.acceptReinvite(requestID: id, body: held, now: $1) }
        let completed = h.events[.caller, default: []].compactMap { e -> SessionBody? in
            if case .reinviteCompleted(200, _, let answer) = e { return answer } else { return nil }
        }
        #expect(completed.first?.text == held.text)
        #expect(try h.requests(.ack, from: .caller).last?.cseq == SIPCSeq(2, .ack))
        #expect(h.deadline(.callee, .retransmit2xx) == nil, "the ACK stopped the retransmissions")

        h.act(.callee) { $0.reinvite(offer: SessionBody(contentType: .sdp, text: "v=0\r\na=sendrecv\r\n"), now: $1) }
        let back = try #require(h.pendingReinvite(.caller))
        h.act(.caller) {
            $0.acceptReinvite(requestID: back, body: SessionBody(contentType: .sdp, text: "v=0\r\n"), now: $1)
        }
        #expect(try h.requests(.ack, from: .callee).last?.cseq == SIPCSeq(1, .ack))
        #expect(h.state(.caller) == .confirmed && h.state(.callee) == .confirmed)
    }

    @Test("callee holds between its 2xx and the ACK: the re-INVITE waits for the ACK (§14.1), then leaves at once")
    func calleeHoldsBeforeAck() throws {
        var h = try CallHarness()
        h.acksToDrop = 1
        h.establish()
        #expect(h.state(.callee) == .answered)
        h.act(.callee) { $0.reinvite(offer: hold, now: $1) }
        #expect(h.requests(.invite, from: .callee).isEmpty, "no new INVITE transaction before the ACK")
        h.fire(.callee, .retransmit2xx)  // the caller ACKs the retransmitted 2xx
        #expect(h.state(.callee) == .confirmed)
        let id = try #require(h.pendingReinvite(.caller), "the re-INVITE left when the ACK came")
        #expect(h.requests(.invite, from: .callee).first?.bodyText.contains("a=sendonly") == true)
        #expect(h.deadline(.callee, .glareRetry) == nil, "no glare wait: nothing was refused")
        h.act(.caller) { $0.acceptReinvite(requestID: id, body: held, now: $1) }
        #expect(try h.requests(.ack, from: .callee).last?.cseq == SIPCSeq(1, .ack))
        #expect(h.state(.caller) == .confirmed && h.state(.callee) == .confirmed)
    }

    @Test("glare: crossing re-INVITEs both get 491; the non-owner retries within 2 s, the owner after 2.1–4 s")
    func glare() throws {
        var h = try CallHarness()
        h.establish()
        let t0 = h.seconds
        h.paused = true
        h.act(.caller) { $0.reinvite(offer: hold, now: $1) }
        h.act(.callee) { $0.reinvite(offer: hold, now: $1) }
        h.flush()
        #expect(h.responses(491, from: .caller).count == 1)
        #expect(h.responses(491, from: .callee).count == 1)
        let callerRetry = try #require(h.deadline(.caller, .glareRetry)) - t0
        let calleeRetry = try #require(h.deadline(.callee, .glareRetry)) - t0
        #expect(callerRetry >= 2.1 && callerRetry <= 4.0)
        #expect(calleeRetry >= 0 && calleeRetry <= 2.0)

        h.fire(.callee, .glareRetry)
        let first = try #require(h.pendingReinvite(.caller))
        h.act(.caller) { $0.acceptReinvite(requestID: first, body: held, now: $1) }
        h.fire(.caller, .glareRetry)
        let second = try #require(h.pendingReinvite(.callee))
        h.act(.callee) { $0.acceptReinvite(requestID: second, body: held, now: $1) }
        for side in [Side.caller, .callee] {
            let done = h.events[side, default: []].filter {
                if case .reinviteCompleted(200, _, _) = $0 { return true } else { return false }
            }
            #expect(done.count == 1, "\(side)'s re-INVITE succeeded on its retry")
        }
        #expect(h.requests(.invite, from: .caller).count == 3)
    }

    @Test("Record-Route: the caller's BYE routes through the proxies in reverse, the callee's as received")
    func routeSet() throws {
        var h = try CallHarness()
        h.recordRoute = ["<sip:p2.example.net;lr>", "<sip:p1.example.net;lr>"]
        h.establish()
        let ack = try #require(h.requests(.ack, from: .caller).first)
        #expect(ack.headers.values(for: .route) == ["<sip:p1.example.net;lr>", "<sip:p2.example.net;lr>"])
        h.act(.callee) { $0.hangUp(now: $1) }
        let bye = try #require(h.requests(.bye, from: .callee).first)
        #expect(bye.headers.values(for: .route) == ["<sip:p2.example.net;lr>", "<sip:p1.example.net;lr>"])
        #expect(bye.requestURI?.description == "sip:7001@127.0.0.1:5070")
    }

    @Test("remote target refresh: a re-INVITE's new Contact (UAS side) and a 2xx's (UAC side) become the Request-URI")
    func targetRefresh() throws {
        var h = try CallHarness()
        h.establish()
        h.rewrite = { side, message in
            guard message.method == .invite || message.statusCode == 200 else { return message }
            var m = message
            m.headers.replaceOrAdd(
                .contact, side == .caller ? "<sip:7001@127.0.11.1:6000>" : "<sip:9000@127.0.22.2:7000>")
            return m
        }
        h.act(.caller) { $0.reinvite(offer: hold, now: $1) }
        let id = try #require(h.pendingReinvite(.callee))
        h.act(.callee) { $0.acceptReinvite(requestID: id, body: held, now: $1) }
        #expect(h.callee?.dialog?.remoteTarget.description == "sip:7001@127.0.11.1:6000")
        #expect(h.caller.dialog?.remoteTarget.description == "sip:9000@127.0.22.2:7000")
        h.act(.caller) { $0.hangUp(now: $1) }
        #expect(h.requests(.bye, from: .caller).first?.requestURI?.description == "sip:9000@127.0.22.2:7000")
    }

    @Test("481 for a request that names an unknown dialog; 500 for a CSeq below the last (§12.2.2)")
    func unknownDialogAndOrdering() throws {
        var h = try CallHarness()
        h.establish()
        var dialog = try #require(h.caller.dialog)
        let via = SIPVia(transport: "UDP", host: "127.0.0.1", port: 5070, branch: "z9hG4bKx")
        let info2 = dialog.makeRequest(.info, via: via, contact: nil)
        let info3 = dialog.makeRequest(.info, via: via, contact: nil)
        var callee = try #require(h.callee)
        let later = callee.requestReceived(info3, requestID: 1, now: h.now)
        let earlier = callee.requestReceived(info2, requestID: 2, now: h.now)
        var stranger = info3
        stranger.headers.replaceOrAdd(.to, "<sip:9000@site-a.example.net>;tag=nobody")
        let unknown = callee.requestReceived(stranger, requestID: 3, now: h.now)
        func codes(_ actions: [InviteSessionAction]) -> [Int] {
            actions.compactMap { if case .sendResponse(let r, _) = $0 { return r.statusCode } else { return nil } }
        }
        #expect(codes(later) == [200])
        #expect(codes(earlier) == [500])
        #expect(codes(unknown) == [481])
    }

    @Test("INFO with application/dtmf-relay: Signal=5, Duration=160, answered 200")
    func dtmfInfo() throws {
        var h = try CallHarness()
        h.establish()
        let digit = try #require(DTMFRelay(signal: "5"))
        h.act(.caller) { $0.sendInfo(digit.body, now: $1) }
        let info = try #require(h.requests(.info, from: .caller).first)
        #expect(info.headers.first(.contentType) == "application/dtmf-relay")
        #expect(info.bodyText == "Signal=5\r\nDuration=160\r\n")
        let received = h.events[.callee, default: []].compactMap { e -> SessionBody?? in
            if case .infoReceived(let body) = e { return body } else { return nil }
        }
        #expect(received.first??.text == "Signal=5\r\nDuration=160\r\n")
        let done = h.events[.caller, default: []].contains {
            if case .infoCompleted(200, _) = $0 { return true } else { return false }
        }
        #expect(done)
    }

    @Test("blind transfer: REFER with Refer-To, 202, NOTIFY sipfrags 100 → 180 → 200, each answered 200, ended")
    func referAndNotify() throws {
        var h = try CallHarness()
        h.answersRefer = true
        h.establish()
        h.act(.caller) { $0.transfer(to: try! SIPURI("sip:8000@site-a.example.net"), now: $1) }
        let refer = try #require(h.referReceived)
        #expect(refer.headers.first(.referTo) == "<sip:8000@site-a.example.net>")
        #expect(refer.headers.first(.contact) != nil)
        h.calleeNotifies(sipfrag: "SIP/2.0 100 Trying", subscriptionState: "active;expires=60")
        h.calleeNotifies(sipfrag: "SIP/2.0 180 Ringing", subscriptionState: "active;expires=60")
        h.calleeNotifies(sipfrag: "SIP/2.0 200 OK", subscriptionState: "terminated;reason=noresource")
        let progress = h.events[.caller, default: []].compactMap { e -> TransferProgress? in
            if case .transferProgress(let p) = e { return p } else { return nil }
        }
        #expect(
            progress == [
                .accepted(statusCode: 202), .notified(statusCode: 100, reasonPhrase: "Trying"),
                .notified(statusCode: 180, reasonPhrase: "Ringing"), .notified(statusCode: 200, reasonPhrase: "OK"),
                .ended(statusCode: 200, reasonPhrase: "OK"),
            ])
        let answers = h.sent(by: .caller).filter { (try? $0.cseq.method) == .notify }
        #expect(answers.map(\.statusCode) == [200, 200, 200])
    }

    @Test("407 on the INVITE answered once: CSeq 2, same Call-ID and From tag, credentials the proxy accepts")
    func proxyChallenge() throws {
        var h = try CallHarness()
        h.proxyPassword = "secret"
        h.establish()
        let invites = h.requests(.invite, from: .caller)
        #expect(invites.count == 2)
        #expect(try invites.map { try $0.cseq.sequenceNumber } == [1, 2])
        #expect(try invites[1].from.tag == invites[0].from.tag)
        #expect(try invites[1].callID == invites[0].callID)
        #expect(try invites[1].topVia.branch != invites[0].topVia.branch)
        #expect(h.proxyVerified == [true])
        #expect(h.state(.caller) == .confirmed)
        #expect(try h.requests(.ack, from: .caller).first?.cseq == SIPCSeq(2, .ack))
    }

    @Test("407 again after the answer (wrong password): no third INVITE, the call ends with 407")
    func proxyChallengeRejected() throws {
        var h = try CallHarness()
        h.proxyPassword = "other"
        h.dial()
        #expect(h.requests(.invite, from: .caller).count == 2)
        #expect(h.proxyVerified == [false])
        #expect(h.lastChange(.caller)?.statusCode == 407)
        #expect(h.lastChange(.caller)?.reason == .rejected)
    }

    @Test("407 for a realm that is not the connection's: not answered, the call ends with 407 naming the realm")
    func proxyChallengeForeignRealm() throws {
        var h = try CallHarness(
            realms: DigestRealmPolicy(domain: "site-a.example.net", user: "7001", hasPassword: true))
        h.proxyPassword = "secret"
        h.dial()
        let invites = h.requests(.invite, from: .caller)
        #expect(invites.count == 1, "no second INVITE")
        #expect(invites.allSatisfy { $0.headers.first(.proxyAuthorization) == nil })
        #expect(h.lastChange(.caller)?.statusCode == 407)
        #expect(
            h.lastChange(.caller)?.reasonPhrase
                == #"Proxy Authentication Required (realm "proxy.example.net" is not this connection's; see auth_realm)"#
        )
        #expect(h.finished.contains(.caller))
    }

    @Test("407 on a connection without a password: not answered, the reason says so")
    func proxyChallengeNoPassword() throws {
        var h = try CallHarness(
            realms: DigestRealmPolicy(
                domain: "site-a.example.net", user: "7001", hasPassword: false, configuredRealms: ["proxy.example.net"])
        )
        h.proxyPassword = "secret"
        h.dial()
        #expect(h.requests(.invite, from: .caller).count == 1)
        #expect(
            h.lastChange(.caller)?.reasonPhrase == "Proxy Authentication Required (no password configured for 7001)")
    }
}

@Suite("InviteClientSession alone: forking and local failures")
struct InviteClientSessionTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    func session() throws -> InviteClientSession {
        InviteClientSession(
            local: LocalParty(
                addressOfRecord: try SIPURI("sip:7001@a.example.net"), contact: try SIPURI("sip:7001@127.0.0.1:5070"),
                transport: .udp),
            remote: SIPNameAddress(uri: try SIPURI("sip:9000@a.example.net")), callID: "c", localTag: "lt",
            realms: DigestRealmPolicy(domain: "a.example.net", user: "7001", hasPassword: true),
            random: SeededRandom(seed: 1))
    }

    func ok(_ invite: SIPMessage, tag: String) throws -> SIPMessage {
        var r = invite.makeResponse(statusCode: 200, toTag: tag)
        r.headers.add(.contact, "<sip:9000@127.0.0.\(tag.count):5080>")
        return try SIPMessage(parsing: r.text)
    }

    @Test("a 2xx from a second fork is ACKed and ended with BYE; the first dialog stays (§13.2.2.4)")
    func forking() throws {
        var s = try session()
        let actions = s.start(offer: nil, now: start)
        guard case .sendRequest(let invite)? = actions.first else {
            Issue.record("no INVITE")
            return
        }
        _ = s.responseReceived(try ok(invite.message, tag: "a"), requestID: invite.id, now: start)
        #expect(s.state == .confirmed)
        let second = s.responseReceived(try ok(invite.message, tag: "bb"), requestID: invite.id, now: start)
        let acks = second.compactMap { if case .sendAck(let m, _) = $0 { return m } else { return nil } }
        let byes = second.compactMap { if case .sendRequest(let r) = $0 { return r } else { return nil } }
        #expect(try acks.first?.to.tag == "bb")
        #expect(byes.first?.purpose == .forkBye)
        #expect(try byes.first?.message.to.tag == "bb")
        #expect(s.dialog?.id.remoteTag == "a")
        let again = s.strayResponseReceived(try ok(invite.message, tag: "a"), now: start)
        #expect(again.contains { if case .sendAck = $0 { return true } else { return false } }, "re-ACK on a stray 2xx")
    }

    @Test("a local 408 from the INVITE transaction ends the call with 408 Request Timeout")
    func localTimeout() throws {
        var s = try session()
        let actions = s.start(offer: nil, now: start)
        guard case .sendRequest(let invite)? = actions.first else {
            Issue.record("no INVITE")
            return
        }
        let end = s.requestFailed(.timeout, requestID: invite.id, now: start)
        #expect(s.state == .terminated)
        let change = end.compactMap { if case .report(.stateChanged(let c)) = $0 { return c } else { return nil } }
            .first
        #expect(change?.statusCode == 408 && change?.reason == .localFailure(.timeout))
        #expect(end.contains { if case .terminated = $0 { return true } else { return false } })
    }
}
