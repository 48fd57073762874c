import NIOCore
import SIPTransaction
import SIPUserAgent

/// The rules of one call as a value: its status, the dial's failover attempts (through
/// ``DialFailoverMachine``), early media, late offers, hold and retrieve and their failure, and why
/// the call ends (a call lost with its site ends with sipError 408). Events in, actions out, `now`
/// an input; no I/O. ``CallDriver`` feeds it what the INVITE session machines, the media and the
/// application report, and performs what it returns.
///
/// ```
///                 dial ─> inProgress ── 18x ──> alerting ── 2xx ──> connected ⇄ held
///    incoming INVITE ────────────────────────> alerting ── answer ─┘  (hold/retrieve, the peer's hold)
///    any status ── hang-up, final failure, BYE, lost site ──> disconnected (the last status)
/// ```
///
/// A dial's attempt that fails while the call is `inProgress` or `alerting` is the failover
/// machine's to judge: another attempt, or the end with the last cause's code. Once the call is
/// connected, a session that ends is the call's end.
struct CallStateMachine: Sendable, Hashable {
    enum Direction: Sendable, Hashable { case outgoing, incoming }

    /// A re-INVITE of ours that changes the call's hold (RFC 3264 §8.4).
    enum HoldOperation: Sendable, Hashable { case hold, retrieve }

    enum Event: Sendable, Hashable {
        // The application
        /// Start the dial (outgoing): its first attempt.
        case dial(destination: String)
        /// Answer the incoming call that rings.
        case answer
        /// Refuse the incoming call that rings with this final response.
        case reject(statusCode: Int)
        /// Hang up; `sessionExists`: an INVITE session carries the call now (nil between attempts).
        case hangUp(sessionExists: Bool)
        case hold
        case retrieve

        // The call's INVITE session
        /// An incoming INVITE rings; `hasOffer`: it carried an SDP offer (answered at once, RFC 3264 §6).
        case ring(from: String, hasOffer: Bool)
        /// A provisional response with a To tag (an early dialog).
        case early(statusCode: Int, reasonPhrase: String)
        /// The INVITE was answered (2xx sent or received).
        case answered(statusCode: Int, reasonPhrase: String)
        /// The session ended; the status code and phrase of the change that ended it.
        case sessionEnded(InviteEndReason?, statusCode: Int?, reasonPhrase: String?)
        /// The attempt could not be sent (its target did not resolve).
        case attemptNotSent(String)
        /// No SDP offer could be made for the attempt.
        case noOffer(String)
        /// The peer's answer to our offer was applied (in a 18x, a 2xx or an ACK). `mediaRunning`: the
        /// call's RTP session is open; `heldByRemote`: the peer's direction holds us.
        case answerReceived(mediaRunning: Bool, heldByRemote: Bool)
        /// The peer sent a re-INVITE, with or without an offer.
        case reinviteReceived(requestID: UInt64, hasOffer: Bool)
        /// Our answer to the peer's re-INVITE offer was sent.
        case remoteOfferAnswered(heldByRemote: Bool)
        /// Our re-INVITE (hold or retrieve) has its final response.
        case reinviteCompleted(statusCode: Int, reasonPhrase: String, heldByRemote: Bool)
        /// Our hold or retrieve could not make its offer.
        case reinviteNotSent(heldByRemote: Bool)

        // What the driver saw around the call
        /// The session interval ran out or its refresh failed with no media (``LostSessionRule``).
        case sessionLost(String)
        /// No media for `silentFor` (`rtp_inactivity_timeout`); `connectionFailed`: the call's connection too.
        case mediaStopped(silentFor: String, connectionFailed: Bool)
        /// An answer that breaks the SRTP policy (RFC 4568 §7.5).
        case insecureAnswer(String)
        /// A copy of the call through another site replaces this one (`duplicate_call_header`).
        case replacedByCopy(String)
        /// The call's connection failed / is ready again.
        case connectionFailed(String)
        case connectionReady
    }

    enum Action: Sendable, Hashable {
        /// The status changed to `status` (the machine's ``status`` now): publish and raise the event.
        case status(SessionStatus, previous: SessionStatus, reason: SessionReason)
        /// The call is over: stop its media, raise `disconnected` with `reason`, forget it.
        case end(previous: SessionStatus, reason: SessionReason)
        /// Send the dial's INVITE on this connection to its `targetIndex`-th server target.
        case attempt(connectionId: Int, targetIndex: Int)
        /// The dial moved to another connection (raise ``SessionFailedOver``).
        case failedOver(from: Int, to: Int, cause: DialFailoverMachine.Cause)
        /// Tell the connection's health of the failure; `blameTarget`: the attempt's server target too
        /// (it timed out, failed to carry the INVITE, or answered 503 itself).
        case reportConnectionTrouble(connectionId: Int, blameTarget: Bool)
        /// Open the call's RTP session (connected, or early media).
        case startMedia
        /// Apply the latest offer/answer to the running RTP session.
        case updateMedia
        /// Forget our offer that was not accepted.
        case abandonOffer
        /// Put the line's other connected calls on hold (`hold_others`).
        case holdOthers
        /// Answer the incoming INVITE: with our answer to its offer, or (`withOffer`) with our offer when
        /// it came without one (a late offer, RFC 3261 §13.2.1; the answer comes in the ACK).
        case answerSession(withOffer: Bool)
        case rejectSession(statusCode: Int)
        /// Answer the peer's re-INVITE: with the answer to its offer, or (`withOffer`) with our offer when
        /// it came without one (RFC 3261 §14.2).
        case answerReinvite(requestID: UInt64, withOffer: Bool)
        /// End the INVITE session: CANCEL, BYE, or 603 for an incoming call that rings.
        case hangUpSession
        /// Send the hold or retrieve re-INVITE; the caller waits for its final response.
        case sendReinvite(HoldOperation)
        /// The same operation is in flight already: the caller waits for it.
        case joinReinvite
        /// The operation is over (at once when there was nothing to do); `failure`: it did not happen.
        case operationDone(HoldOperation, failure: SessionReason?)
        /// Raise ``SessionSignalingLost``.
        case signalingLost(String)
        /// The command is not allowed now: the caller gets ``SipEndpointError/Code/invalidState``.
        case refuse(String)
    }

    // The fields are set by the rules only (``handle(_:now:)`` and CallStateMachine+Rules.swift); the
    // driver reads them.
    let direction: Direction
    var status: SessionStatus
    var reason: SessionReason
    /// The connection the call uses now (it changes when the dial fails over).
    var connectionId: Int
    /// Whether this phone holds the call (from the hold's re-INVITE until a retrieve, or a refusal).
    var heldLocally = false
    /// The dial's failover rule (outgoing calls).
    var failover: DialFailoverMachine?
    /// The hold or retrieve re-INVITE of ours in flight.
    var reinviteInFlight: HoldOperation?
    /// An incoming INVITE's offer was answered on arrival (false: a late offer).
    var hasPendingAnswer = false
    /// Why we end the call ourselves (media stopped, session lost, insecure answer): kept whatever
    /// the BYE's fate.
    var localEndReason: SessionReason?
    /// ``SessionSignalingLost`` was raised for the current failure of the call's connection.
    var signalingLost = false
    /// When the status last changed.
    var statusSince: NIODeadline

    /// An outgoing call that dials through `failover`'s connections.
    init(outgoing connectionId: Int, failover: DialFailoverMachine, now: NIODeadline) {
        direction = .outgoing
        self.connectionId = connectionId
        self.failover = failover
        status = .inProgress
        reason = SessionReason(kind: .normal, text: "created")
        statusSince = now
    }

    /// An incoming call on `connectionId`.
    init(incoming connectionId: Int, now: NIODeadline) {
        direction = .incoming
        self.connectionId = connectionId
        status = .inProgress
        reason = SessionReason(kind: .normal, text: "created")
        statusSince = now
    }

    /// A dial whose attempts are still running: its INVITE may still go out.
    var isDialling: Bool { failover?.isFinished == false && (status == .inProgress || status == .alerting) }

    /// Whether the call is up (connected or held by either side).
    var isEstablished: Bool { status == .connected || status == .held }

    mutating func handle(_ event: Event, now: NIODeadline) -> [Action] {
        guard status != .disconnected else { return [] }
        switch event {
        case .dial(let destination): return dial(destination, now: now)
        case .ring(let from, let hasOffer): return ring(from: from, hasOffer: hasOffer, now: now)
        case .answer: return answer()
        case .reject(let code): return reject(code)
        case .hangUp(let sessionExists): return hangUp(sessionExists: sessionExists, now: now)
        case .hold: return hold()
        case .retrieve: return retrieve()
        case .early(let code, let phrase):
            // Our own 180 to an incoming INVITE is no news: the call rings from ``Event/ring(from:hasOffer:)``.
            guard direction == .outgoing, status == .inProgress else { return [] }
            return [change(to: .alerting, .response(code, phrase), now: now)]
        case .answered(let code, let phrase): return answered(code, phrase, now: now)
        case .sessionEnded(let why, let code, let phrase): return sessionEnded(why, code, phrase, now: now)
        case .attemptNotSent(let detail):
            guard isDialling else { return [] }
            return failoverActions(failover?.attemptEnded(.transportFailure(detail)) ?? [], now: now)
        case .noOffer(let detail):
            return end(
                SessionReason(
                    kind: .sipError, statusCode: 488, reasonPhrase: "Not Acceptable Here", text: "no offer: \(detail)"),
                now: now)
        case .answerReceived(let mediaRunning, let heldByRemote):
            // Early media (RFC 3960's gateway model): an answer in a 18x starts RTP before the call is
            // answered, so an IVR prompt or the network's ringback is heard. The answer may also come with
            // the 200 (after the session reported itself answered), or in the ACK of a late-offer 200.
            if mediaRunning { return [.updateMedia] + holdStatus(heldByRemote: heldByRemote, now: now) }
            return status == .alerting || status == .connected ? [.startMedia] : []
        case .reinviteReceived(let requestID, let hasOffer):
            return [.answerReinvite(requestID: requestID, withOffer: !hasOffer)]
        case .remoteOfferAnswered(let heldByRemote):
            return [.updateMedia] + holdStatus(heldByRemote: heldByRemote, now: now)
        case .reinviteCompleted(let code, let phrase, let heldByRemote):
            return reinviteCompleted(code, phrase, heldByRemote: heldByRemote, now: now)
        case .reinviteNotSent(let heldByRemote):
            let operation = reinviteInFlight ?? (heldLocally ? .hold : .retrieve)
            reinviteInFlight = nil
            heldLocally.toggle()
            return holdStatus(heldByRemote: heldByRemote, now: now) + [
                .operationDone(operation, failure: SessionReason(kind: .normal, text: "no offer could be made"))
            ]
        case .sessionLost(let text):
            // A call lost with its site ends with sipError 408, as the Genesys SDK reports a dead site.
            return endLocally(.requestTimeout("408 Request Timeout (\(text))"))
        case .mediaStopped(let silentFor, let connectionFailed):
            return endLocally(
                connectionFailed
                    ? .requestTimeout(
                        "408 Request Timeout (no media for \(silentFor) and connection \(connectionId) failed)")
                    : SessionReason(
                        kind: .mediaTimeout, text: "no RTP received for \(silentFor) (rtp_inactivity_timeout)"))
        case .insecureAnswer(let detail):
            return endLocally(
                SessionReason(
                    kind: .sipError, statusCode: 488, reasonPhrase: "Not Acceptable Here",
                    text: "insecure answer: \(detail)"))
        case .replacedByCopy(let text):
            return endLocally(SessionReason(kind: .localHangUp, text: text))
        case .connectionFailed(let why):
            guard isEstablished, !signalingLost else { return [] }
            signalingLost = true
            return [.signalingLost(why)]
        case .connectionReady:
            signalingLost = false
            return []
        }
    }
}

extension SessionReason {
    /// sipError 408 "Request Timeout": how a call lost with its site ends, so the application can tell
    /// a site failure from a hang-up.
    static func requestTimeout(_ text: String = "408 Request Timeout") -> SessionReason {
        SessionReason(kind: .sipError, statusCode: 408, reasonPhrase: "Request Timeout", text: text)
    }
}
