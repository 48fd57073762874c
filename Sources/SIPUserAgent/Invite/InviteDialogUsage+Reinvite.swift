import NIOCore
import SIPCore

/// re-INVITE in a confirmed dialog, both directions (RFC 3261 §14), with glare: a re-INVITE
/// that meets ours gets 491, and ours, answered 491, is sent again after the §14.1 wait
/// (``GlareBackoff``). Bodies stay opaque: the TU gives the offer and the answer.
///
/// Choices:
/// - A retried re-INVITE carries the same body as the first try (the offer was never accepted,
///   so it is still the next version); the TU can send a different one after the failure report.
/// - A re-INVITE of ours asked for while the peer's is being answered waits the glare time too.
/// - A re-INVITE that arrives while our 2xx to the previous one waits for its ACK gets 491.
/// - A re-INVITE of ours asked for between our 2xx to the initial INVITE and its ACK (an answered
///   incoming call put on hold at once) leaves when the ACK arrives, with no glare wait: no 491 was
///   involved.
/// - A 408 (real) to our re-INVITE ends the call with a BYE; a 481 or a local 408/503 ends it
///   without one (§12.2.1.2: the dialog is gone, or the peer cannot be reached).
extension InviteDialogUsage {
    mutating func startReinvite(offer: SessionBody?, now: NIODeadline, into actions: inout [InviteSessionAction]) {
        guard state == .confirmed || state == .answered, ourReinvite == nil else { return }
        if state == .answered {
            // UAS between its 2xx and the ACK: the initial INVITE transaction is still in progress,
            // and §14.1 forbids a new one until it ends. The TU already reports the call answered,
            // so keep the re-INVITE and send it when the ACK confirms the dialog (`ackReceived`).
            ourReinvite = .waiting(offer: offer, glareRetries: 0)
            return
        }
        if theirReinvite != nil || awaitingAck != nil || refreshIsInvite {
            ourReinvite = .waiting(offer: offer, glareRetries: 0)
            scheduleGlareRetry(now: now, into: &actions)
            return
        }
        sendReinvite(offer: offer, glareRetries: 0, into: &actions)
    }

    mutating func sendReinvite(offer: SessionBody?, glareRetries: Int, into actions: inout [InviteSessionAction]) {
        var headers: [(SIPHeaderName, String)] = [(.allow, configuration.allowValue)]
        if let supported = configuration.supportedValue { headers.append((.supported, supported)) }
        // RFC 4028 §7.4: any re-INVITE of ours is a session refresh too.
        headers += interval.refreshHeaders()
        guard let id = sendInDialog(.reinvite, .invite, body: offer, extraHeaders: headers, into: &actions) else {
            return
        }
        if let offer { lastLocalBody = offer }
        ourReinvite = .inFlight(id: id, offer: offer, glareRetries: glareRetries)
    }

    mutating func scheduleGlareRetry(now: NIODeadline, into actions: inout [InviteSessionAction]) {
        let owner = dialog?.isCaller ?? false
        schedule(.glareRetry, at: now + GlareBackoff.wait(ownsCallID: owner, using: &random), into: &actions)
    }

    mutating func glareRetryFired(now: NIODeadline, into actions: inout [InviteSessionAction]) {
        guard case .waiting(let offer, let retries) = ourReinvite, state == .confirmed else { return }
        if theirReinvite != nil || awaitingAck != nil || refreshIsInvite {
            scheduleGlareRetry(now: now, into: &actions)
            return
        }
        sendReinvite(offer: offer, glareRetries: retries, into: &actions)
    }

    /// The final response to our re-INVITE.
    mutating func reinviteAnswered(
        _ response: SIPMessage, statusCode code: Int, now: NIODeadline, into actions: inout [InviteSessionAction]
    ) {
        guard case .inFlight(_, let offer, let retries) = ourReinvite else { return }
        let phrase = response.reasonPhrase ?? SIPStatus.reasonPhrase(for: code)
        ourReinvite = nil
        switch code {
        case 200..<300:
            dialog?.refreshRemoteTarget(from: response)
            if let cseq = try? response.cseq { acknowledge(inviteSequence: cseq.sequenceNumber, into: &actions) }
            if interval.interval != nil { refreshSucceeded(response, now: now, into: &actions) }
            actions.append(
                .report(
                    .reinviteCompleted(statusCode: code, reasonPhrase: phrase, answer: SessionBody(message: response))))
        case 491 where retries < configuration.maximumGlareRetries:
            ourReinvite = .waiting(offer: offer, glareRetries: retries + 1)
            scheduleGlareRetry(now: now, into: &actions)
        case 408:
            byeAndTerminate(.dialogFailure, statusCode: code, reasonPhrase: phrase, into: &actions)
        case 481:
            terminate(.dialogFailure, statusCode: code, reasonPhrase: phrase, into: &actions)
        default:
            actions.append(.report(.reinviteCompleted(statusCode: code, reasonPhrase: phrase, answer: nil)))
        }
    }

    /// The peer's re-INVITE (already in order and in this dialog).
    mutating func reinviteReceived(_ request: SIPMessage, requestID: UInt64, into actions: inout [InviteSessionAction])
    {
        if theirReinvite != nil {
            // §14.2: an INVITE while the previous one is unanswered gets 500 and a Retry-After
            // "randomly chosen value of between 0 and 10 seconds".
            let seconds = Int(random.next() % 11)
            respond(
                to: request, requestID: requestID, statusCode: 500, headers: [(.retryAfter, String(seconds))],
                into: &actions)
            return
        }
        var ours = refreshIsInvite
        if case .inFlight = ourReinvite { ours = true }
        if ours || awaitingAck != nil || state != .confirmed {
            // §14.2: "MUST return a 491 (Request Pending)".
            respond(to: request, requestID: requestID, statusCode: 491, into: &actions)
            return
        }
        // §12.2.2: a target refresh request replaces the remote target.
        dialog?.refreshRemoteTarget(from: request)
        theirReinvite = TheirReinvite(requestID: requestID, request: request)
        actions.append(.report(.reinviteReceived(requestID: requestID, offer: SessionBody(message: request))))
    }

    mutating func acceptReinvite(
        requestID: UInt64, body: SessionBody?, now: NIODeadline, into actions: inout [InviteSessionAction]
    ) {
        guard let theirs = theirReinvite, theirs.requestID == requestID, state == .confirmed,
            let sequence = try? theirs.request.cseq.sequenceNumber
        else { return }
        theirReinvite = nil
        var response = theirs.request.makeResponse(statusCode: 200)
        addDialogHeaders(to: &response, body: body)
        if let body { lastLocalBody = body }
        // RFC 4028 §9: a re-INVITE is the peer's refresh; the 2xx says the interval that now runs.
        refreshedByPeer(theirs.request, response: &response, now: now, into: &actions)
        awaitAck(for: response, requestID: requestID, sequence: sequence, isInitial: false, now: now, into: &actions)
    }

    mutating func rejectReinvite(requestID: UInt64, statusCode: Int, into actions: inout [InviteSessionAction]) {
        guard let theirs = theirReinvite, theirs.requestID == requestID, (300...699).contains(statusCode) else {
            return
        }
        theirReinvite = nil
        respond(to: theirs.request, requestID: requestID, statusCode: statusCode, into: &actions)
    }
}
