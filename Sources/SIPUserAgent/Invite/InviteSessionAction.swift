import NIOCore
import SIPCore

/// The timers of one session. The driver keeps at most one deadline per timer.
package enum InviteSessionTimer: UInt8, Hashable, Sendable, CaseIterable {
    /// Send our unacknowledged 2xx again (§13.3.1.4: T1, doubling up to T2).
    case retransmit2xx
    /// 64·T1 without the ACK for our 2xx: give up and BYE (§13.3.1.4).
    case ackTimeout
    /// The §14.1 wait after a 491 to our re-INVITE is over: try again.
    case glareRetry
    /// 64·T1 after our CANCEL without a final response to the INVITE (§9.1): give up.
    case cancelGuard
    /// An incoming call rang unanswered for the configured ring time: end it with 480.
    case ringTimeout
    /// The dial's own no-response timer (`invite_timeout`) ran out before any response to our
    /// INVITE: the attempt is given up (abandoned), its transaction keeps listening until Timer B.
    case noResponse
    /// Half the session interval passed: send our refresh (RFC 4028 §10).
    case sessionRefresh
    /// No refresh came from the refresher in time (RFC 4028 §10): the session expires.
    case sessionExpiry
}

/// What a request of the session is for; echoed with its responses.
package enum RequestPurpose: Hashable, Sendable {
    case invite, reinvite, cancel, bye, info, refer
    /// A session refresh (RFC 4028): UPDATE, or a re-INVITE with the last session description.
    case refresh
    /// The BYE that ends a dialog a forked 2xx created after we had one (§13.2.2.4).
    case forkBye
}

/// A request the session wants sent in a new client transaction.
package struct OutgoingRequest: Sendable {
    /// Echo it with each response (``InviteSession/responseReceived(_:requestID:now:)``) or
    /// failure of this transaction.
    package var id: UInt64
    package var purpose: RequestPurpose
    /// The request; its top Via has a placeholder sent-by and a fresh branch.
    package var message: SIPMessage
    /// Where to send it (§8.1.2): the first Route when it is a loose router, else the
    /// Request-URI (which holds the strict router in that case, §12.2.1.1).
    package var nextHop: SIPURI
    /// 401/407 challenges to answer before sending (§22.2, §22.3); empty for most requests.
    package var challenges: [RegistrationChallenge]

    /// The request with one credentials header per challenge (the connection's credentials and
    /// its authenticator, which keeps the nonce counts). Without challenges, the request as is.
    package func authorized(
        with authenticator: inout DigestAuthenticator, credentials: DigestCredentials,
        using generator: inout some RandomNumberGenerator
    ) throws(DigestError) -> SIPMessage {
        guard !challenges.isEmpty, let method = message.method, let uri = message.requestURI else { return message }
        var out = message
        for c in challenges {
            let value = try authenticator.credentials(
                answering: c.challenge, with: credentials, method: method, uri: uri.description,
                body: message.body.readableBytesView, using: &generator)
            out.headers.add(c.credentialsHeader, value.description)
        }
        return out
    }
}

/// How a blind transfer (REFER, RFC 3515) goes, as its NOTIFYs tell.
package enum TransferProgress: Hashable, Sendable {
    /// The REFER was accepted (202).
    case accepted(statusCode: Int)
    /// The REFER got a final non-2xx or no response: no transfer.
    case refused(statusCode: Int, reasonPhrase: String)
    /// A NOTIFY's sipfrag: how the transfer target answered so far (`SIP/2.0 100 Trying` …).
    case notified(statusCode: Int, reasonPhrase: String)
    /// The subscription ended (Subscription-State: terminated); the last sipfrag status, if any.
    case ended(statusCode: Int?, reasonPhrase: String?)
}

/// What the session tells its TU.
package enum InviteSessionEvent: Sendable {
    case stateChanged(InviteSessionStateChange)
    /// A body the peer sent for the session (SDP in a 18x, 2xx or ACK).
    case remoteBody(SessionBody)
    /// The peer sent a re-INVITE: answer with ``InviteSession/acceptReinvite(requestID:body:now:)``
    /// (the answer, or an offer when it came without one) or ``InviteSession/rejectReinvite(requestID:statusCode:now:)``.
    case reinviteReceived(requestID: UInt64, offer: SessionBody?)
    /// Our re-INVITE is over: a 2xx with the answer, or a failure that leaves the session as it was (§14.1).
    case reinviteCompleted(statusCode: Int, reasonPhrase: String, answer: SessionBody?)
    /// The peer sent INFO (answered 200).
    case infoReceived(SessionBody?)
    /// Our INFO got this final response (or a local 408/503).
    case infoCompleted(statusCode: Int, reasonPhrase: String)
    case transferProgress(TransferProgress)
    /// Session timers (RFC 4028): what was negotiated, refreshed, failed or expired.
    case sessionTimer(InviteSessionTimerEvent)
}

/// What the session timer tells its TU. Neither a failed refresh for want of a response nor an
/// expiry ends the session by itself: the TU decides (a call whose signalling site died may still
/// carry media), and ends it with ``InviteSession/hangUp(now:)``.
package enum InviteSessionTimerEvent: Hashable, Sendable {
    /// The 2xx that set the dialog up fixed the interval (nil: none, §7.2) and who refreshes.
    case negotiated(interval: Int?, weRefresh: Bool)
    /// A refresh (ours or the peer's) succeeded; the interval that now runs (nil: none).
    case refreshed(interval: Int?, weRefresh: Bool)
    /// Our refresh failed: a final response we cannot act on, or none at all (`local`: a local
    /// 408 or 503, its transaction's timeout or transport failure). Another is tried at the next
    /// half interval.
    case refreshFailed(statusCode: Int, reasonPhrase: String, local: Bool)
    /// No refresh came from the refresher before the §10 deadline.
    case expired
}

/// What a session machine asks its driver to do, in order.
package enum InviteSessionAction: Sendable {
    /// Send in a new client transaction; feed back responses and failures with its id.
    case sendRequest(OutgoingRequest)
    /// Send the ACK for a 2xx outside any transaction (§13.2.2.4), to `nextHop`.
    case sendAck(SIPMessage, nextHop: SIPURI)
    /// Answer the received request with this id (its server transaction). A 2xx to an INVITE
    /// may be sent several times (§13.3.1.4); the transaction passes each on (RFC 6026 §7.1).
    case sendResponse(SIPMessage, toRequest: UInt64)
    /// Arm `timer` for `deadline`, replacing any pending deadline of that timer.
    case schedule(InviteSessionTimer, at: NIODeadline)
    /// Disarm `timer`.
    case cancel(InviteSessionTimer)
    /// Stop retransmitting the request with this id (an abandoned INVITE); its transaction keeps
    /// listening until Timer B and its responses still come back.
    case stopRetransmitting(requestID: UInt64)
    case report(InviteSessionEvent)
    /// Nothing more will happen: every request is answered, every timer cancelled. Forget the session.
    case terminated
}
