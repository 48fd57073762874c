import NIOCore
import SIPCore
import SIPTransaction

/// Answers to the requests we sent in the dialog (re-INVITE, BYE, INFO, REFER, a fork's BYE),
/// and their transactions' local failures.
extension InviteDialogUsage {
    mutating func responseInDialog(
        _ received: SIPMessage, requestID: UInt64, now: NIODeadline, into actions: inout [InviteSessionAction]
    ) {
        var response = received
        guard let code = response.statusCode else { return }
        guard let sent = outstanding[requestID] else {
            _ = reacknowledge(response, into: &actions)
            return
        }
        guard code >= 200 else { return }
        outstanding[requestID] = nil
        defer { finishIfDone(into: &actions) }
        switch answerChallenge(response, sent: sent, into: &actions) {
        case .answer: return
        case .refuse(let refusal): response = InviteChallenges.refused(response, refusal)
        case .final: break
        }
        let phrase = response.reasonPhrase ?? SIPStatus.reasonPhrase(for: code)
        switch sent.purpose {
        case .reinvite:
            reinviteAnswered(response, statusCode: code, now: now, into: &actions)
        case .info:
            actions.append(.report(.infoCompleted(statusCode: code, reasonPhrase: phrase)))
            if code == 481 || code == 408 { endDialog(statusCode: code, reasonPhrase: phrase, into: &actions) }
        case .refer:
            referAnswered(statusCode: code, reasonPhrase: phrase, into: &actions)
            if code == 481 || code == 408 { endDialog(statusCode: code, reasonPhrase: phrase, into: &actions) }
        case .refresh:
            refreshAnswered(response, statusCode: code, now: now, into: &actions)
        case .bye, .forkBye, .cancel, .invite:
            break
        }
    }

    /// A request of ours got no response: a local 408 (timeout) or 503 (transport). In a dialog
    /// this is §12.2.1.2's 408: the peer is gone, so the session ends (a call
    /// lost to a dead site ends with 408).
    mutating func failureInDialog(
        _ failure: TransactionFailure, requestID: UInt64, now: NIODeadline, into actions: inout [InviteSessionAction]
    ) {
        guard let sent = outstanding.removeValue(forKey: requestID) else { return }
        defer { finishIfDone(into: &actions) }
        switch sent.purpose {
        case .refresh:
            // Not §12.2.1.2's end: the TU decides (a dead signalling site need not cut live media).
            refreshFailedLocally(failure, now: now, into: &actions)
            return
        case .reinvite:
            ourReinvite = nil
        case .info:
            actions.append(.report(.infoCompleted(statusCode: failure.statusCode, reasonPhrase: failure.reasonPhrase)))
        case .refer:
            referAnswered(statusCode: failure.statusCode, reasonPhrase: failure.reasonPhrase, into: &actions)
        case .bye, .forkBye, .cancel, .invite:
            return
        }
        if state != .terminated {
            terminate(
                .localFailure(failure), statusCode: failure.statusCode, reasonPhrase: failure.reasonPhrase,
                into: &actions)
        }
    }

    /// §12.2.1.2: "If the response for a request within a dialog is a 481 or a 408, the UAC
    /// SHOULD terminate the dialog."
    mutating func endDialog(statusCode: Int, reasonPhrase: String, into actions: inout [InviteSessionAction]) {
        guard state != .terminated else { return }
        if statusCode == 408 {
            byeAndTerminate(.dialogFailure, statusCode: statusCode, reasonPhrase: reasonPhrase, into: &actions)
        } else {
            terminate(.dialogFailure, statusCode: statusCode, reasonPhrase: reasonPhrase, into: &actions)
        }
    }

    /// A 401/407 to an in-dialog request answered once (``InviteChallenges``): the same request
    /// with the next CSeq and a new branch, carrying the challenges for the driver to answer.
    /// Anything but `.answer` means the response is to be taken as final (`.refuse`: with the
    /// refusal in its reason).
    mutating func answerChallenge(
        _ response: SIPMessage, sent: Outstanding, into actions: inout [InviteSessionAction]
    ) -> InviteChallenges.Decision {
        guard sent.purpose != .cancel, sent.purpose != .forkBye, var d = dialog else { return .final }
        let decision = InviteChallenges.answer(
            response, previous: sent.challenges, rounds: sent.rounds, realms: realms)
        guard case .answer(let challenges) = decision else { return decision }
        let message = d.reissue(sent.message, via: newVia())
        dialog = d
        let id = send(
            sent.purpose, message, nextHop: sent.nextHop, challenges: challenges, rounds: sent.rounds + 1,
            into: &actions)
        if sent.purpose == .reinvite, case .inFlight(_, let offer, let retries) = ourReinvite {
            ourReinvite = .inFlight(id: id, offer: offer, glareRetries: retries)
        }
        if sent.purpose == .refer { transfer?.referID = id }
        if sent.purpose == .refresh { refreshInFlight?.id = id }
        return decision
    }

    mutating func timerFiredInCore(
        _ timer: InviteSessionTimer, now: NIODeadline, into actions: inout [InviteSessionAction]
    ) {
        switch timer {
        case .retransmit2xx: retransmit2xx(now: now, into: &actions)
        case .ackTimeout: ackTimedOut(into: &actions)
        case .glareRetry: glareRetryFired(now: now, into: &actions)
        case .sessionRefresh: sessionRefreshDue(now: now, into: &actions)
        case .sessionExpiry: sessionExpiryDue(now: now, into: &actions)
        case .cancelGuard, .ringTimeout, .noResponse: break
        }
    }
}
