import NIOCore
import SIPTransaction
import SIPUserAgent

/// The call's rules, one per event (``CallStateMachine/handle(_:now:)`` dispatches here).
extension CallStateMachine {
    mutating func dial(_ destination: String, now: NIODeadline) -> [Action] {
        guard direction == .outgoing, var failover, !failover.isFinished else { return [] }
        let first = failover.start(requested: connectionId)
        self.failover = failover
        statusSince = now
        // A session's first event has `disconnected` as its previous status.
        let started = Action.status(
            .inProgress, previous: .disconnected, reason: SessionReason(kind: .normal, text: "dialling \(destination)"))
        return [.holdOthers, started] + failoverActions(first, now: now)
    }

    mutating func ring(from caller: String, hasOffer: Bool, now: NIODeadline) -> [Action] {
        guard direction == .incoming, status == .inProgress else { return [] }
        hasPendingAnswer = hasOffer
        _ = change(
            to: .alerting,
            SessionReason(
                kind: .normal, statusCode: 180, reasonPhrase: "Ringing", text: "incoming call from \(caller)"),
            now: now)
        return [.status(.alerting, previous: .disconnected, reason: reason)]
    }

    func answer() -> [Action] {
        guard direction == .incoming, status == .alerting else { return [.refuse("not an incoming call that rings")] }
        // An INVITE without an offer (a 3pcc server's late offer, RFC 3261 §13.2.1): we offer in the
        // 200 and the answer comes in the ACK. An offer we could not answer was refused with 488 on
        // arrival, so no answer made on arrival means no offer.
        return [.holdOthers, .answerSession(withOffer: !hasPendingAnswer)]
    }

    func reject(_ statusCode: Int) -> [Action] {
        guard direction == .incoming, status == .alerting else { return [.refuse("not an incoming call that rings")] }
        return [.rejectSession(statusCode: statusCode)]
    }

    mutating func hangUp(sessionExists: Bool, now: NIODeadline) -> [Action] {
        // No attempt starts after the user's cancel: a cancelled dial never reaches another site.
        if var dialling = failover, !dialling.isFinished {
            let cancelled = dialling.cancel()
            failover = dialling
            return (sessionExists ? [.hangUpSession] : []) + failoverActions(cancelled, now: now)
        }
        return sessionExists ? [.hangUpSession] : end(SessionReason(kind: .localHangUp, text: "hung up"), now: now)
    }

    mutating func hold() -> [Action] {
        guard isEstablished else { return [.refuse("not connected")] }
        if heldLocally { return reinviteInFlight == .hold ? [.joinReinvite] : [.operationDone(.hold, failure: nil)] }
        guard reinviteInFlight == nil else { return [.refuse("a retrieve is in progress")] }
        heldLocally = true
        reinviteInFlight = .hold
        return [.sendReinvite(.hold)]
    }

    mutating func retrieve() -> [Action] {
        guard isEstablished else { return [.refuse("not connected or held")] }
        if !heldLocally {
            return reinviteInFlight == .retrieve ? [.joinReinvite] : [.operationDone(.retrieve, failure: nil)]
        }
        guard reinviteInFlight == nil else { return [.refuse("a hold is in progress")] }
        heldLocally = false
        reinviteInFlight = .retrieve
        return [.sendReinvite(.retrieve)]
    }

    mutating func answered(_ code: Int, _ phrase: String, now: NIODeadline) -> [Action] {
        guard !isEstablished else { return [] }
        var actions: [Action] = []
        if var dialling = failover {
            let ended = dialling.attemptEnded(.answered)
            failover = dialling
            actions += failoverActions(ended, now: now)
        }
        return actions + [change(to: .connected, .response(code, phrase), now: now), .startMedia]
    }

    mutating func sessionEnded(
        _ why: InviteEndReason?, _ code: Int?, _ phrase: String?, now: NIODeadline
    ) -> [Action] {
        if isDialling, var dialling = failover {
            if let localEndReason {
                // We ended the attempt ourselves (an insecure early answer): no other attempt.
                _ = dialling.cancel()
                failover = dialling
                return end(localEndReason, now: now)
            }
            // An attempt of a dial ended: the failover rule decides what happens next.
            let result: DialFailoverMachine.AttemptResult
            var blameTarget = true
            switch why {
            case .localFailure(let failure):
                result = failure.code == .timeout ? .timeout : .transportFailure("\(failure)")
            default:
                result = .finalResponse(statusCode: code ?? 500, reasonPhrase: phrase ?? "Server Internal Error")
                // The target answered: not down, unless with its own 503 (a proxy relays none, RFC 3261 §16.7).
                blameTarget = code == 503
            }
            let next = dialling.attemptEnded(result)
            failover = dialling
            return failoverActions(next, blameTarget: blameTarget, now: now)
        }
        let ended: SessionReason
        switch why {
        case .remoteHangUp, .cancelledByRemote:
            ended = SessionReason(kind: .remoteHangUp, text: "the other party hung up")
        case .localHangUp, .cancelled, .rejectedLocally:
            ended = SessionReason(kind: .localHangUp, text: "hung up")
        case .localFailure, .ackTimeout:
            // A call lost to a dead site ends with sipError 408, so the application can tell it from a hang-up.
            ended = .requestTimeout()
        case .rejected, .dialogFailure, .none:
            ended = .response(code ?? 500, phrase ?? "Server Internal Error")
        }
        // A call we ended ourselves (media inactivity, a lost session) keeps our reason, however the BYE fared.
        return end(localEndReason ?? ended, now: now)
    }

    mutating func reinviteCompleted(_ code: Int, _ phrase: String, heldByRemote: Bool, now: NIODeadline) -> [Action] {
        let operation = reinviteInFlight
        reinviteInFlight = nil
        var actions: [Action] = []
        var failure: SessionReason?
        if !(200...299).contains(code) {
            // RFC 3261 §14.1: a refused re-INVITE leaves the session as it was; the hold or retrieve
            // did not happen.
            switch operation {
            case .hold: heldLocally = false
            case .retrieve: heldLocally = true
            case nil: heldLocally.toggle()
            }
            failure = .response(code, phrase)
            actions.append(.abandonOffer)
        }
        actions.append(.updateMedia)
        actions += holdStatus(heldByRemote: heldByRemote, now: now)
        if let operation { actions.append(.operationDone(operation, failure: failure)) }
        return actions
    }

    /// `held` when either side holds the call, `connected` otherwise (only once the call is up).
    mutating func holdStatus(heldByRemote: Bool, now: NIODeadline) -> [Action] {
        guard isEstablished else { return [] }
        let held = heldLocally || heldByRemote
        let next: SessionStatus = held ? .held : .connected
        guard next != status else { return [] }
        let text = held ? (heldLocally ? "held" : "held by the other party") : "retrieved"
        return [change(to: next, SessionReason(kind: .normal, text: text), now: now)]
    }

    /// The dial failover machine's actions, as the call carries them out.
    mutating func failoverActions(
        _ actions: [DialFailoverMachine.Action], blameTarget: Bool = true, now: NIODeadline
    ) -> [Action] {
        var out: [Action] = []
        for action in actions {
            switch action {
            case .attempt(let connection, let targetIndex):
                connectionId = connection
                out.append(.attempt(connectionId: connection, targetIndex: targetIndex))
            case .failedOver(let from, let to, let cause):
                connectionId = to
                out.append(.failedOver(from: from, to: to, cause: cause))
            case .reportConnectionTrouble(let connection):
                out.append(.reportConnectionTrouble(connectionId: connection, blameTarget: blameTarget))
            case .end(.connected):
                break  // the session's own events move the call to connected
            case .end(.rejected(let code, let phrase)), .end(.failed(let code, let phrase)):
                out += end(.response(code, phrase), now: now)
            case .end(.cancelled):
                out += end(SessionReason(kind: .localHangUp, text: "cancelled"), now: now)
            }
        }
        return out
    }

    /// We end the call: the session is hung up, and the call ends with `reason` when it is over.
    mutating func endLocally(_ reason: SessionReason) -> [Action] {
        localEndReason = reason
        return [.hangUpSession]
    }

    mutating func change(to next: SessionStatus, _ why: SessionReason, now: NIODeadline) -> Action {
        let previous = status
        status = next
        reason = why
        statusSince = now
        return .status(next, previous: previous, reason: why)
    }

    /// The last status: `disconnected`; a hold or retrieve in flight did not happen.
    mutating func end(_ why: SessionReason, now: NIODeadline) -> [Action] {
        guard status != .disconnected else { return [] }
        let previous = status
        status = .disconnected
        reason = why
        statusSince = now
        var actions: [Action] = []
        if let operation = reinviteInFlight {
            reinviteInFlight = nil
            actions.append(.operationDone(operation, failure: why))
        }
        return actions + [.end(previous: previous, reason: why)]
    }
}
