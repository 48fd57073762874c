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
extension CallCore {
    // MARK: Session events

    func sessionEvent(_ session: SessionEngine.SessionID, _ event: SIPUserAgent.SessionEvent) {
        guard let id = byEngineSession[session], var call = calls[id] else { return }
        switch event {
        case .stateChanged(let change):
            stateChanged(id, session: session, change)
        case .remoteBody(let body):
            guard body.contentType.matches(.sdp), let sdp = try? SessionDescription(parsing: body.content) else {
                return
            }
            if case .offerSent = call.media.state {
                do {
                    _ = try call.media.receiveAnswer(sdp)
                } catch  where error.code == .insecureAnswer {
                    calls[id] = call
                    insecureAnswer(id, error)
                    return
                } catch {}
                calls[id] = call
                // Early media (RFC 3960's gateway model): an answer in a 18x starts RTP before the
                // call is answered, so an IVR prompt or the network's ringback is heard. The answer may
                // also come with the 200, after the session reported itself answered.
                if call.rtpSession != nil {
                    updateMedia(id)
                    updateHoldStatus(id)  // the answer to an offer we made in a 200 (a late-offer re-INVITE)
                } else if call.status == .alerting || call.status == .connected {
                    startMedia(id)
                }
            }
        case .reinviteReceived(let requestID, let offer):
            guard let offer else {
                // RFC 3261 §14.2: a re-INVITE without an offer (a 3pcc server re-pointing media, or a
                // session refresh) gets ours in the 200 — our current direction, so a held call stays
                // held — and the answer comes in the ACK.
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
                updateMedia(id)
                updateHoldStatus(id)
            } catch {
                engine.rejectReinvite(session, requestID: requestID, statusCode: error.sipStatusCode ?? 488)
            }
        case .reinviteCompleted(let code, _, let answer):
            if (200...299).contains(code), let answer, let sdp = try? SessionDescription(parsing: answer.content) {
                do {
                    _ = try call.media.receiveAnswer(sdp)
                } catch  where error.code == .insecureAnswer {
                    calls[id] = call
                    insecureAnswer(id, error)
                    return
                } catch {}
            } else if !(200...299).contains(code) {
                call.media.abandonOffer()
                call.heldLocally.toggle()  // the hold or retrieve did not happen
            }
            calls[id] = call
            updateMedia(id)
            updateHoldStatus(id)
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

    func stateChanged(_ id: String, session: SessionEngine.SessionID, _ change: SessionStateChange) {
        guard let call = calls[id], call.engineSession == session else { return }
        switch change.state {
        case .early:
            if call.status == .inProgress {
                setStatus(id, .alerting, reason: .response(change.statusCode ?? 180, change.reasonPhrase ?? "Ringing"))
            }
        case .answered, .confirmed:
            if call.status != .connected && call.status != .held {
                if call.direction == .outgoing, var failover = calls[id]?.failover {
                    let actions = failover.attemptEnded(.answered)
                    calls[id]?.failover = failover
                    performFailover(actions, call: id)
                }
                setStatus(id, .connected, reason: .response(change.statusCode ?? 200, change.reasonPhrase ?? "OK"))
            }
        case .terminated:
            byEngineSession[session] = nil
            calls[id]?.engineSession = nil
            terminated(id, change)
        case .calling, .incoming:
            break
        }
    }

    func terminated(_ id: String, _ change: SessionStateChange) {
        guard var call = calls[id] else { return }
        if call.direction == .outgoing, var failover = call.failover, !failover.isFinished,
            call.status == .inProgress || call.status == .alerting
        {
            // An attempt of a dial ended: the failover rule decides what happens next.
            let result: DialFailoverMachine.AttemptResult
            switch change.reason {
            case .localFailure(let failure):
                result = failure.code == .timeout ? .timeout : .transportFailure("\(failure)")
            default:
                result = .finalResponse(
                    statusCode: change.statusCode ?? 500, reasonPhrase: change.reasonPhrase ?? "Server Internal Error")
                // The target answered: not down, unless with its own 503 (a proxy relays none, RFC 3261 §16.7).
                if change.statusCode != 503 { call.attemptTarget = nil }
            }
            let actions = failover.attemptEnded(result)
            call.failover = failover
            calls[id] = call
            performFailover(actions, call: id)
            return
        }
        let reason: SessionReason
        switch change.reason {
        case .remoteHangUp, .cancelledByRemote:
            reason = SessionReason(kind: .remoteHangUp, text: "the other party hung up")
        case .localHangUp, .cancelled, .rejectedLocally:
            reason = call.reason.kind == .localHangUp ? call.reason : SessionReason(kind: .localHangUp, text: "hung up")
        case .localFailure, .ackTimeout:
            // A call lost to a dead site ends with sipError 408, so the application can tell it from a hang-up.
            reason = SessionReason(
                kind: .sipError, statusCode: 408, reasonPhrase: "Request Timeout", text: "408 Request Timeout")
        case .rejected, .dialogFailure, .none:
            reason = .response(change.statusCode ?? 500, change.reasonPhrase ?? "Server Internal Error")
        }
        // A call we ended ourselves (media inactivity) keeps our reason, however the BYE fared.
        end(id, reason: call.localEndReason ?? reason)
    }

    /// An answer that breaks `use_srtp=mandatory` (no keys) or accepts none of our `a=crypto` lines
    /// ends the call: its media would be unprotected or undecryptable (RFC 4568 §7.5). Other answer
    /// failures leave the call as it was.
    func insecureAnswer(_ id: String, _ error: OfferAnswerError) {
        guard var call = calls[id], let session = call.engineSession else { return }
        logger.warning("session \(id): \(error); hanging up")
        call.localEndReason = SessionReason(
            kind: .sipError, statusCode: 488, reasonPhrase: "Not Acceptable Here",
            text: "insecure answer: \(error.detail)")
        calls[id] = call
        engine.hangUp(session)
    }

    func updateHoldStatus(_ id: String) {
        guard let call = calls[id], call.status == .connected || call.status == .held else { return }
        let held = call.heldLocally || call.media.isHeldByRemote
        let status: SessionStatus = held ? .held : .connected
        if status != call.status {
            setStatus(
                id, status,
                reason: SessionReason(
                    kind: .normal, text: held ? (call.heldLocally ? "held" : "held by the other party") : "retrieved"))
        }
    }

    func end(_ id: String, reason: SessionReason) {
        guard let call = calls[id], call.status != .disconnected else { return }
        call.rtp?.release()
        let statistics = stopMedia(id)
        setStatus(id, .disconnected, reason: reason, mediaStatistics: statistics)
        calls[id]?.events.finish()
        calls[id] = nil
        duplicates.remove(session: id)
        snapshot.withLock { $0[id] = nil }
    }

    func setStatus(
        _ id: String, _ status: SessionStatus, reason: SessionReason, mediaStatistics: MediaStatistics? = nil
    ) {
        guard let call = calls[id] else { return }
        let previous = call.status
        if call.direction == .incoming, previous == .alerting, status != .alerting {
            ringing[call.user, default: 1] -= 1
            if ringing[call.user] == 0 { ringing[call.user] = nil }
        }
        calls[id]?.status = status
        calls[id]?.reason = reason
        publish(id)
        emitStatus(id, previous: previous, reason: reason, mediaStatistics: mediaStatistics)
        if status == .connected, previous != .held { startMedia(id) }
    }

    func emitStatus(
        _ id: String, previous: SessionStatus, reason: SessionReason, mediaStatistics: MediaStatistics? = nil
    ) {
        guard let call = calls[id] else { return }
        logger.info(
            "session \(id) on connection \(call.connectionId): \(previous.rawValue) → \(call.status.rawValue) (\(reason))"
        )
        let event = SessionEvent.statusChanged(
            SessionStatusChanged(
                sessionId: id, connectionId: call.connectionId, user: call.user, previousStatus: previous,
                status: call.status,
                reason: reason, time: Date(), mediaStatistics: mediaStatistics))
        call.events.yield(event)
        events.yield(event)
    }

    func publish(_ id: String) {
        guard let call = calls[id] else { return }
        let s = SessionSnapshot(
            id: id, direction: call.direction == .outgoing ? .outgoing : .incoming, connectionId: call.connectionId,
            user: call.user, status: call.status, reason: call.reason, remote: call.remote,
            isHeldLocally: call.heldLocally,
            sessionInterval: call.sessionInterval.map { .seconds($0) }, sessionRefreshes: call.sessionRefreshes)
        snapshot.withLock { $0[id] = s }
    }
}
