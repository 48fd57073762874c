import NIOCore
import SIPTransaction
import SIPUserAgent
import Testing

@testable import SipEndpoint

/// The rules of one call as sequences over the pure machine: no sockets, no sleeps, time an input.
@Suite("Call rules (CallStateMachine)")
struct CallStateMachineTests {
    typealias M = CallStateMachine
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
    static let twoReady = [
        DialFailoverMachine.Candidate(connectionId: 0, isReady: true),
        DialFailoverMachine.Candidate(connectionId: 1, isReady: true),
    ]

    static func dialling(_ candidates: [DialFailoverMachine.Candidate] = twoReady) -> M {
        var m = M(outgoing: 0, failover: DialFailoverMachine(requested: 0, candidates: candidates), now: t0)
        _ = m.handle(.dial(destination: "9000"), now: t0)
        return m
    }

    static func connectedOutgoing() -> M {
        var m = dialling()
        _ = m.handle(.answered(statusCode: 200, reasonPhrase: "OK"), now: t0)
        return m
    }

    static func ringingIncoming(hasOffer: Bool = true) -> M {
        var m = M(incoming: 1, now: t0)
        _ = m.handle(.ring(from: "sip:100@b", hasOffer: hasOffer), now: t0)
        return m
    }

    static let hungUp = SessionReason(kind: .localHangUp, text: "hung up")

    @Test("A dial: inProgress, its first attempt, 180 alerting, 200 connected with media")
    func dialRingsAndConnects() {
        var m = M(outgoing: 0, failover: DialFailoverMachine(requested: 0, candidates: Self.twoReady), now: Self.t0)
        #expect(
            m.handle(.dial(destination: "9000"), now: Self.t0) == [
                .holdOthers,
                .status(.inProgress, previous: .disconnected, reason: .init(kind: .normal, text: "dialling 9000")),
                .attempt(connectionId: 0, targetIndex: 0),
            ])
        let t1 = Self.t0 + .milliseconds(300)
        #expect(
            m.handle(.early(statusCode: 180, reasonPhrase: "Ringing"), now: t1) == [
                .status(.alerting, previous: .inProgress, reason: .response(180, "Ringing"))
            ])
        #expect(m.statusSince == t1, "time is the event's, not a clock's")
        #expect(m.handle(.early(statusCode: 183, reasonPhrase: "Session Progress"), now: t1) == [], "alerting once")
        #expect(
            m.handle(.answered(statusCode: 200, reasonPhrase: "OK"), now: t1) == [
                .status(.connected, previous: .alerting, reason: .response(200, "OK")), .startMedia,
            ])
        #expect(m.failover?.isFinished == true)
        #expect(m.handle(.answered(statusCode: 200, reasonPhrase: "OK"), now: t1) == [], "a retransmitted 2xx")
    }

    @Test("Early media: an answer in a 18x starts RTP while alerting; later answers update the running stream")
    func earlyMedia() {
        var m = Self.dialling()
        #expect(m.handle(.answerReceived(mediaRunning: false, heldByRemote: false), now: Self.t0) == [])
        _ = m.handle(.early(statusCode: 183, reasonPhrase: "Session Progress"), now: Self.t0)
        #expect(m.handle(.answerReceived(mediaRunning: false, heldByRemote: false), now: Self.t0) == [.startMedia])
        _ = m.handle(.answered(statusCode: 200, reasonPhrase: "OK"), now: Self.t0)
        #expect(m.handle(.answerReceived(mediaRunning: true, heldByRemote: false), now: Self.t0) == [.updateMedia])
    }

    @Test("A retry code fails over: trouble reported (target blamed only for its own 503), next connection tried")
    func failoverInsideTheCall() {
        var m = Self.dialling()
        #expect(
            m.handle(.sessionEnded(.rejected, statusCode: 503, reasonPhrase: "Service Unavailable"), now: Self.t0) == [
                .reportConnectionTrouble(connectionId: 0, blameTarget: true),
                .failedOver(
                    from: 0, to: 1, cause: .response(statusCode: 503, reasonPhrase: "Service Unavailable")),
                .attempt(connectionId: 1, targetIndex: 0),
            ])
        #expect(m.connectionId == 1)
        #expect(m.status == .inProgress)
        #expect(
            m.handle(.sessionEnded(.rejected, statusCode: 408, reasonPhrase: "Request Timeout"), now: Self.t0) == [
                .reportConnectionTrouble(connectionId: 1, blameTarget: false),
                .end(previous: .inProgress, reason: .response(408, "Request Timeout")),
            ], "the last connection's cause ends the dial")
        #expect(m.status == .disconnected)
        #expect(m.handle(.answered(statusCode: 200, reasonPhrase: "OK"), now: Self.t0) == [], "over is over")
    }

    @Test("An attempt that times out or cannot be sent moves on; any other final response ends the dial")
    func timeoutAndRejection() {
        var m = Self.dialling()
        let timedOut = m.handle(
            .sessionEnded(.localFailure(.timeout), statusCode: 408, reasonPhrase: nil), now: Self.t0)
        #expect(timedOut.contains(.failedOver(from: 0, to: 1, cause: .timeout)))
        var n = Self.dialling()
        #expect(n.handle(.attemptNotSent("refused"), now: Self.t0).last == .attempt(connectionId: 1, targetIndex: 0))
        #expect(
            n.handle(.sessionEnded(.rejected, statusCode: 486, reasonPhrase: "Busy Here"), now: Self.t0) == [
                .end(previous: .inProgress, reason: .response(486, "Busy Here"))
            ])
    }

    @Test("Hang-up while dialling: CANCEL, disconnected at once as cancelled, no attempt after it")
    func hangUpWhileDialling() {
        var m = Self.dialling()
        #expect(
            m.handle(.hangUp(sessionExists: true), now: Self.t0) == [
                .hangUpSession,
                .end(previous: .inProgress, reason: SessionReason(kind: .localHangUp, text: "cancelled")),
            ])
        #expect(m.failover?.isFinished == true)
        #expect(m.handle(.sessionEnded(.cancelled, statusCode: 487, reasonPhrase: "x"), now: Self.t0) == [])
        var between = Self.dialling()
        #expect(
            between.handle(.hangUp(sessionExists: false), now: Self.t0).first
                == .end(
                    previous: .inProgress, reason: SessionReason(kind: .localHangUp, text: "cancelled")))
    }

    @Test("Hang-up when connected: BYE; the call ends when the session does, as a local hang-up")
    func hangUpConnected() {
        var m = Self.connectedOutgoing()
        #expect(m.handle(.hangUp(sessionExists: true), now: Self.t0) == [.hangUpSession])
        #expect(m.status == .connected, "until the session ends")
        #expect(
            m.handle(.sessionEnded(.localHangUp, statusCode: nil, reasonPhrase: nil), now: Self.t0) == [
                .end(previous: .connected, reason: Self.hungUp)
            ])
    }

    @Test("The sipError 408 rule: a call lost to a dead site (no answer, no ACK, lost session) ends with 408")
    func lostCallsEndWith408() {
        for why in [InviteEndReason.localFailure(.timeout), .localFailure(.transportError), .ackTimeout] {
            var m = Self.connectedOutgoing()
            #expect(
                m.handle(.sessionEnded(why, statusCode: 503, reasonPhrase: "x"), now: Self.t0) == [
                    .end(previous: .connected, reason: .requestTimeout())
                ])
        }
        var lost = Self.connectedOutgoing()
        #expect(lost.handle(.sessionLost("no refresh"), now: Self.t0) == [.hangUpSession])
        #expect(
            lost.handle(.sessionEnded(.localHangUp, statusCode: nil, reasonPhrase: nil), now: Self.t0) == [
                .end(previous: .connected, reason: .requestTimeout("408 Request Timeout (no refresh)"))
            ], "our reason, however the BYE fared")
        var silent = Self.connectedOutgoing()
        _ = silent.handle(.mediaStopped(silentFor: "30 s", connectionFailed: true), now: Self.t0)
        #expect(silent.localEndReason?.statusCode == 408, "no media and a failed connection: the site is dead")
        var quiet = Self.connectedOutgoing()
        _ = quiet.handle(.mediaStopped(silentFor: "30 s", connectionFailed: false), now: Self.t0)
        #expect(quiet.localEndReason?.kind == .mediaTimeout, "a peer gone without a BYE, its site alive")
        var remote = Self.connectedOutgoing()
        #expect(
            remote.handle(.sessionEnded(.remoteHangUp, statusCode: nil, reasonPhrase: nil), now: Self.t0) == [
                .end(previous: .connected, reason: SessionReason(kind: .remoteHangUp, text: "the other party hung up"))
            ])
    }

    @Test("Incoming: rings with the caller; answered with our answer, or our offer when the INVITE had none")
    func incomingAndLateOffer() {
        var m = M(incoming: 1, now: Self.t0)
        #expect(m.handle(.early(statusCode: 180, reasonPhrase: "Ringing"), now: Self.t0) == [], "our own 180")
        #expect(
            m.handle(.ring(from: "Bob sip:100@b", hasOffer: true), now: Self.t0) == [
                .status(
                    .alerting, previous: .disconnected,
                    reason: SessionReason(
                        kind: .normal, statusCode: 180, reasonPhrase: "Ringing",
                        text: "incoming call from Bob sip:100@b"))
            ])
        #expect(m.handle(.answer, now: Self.t0) == [.holdOthers, .answerSession(withOffer: false)])
        var late = Self.ringingIncoming(hasOffer: false)
        #expect(
            late.handle(.answer, now: Self.t0) == [.holdOthers, .answerSession(withOffer: true)],
            "RFC 3261 §13.2.1: the offer goes in our 200")
        _ = late.handle(.answered(statusCode: 200, reasonPhrase: "OK"), now: Self.t0)
        #expect(late.status == .connected)
        #expect(late.handle(.answer, now: Self.t0) == [.refuse("not an incoming call that rings")])
        #expect(
            late.handle(.reinviteReceived(requestID: 7, hasOffer: false), now: Self.t0) == [
                .answerReinvite(requestID: 7, withOffer: true)
            ], "a re-INVITE without an offer gets ours (RFC 3261 §14.2)")
        var rejected = Self.ringingIncoming()
        #expect(rejected.handle(.reject(statusCode: 486), now: Self.t0) == [.rejectSession(statusCode: 486)])
        var outgoing = Self.dialling()
        #expect(outgoing.handle(.answer, now: Self.t0) == [.refuse("not an incoming call that rings")])
    }

    @Test("Hold and retrieve: connected ⇄ held once the re-INVITE is answered; the caller waits for it")
    func holdAndRetrieve() {
        var m = Self.connectedOutgoing()
        #expect(m.handle(.hold, now: Self.t0) == [.sendReinvite(.hold)])
        #expect(m.heldLocally && m.status == .connected)
        #expect(m.handle(.hold, now: Self.t0) == [.joinReinvite], "a second hold waits for the same re-INVITE")
        #expect(m.handle(.retrieve, now: Self.t0) == [.refuse("a hold is in progress")])
        #expect(
            m.handle(.reinviteCompleted(statusCode: 200, reasonPhrase: "OK", heldByRemote: false), now: Self.t0) == [
                .updateMedia, .status(.held, previous: .connected, reason: .init(kind: .normal, text: "held")),
                .operationDone(.hold, failure: nil),
            ])
        #expect(m.handle(.hold, now: Self.t0) == [.operationDone(.hold, failure: nil)], "held already: done at once")
        #expect(m.handle(.retrieve, now: Self.t0) == [.sendReinvite(.retrieve)])
        #expect(
            m.handle(.reinviteCompleted(statusCode: 200, reasonPhrase: "OK", heldByRemote: false), now: Self.t0) == [
                .updateMedia, .status(.connected, previous: .held, reason: .init(kind: .normal, text: "retrieved")),
                .operationDone(.retrieve, failure: nil),
            ])
        var dialling = Self.dialling()
        #expect(dialling.handle(.hold, now: Self.t0) == [.refuse("not connected")])
    }

    @Test("Hold failure: a refused re-INVITE leaves the call as it was (RFC 3261 §14.1) and the hold fails")
    func holdFailure() {
        var m = Self.connectedOutgoing()
        _ = m.handle(.hold, now: Self.t0)
        #expect(
            m.handle(
                .reinviteCompleted(statusCode: 488, reasonPhrase: "Not Acceptable Here", heldByRemote: false),
                now: Self.t0) == [
                    .abandonOffer, .updateMedia,
                    .operationDone(.hold, failure: .response(488, "Not Acceptable Here")),
                ])
        #expect(!m.heldLocally && m.status == .connected)
        var noOffer = Self.connectedOutgoing()
        _ = noOffer.handle(.hold, now: Self.t0)
        #expect(noOffer.handle(.reinviteNotSent(heldByRemote: false), now: Self.t0).count == 1)
        #expect(!noOffer.heldLocally)
        var ended = Self.connectedOutgoing()
        _ = ended.handle(.hold, now: Self.t0)
        #expect(
            ended.handle(.sessionEnded(.dialogFailure, statusCode: 481, reasonPhrase: "x"), now: Self.t0) == [
                .operationDone(.hold, failure: .response(481, "x")),
                .end(previous: .connected, reason: .response(481, "x")),
            ], "a call that ends under a hold fails the hold")
    }

    @Test("The peer's hold: held by the other party, connected again when it retrieves")
    func heldByThePeer() {
        var m = Self.connectedOutgoing()
        #expect(
            m.handle(.remoteOfferAnswered(heldByRemote: true), now: Self.t0) == [
                .updateMedia,
                .status(.held, previous: .connected, reason: .init(kind: .normal, text: "held by the other party")),
            ])
        #expect(
            m.handle(.remoteOfferAnswered(heldByRemote: false), now: Self.t0) == [
                .updateMedia,
                .status(.connected, previous: .held, reason: .init(kind: .normal, text: "retrieved")),
            ])
    }

    @Test("Signalling lost is raised once per failure of an established call's connection")
    func signalingLostOnce() {
        var m = Self.connectedOutgoing()
        #expect(m.handle(.connectionFailed("no answer"), now: Self.t0) == [.signalingLost("no answer")])
        #expect(m.handle(.connectionFailed("no answer"), now: Self.t0) == [])
        _ = m.handle(.connectionReady, now: Self.t0)
        #expect(m.handle(.connectionFailed("again"), now: Self.t0) == [.signalingLost("again")])
        var dialling = Self.dialling()
        #expect(dialling.handle(.connectionFailed("x"), now: Self.t0) == [], "the dial's failover handles it")
    }

    @Test("An insecure early answer ends the dial with 488: no other attempt starts")
    func insecureEarlyAnswer() {
        var m = Self.dialling()
        _ = m.handle(.early(statusCode: 183, reasonPhrase: "Session Progress"), now: Self.t0)
        #expect(m.handle(.insecureAnswer("no keys"), now: Self.t0) == [.hangUpSession])
        let end = m.handle(.sessionEnded(.cancelled, statusCode: 487, reasonPhrase: "x"), now: Self.t0)
        #expect(end.count == 1)
        #expect(end.first.map { if case .end(_, let r) = $0 { r.statusCode == 488 } else { false } } == true)
    }
}
