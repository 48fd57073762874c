import Foundation
import Logging
import NIOCore
import SIPCore
import SIPMedia
import SIPTransaction
import SIPTransport
import SIPUserAgent
import Synchronization

/// What the INVITE session machines report, turned into the call's status, its media and its events.
extension CallDriver {
    // MARK: Session events

    func sessionEvent(_ session: InviteDriver.SessionID, _ event: InviteSessionEvent) {
        guard let id = byEngineSession[session], var call = calls[id] else { return }
        switch event {
        case .stateChanged(let change):
            stateChanged(id, session: session, change)
        case .remoteBody(let body):
            guard body.contentType.matches(.sdp), let sdp = try? SessionDescription(parsing: body.content),
                case .offerSent = call.media.state
            else { return }
            guard takeAnswer(sdp, into: &call, id: id) else { return }
            feed(id, .answerReceived(mediaRunning: call.rtpSession != nil, heldByRemote: call.media.isHeldByRemote))
        case .reinviteReceived(let requestID, let offer):
            for action in step(id, .reinviteReceived(requestID: requestID, hasOffer: offer != nil)) {
                if case .answerReinvite(let requestID, _) = action {
                    answerReinvite(id, session: session, requestID: requestID, offer: offer)
                } else {
                    perform([action], call: id)
                }
            }
        case .reinviteCompleted(let code, let phrase, let answer):
            if (200...299).contains(code), let answer, let sdp = try? SessionDescription(parsing: answer.content) {
                guard takeAnswer(sdp, into: &call, id: id) else { return }
            } else {
                calls[id] = call
            }
            feed(
                id, .reinviteCompleted(statusCode: code, reasonPhrase: phrase, heldByRemote: call.media.isHeldByRemote))
        case .infoReceived(let body):
            // RFC 6086 INFO with `application/dtmf-relay`: the digit reaches the application like one
            // carried by RFC 4733.
            if let body, let relay = DTMFRelay(body: body) { dtmfReceived(id, digit: relay.signal, method: .info) }
        case .sessionTimer(let timerEvent):
            sessionTimerEvent(id, timerEvent)
        case .infoCompleted, .transferProgress:
            break
        }
    }

    /// Applies the peer's SDP answer to `call` and stores the call. An answer that would leave SRTP
    /// the policy requires ends the call instead (``insecureAnswer(_:_:)``) and returns false; any
    /// other answer the media cannot use leaves the media as it was, as the offer/answer rules do.
    private func takeAnswer(_ sdp: SessionDescription, into call: inout Call, id: String) -> Bool {
        do {
            _ = try call.media.receiveAnswer(sdp)
        } catch  where error.code == .insecureAnswer {
            calls[id] = call
            insecureAnswer(id, error)
            return false
        } catch {}
        calls[id] = call
        return true
    }

    /// The peer's re-INVITE: the answer to its offer, or, without one (a 3pcc server re-pointing media,
    /// or a session refresh; RFC 3261 §14.2), our offer in the 200 — our current direction, so a held
    /// call stays held — whose answer comes in the ACK.
    private func answerReinvite(
        _ id: String, session: InviteDriver.SessionID, requestID: UInt64, offer: SessionBody?
    ) {
        guard let call = calls[id] else { return }
        guard let offer else {
            do {
                let ours = try call.media.makeOffer()
                calls[id] = call
                engine.acceptReinvite(
                    session, requestID: requestID, body: SessionBody(contentType: .sdp, content: ours.byteBuffer))
            } catch {
                engine.rejectReinvite(session, requestID: requestID, statusCode: 491)
            }
            return
        }
        guard let sdp = try? SessionDescription(parsing: offer.content) else {
            engine.rejectReinvite(session, requestID: requestID, statusCode: 488)
            return
        }
        do {
            let answer = try call.media.receiveOffer(sdp).answer
            calls[id] = call
            engine.acceptReinvite(
                session, requestID: requestID, body: SessionBody(contentType: .sdp, content: answer.byteBuffer))
            feed(id, .remoteOfferAnswered(heldByRemote: call.media.isHeldByRemote))
        } catch {
            engine.rejectReinvite(session, requestID: requestID, statusCode: error.sipStatusCode ?? 488)
        }
    }

    func stateChanged(_ id: String, session: InviteDriver.SessionID, _ change: InviteSessionStateChange) {
        guard let call = calls[id], call.engineSession == session else { return }
        switch change.state {
        case .early:
            feed(id, .early(statusCode: change.statusCode ?? 180, reasonPhrase: change.reasonPhrase ?? "Ringing"))
        case .answered, .confirmed:
            feed(id, .answered(statusCode: change.statusCode ?? 200, reasonPhrase: change.reasonPhrase ?? "OK"))
        case .terminated:
            byEngineSession[session] = nil
            calls[id]?.engineSession = nil
            feed(id, .sessionEnded(change.reason, statusCode: change.statusCode, reasonPhrase: change.reasonPhrase))
        case .calling, .incoming:
            break
        }
    }

    /// An answer that breaks `use_srtp=mandatory` (no keys) or accepts none of our `a=crypto` lines
    /// ends the call: its media would be unprotected or undecryptable (RFC 4568 §7.5). Other answer
    /// failures leave the call as it was.
    func insecureAnswer(_ id: String, _ error: OfferAnswerError) {
        guard calls[id]?.engineSession != nil else { return }
        logger.warning("session \(id): \(error); hanging up")
        feed(id, .insecureAnswer(error.detail))
    }
}
