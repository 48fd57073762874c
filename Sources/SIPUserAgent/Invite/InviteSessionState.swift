import SIPTransaction

/// Where an INVITE session stands, as the TU sees it.
package enum InviteSessionState: Hashable, Sendable {
    /// UAC: the INVITE is out, no provisional response with a To tag yet.
    case calling
    /// UAS: an INVITE arrived and nothing but 100 was answered.
    case incoming
    /// UAC: a 1xx with a To tag arrived (an early dialog). UAS: we sent a 1xx (ringing).
    case early
    /// UAS: our 2xx is out and retransmitted until the ACK arrives (§13.3.1.4).
    case answered
    /// The dialog is confirmed: ACK sent (UAC) or received (UAS).
    case confirmed
    /// The session is over; requests still in flight (a BYE) may finish.
    case terminated
}

/// Why a session ended.
package enum InviteEndReason: Hashable, Sendable {
    /// We sent BYE.
    case localHangUp
    /// The peer sent BYE.
    case remoteHangUp
    /// We cancelled before the answer (the final response is in the change, usually 487).
    case cancelled
    /// The peer cancelled before we answered.
    case cancelledByRemote
    /// The peer answered our INVITE with 3xx–6xx.
    case rejected
    /// We answered the INVITE with 3xx–6xx.
    case rejectedLocally
    /// No response in time or the transport failed: a local 408 or 503 (§8.1.3.1).
    case localFailure(TransactionFailure)
    /// Our 2xx was never acknowledged within 64·T1: we sent BYE (§13.3.1.4).
    case ackTimeout
    /// A request in the dialog got 481 or 408 (§12.2.1.2): the dialog is gone.
    case dialogFailure
}

/// One status change, with the SIP response that caused it when there is one.
package struct InviteSessionStateChange: Hashable, Sendable {
    package var previous: InviteSessionState
    package var state: InviteSessionState
    /// The status code that caused the change (a local 408/503 for local failures).
    package var statusCode: Int?
    package var reasonPhrase: String?
    /// Set when `state` is terminated.
    package var reason: InviteEndReason?

    package init(
        previous: InviteSessionState, state: InviteSessionState, statusCode: Int? = nil, reasonPhrase: String? = nil,
        reason: InviteEndReason? = nil
    ) {
        self.previous = previous
        self.state = state
        self.statusCode = statusCode
        self.reasonPhrase = reasonPhrase
        self.reason = reason
    }
}
