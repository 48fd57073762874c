import NIOCore
import SIPCore

/// The 2xx/ACK handshake of INVITE and re-INVITE, end to end between the TUs (RFC 3261 §13.2.2.4,
/// §13.3.1.4): the transaction layer does not retransmit a 2xx nor absorb its ACK.
extension InviteDialogUsage {
    /// UAS: our 2xx is out; send it again at T1, 2·T1, … up to T2 until the ACK comes, and give up
    /// after 64·T1 (§13.3.1.4).
    mutating func awaitAck(
        for response: SIPMessage, requestID: UInt64, sequence: UInt32, isInitial: Bool, now: NIODeadline,
        into actions: inout [InviteSessionAction]
    ) {
        actions.append(.sendResponse(response, toRequest: requestID))
        awaitingAck = AwaitingAck(
            requestID: requestID, response: response, sequence: sequence, interval: configuration.t1,
            isInitial: isInitial)
        schedule(.retransmit2xx, at: now + configuration.t1, into: &actions)
        schedule(.ackTimeout, at: now + configuration.sixtyFourT1, into: &actions)
    }

    /// An ACK in the dialog. One whose CSeq is not that of the 2xx we wait for (a retransmission,
    /// an ACK for an old re-INVITE) is ignored.
    mutating func ackReceived(_ ack: SIPMessage, into actions: inout [InviteSessionAction]) {
        guard let pending = awaitingAck, (try? ack.cseq.sequenceNumber) == pending.sequence else { return }
        awaitingAck = nil
        cancel(.retransmit2xx, into: &actions)
        cancel(.ackTimeout, into: &actions)
        if let body = SessionBody(message: ack) { actions.append(.report(.remoteBody(body))) }
        if pending.isInitial { change(to: .confirmed, into: &actions) }
        if byeAfterAck {
            byeAfterAck = false
            byeAndTerminate(.localHangUp, into: &actions)
        }
        // A re-INVITE the TU asked for before the ACK (`startReinvite` in `.answered`) goes now.
        if pending.isInitial, state == .confirmed, theirReinvite == nil,
            case .waiting(let offer, let retries) = ourReinvite
        {
            sendReinvite(offer: offer, glareRetries: retries, into: &actions)
        }
    }

    mutating func retransmit2xx(now: NIODeadline, into actions: inout [InviteSessionAction]) {
        guard var pending = awaitingAck else { return }
        actions.append(.sendResponse(pending.response, toRequest: pending.requestID))
        pending.interval = min(pending.interval + pending.interval, configuration.t2)
        awaitingAck = pending
        schedule(.retransmit2xx, at: now + pending.interval, into: &actions)
    }

    /// 64·T1 without the ACK: "the dialog is confirmed, but the session SHOULD be terminated.
    /// This is accomplished with a BYE" (§13.3.1.4).
    mutating func ackTimedOut(into actions: inout [InviteSessionAction]) {
        guard awaitingAck != nil else { return }
        awaitingAck = nil
        cancel(.retransmit2xx, into: &actions)
        if state == .answered { change(to: .confirmed, into: &actions) }
        byeAndTerminate(.ackTimeout, into: &actions)
    }

    /// UAC: ACK a 2xx to a (re-)INVITE of this dialog and keep the ACK for retransmitted 2xx.
    mutating func acknowledge(inviteSequence: UInt32, into actions: inout [InviteSessionAction]) {
        guard let d = dialog else { return }
        let ack = d.ack(inviteSequence: inviteSequence, via: newVia())
        actions.append(.sendAck(ack, nextHop: d.nextHop))
        lastAcks.removeAll { $0.sequence == inviteSequence }
        lastAcks.append(SentAck(sequence: inviteSequence, message: ack, nextHop: d.nextHop))
        // The initial INVITE's ACK and the latest re-INVITE's are all a retransmission can need.
        if lastAcks.count > 2 { lastAcks.remove(at: 1) }
    }

    /// A 2xx to an INVITE of this dialog we already acknowledged: send the same ACK again.
    /// Returns false when the 2xx is not one of those.
    mutating func reacknowledge(_ response: SIPMessage, into actions: inout [InviteSessionAction]) -> Bool {
        guard let code = response.statusCode, (200..<300).contains(code), let cseq = try? response.cseq,
            cseq.method == .invite, let d = dialog, DialogID(responseToOurRequest: response) == d.id,
            let sent = lastAcks.first(where: { $0.sequence == cseq.sequenceNumber })
        else { return false }
        actions.append(.sendAck(sent.message, nextHop: sent.nextHop))
        return true
    }
}
