import NIOCore
import SIPCore
import SIPTransaction

/// Session timers (RFC 4028) in a confirmed dialog: the refresher refreshes at half the interval
/// (UPDATE when the peer allows it, else a re-INVITE with our last session description, §9/§10);
/// the other side waits for the refresh until the §10 deadline. The negotiation itself is
/// ``SessionInterval``'s.
///
/// Rules, with where they come from:
/// - A 2xx to a refresh sets the interval again (§7.4); a 422 retries with the larger Min-SE
///   (§7.3); a 405/501 to an UPDATE falls back to re-INVITE; a 491 tries again after the §14.1
///   wait; a 481 or a 408 from the peer ends the dialog (§12.2.1.2, §10).
/// - A refresh that got no response at all (a local 408/503: the signalling site is down) does
///   not end the session here: it is reported and tried again at the next half interval; the TU
///   decides (the call's media may still flow).
/// - Expiry is reported, not acted on, for the same reason; the TU ends the session with BYE (§10).
/// - A refresh is not sent while an INVITE transaction of the dialog is under way (§14.1): the
///   re-INVITE in flight refreshes the session itself when it succeeds; ours waits 2 s.
extension InviteDialogUsage {
    /// Our refresh in flight is a re-INVITE (it holds the dialog's INVITE slot).
    var refreshIsInvite: Bool { refreshInFlight?.method == .invite }

    /// The 2xx that set the dialog up (`answer`: the one we received as UAC; nil: the one we sent
    /// as UAS, negotiated at admission): arm the timer and say what was agreed.
    mutating func sessionEstablished(answer: SIPMessage?, now: NIODeadline, into actions: inout [InviteSessionAction]) {
        if let answer {
            interval.answered(answer)
            peerAllowsUpdate = (try? answer.allow)?.contains(.update) ?? false
        }
        armSessionTimer(now: now, into: &actions)
        actions.append(.report(.sessionTimer(.negotiated(interval: interval.interval, weRefresh: interval.weRefresh))))
    }

    mutating func armSessionTimer(now: NIODeadline, into actions: inout [InviteSessionAction]) {
        cancel(.sessionRefresh, into: &actions)
        cancel(.sessionExpiry, into: &actions)
        if let due = interval.refreshDeadline(after: now) {
            schedule(.sessionRefresh, at: due, into: &actions)
        } else if let due = interval.expiryDeadline(after: now) {
            schedule(.sessionExpiry, at: due, into: &actions)
        }
    }

    mutating func sessionRefreshDue(now: NIODeadline, into actions: inout [InviteSessionAction]) {
        guard state == .confirmed, interval.interval != nil, interval.weRefresh else { return }
        if ourReinvite != nil || theirReinvite != nil || awaitingAck != nil || refreshInFlight != nil {
            schedule(.sessionRefresh, at: now + .seconds(2), into: &actions)
            return
        }
        sendRefresh(into: &actions)
    }

    mutating func sendRefresh(into actions: inout [InviteSessionAction]) {
        var headers = interval.refreshHeaders()
        if let supported = configuration.supportedValue { headers.append((.supported, supported)) }
        let method: SIPMethod = peerAllowsUpdate ? .update : .invite
        var body: SessionBody?
        if method == .invite {
            headers.append((.allow, configuration.allowValue))
            body = lastLocalBody
        }
        guard let id = sendInDialog(.refresh, method, body: body, extraHeaders: headers, into: &actions) else { return }
        refreshInFlight = (id, method)
    }

    /// The final response to our refresh.
    mutating func refreshAnswered(
        _ response: SIPMessage, statusCode code: Int, now: NIODeadline, into actions: inout [InviteSessionAction]
    ) {
        guard let sent = refreshInFlight else { return }
        refreshInFlight = nil
        let phrase = response.reasonPhrase ?? SIPStatus.reasonPhrase(for: code)
        switch code {
        case 200..<300:
            if sent.method == .invite {
                dialog?.refreshRemoteTarget(from: response)
                if let cseq = try? response.cseq { acknowledge(inviteSequence: cseq.sequenceNumber, into: &actions) }
            }
            refreshSucceeded(response, now: now, into: &actions)
        case 422 where interval.tooSmall(response):
            sendRefresh(into: &actions)
        case 405,
            501 where sent.method == .update:
            peerAllowsUpdate = false
            sendRefresh(into: &actions)
        case 491:
            schedule(
                .sessionRefresh, at: now + GlareBackoff.wait(ownsCallID: dialog?.isCaller ?? false, using: &random),
                into: &actions)
        case 408, 481:
            endDialog(statusCode: code, reasonPhrase: phrase, into: &actions)
        default:
            actions.append(.report(.sessionTimer(.refreshFailed(statusCode: code, reasonPhrase: phrase, local: false))))
            armSessionTimer(now: now, into: &actions)
        }
    }

    /// A 2xx to a refresh or re-INVITE of ours: its Session-Expires is the interval now (§7.4).
    mutating func refreshSucceeded(_ response: SIPMessage, now: NIODeadline, into actions: inout [InviteSessionAction])
    {
        interval.answered(response)
        armSessionTimer(now: now, into: &actions)
        actions.append(.report(.sessionTimer(.refreshed(interval: interval.interval, weRefresh: interval.weRefresh))))
    }

    mutating func refreshFailedLocally(
        _ failure: TransactionFailure, now: NIODeadline, into actions: inout [InviteSessionAction]
    ) {
        refreshInFlight = nil
        actions.append(
            .report(
                .sessionTimer(
                    .refreshFailed(statusCode: failure.statusCode, reasonPhrase: failure.reasonPhrase, local: true))))
        armSessionTimer(now: now, into: &actions)
    }

    mutating func sessionExpiryDue(now: NIODeadline, into actions: inout [InviteSessionAction]) {
        guard state == .confirmed, interval.interval != nil, !interval.weRefresh else { return }
        actions.append(.report(.sessionTimer(.expired)))
        // Kept by the TU (its media flows): the next deadline reports again.
        armSessionTimer(now: now, into: &actions)
    }

    /// The peer's refresh (re-INVITE or UPDATE) is being answered 2xx: take its interval, say it
    /// in the response (§9), and start the wait over.
    mutating func refreshedByPeer(
        _ request: SIPMessage, response: inout SIPMessage, now: NIODeadline, into actions: inout [InviteSessionAction]
    ) {
        let before = interval.interval
        interval.refreshedByPeer(request)
        for (name, value) in interval.answerHeaders() { response.headers.add(name, value) }
        armSessionTimer(now: now, into: &actions)
        if before != nil || interval.interval != nil {
            actions.append(
                .report(.sessionTimer(.refreshed(interval: interval.interval, weRefresh: interval.weRefresh))))
        }
    }
}
