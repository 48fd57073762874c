import Foundation
import NIOCore
import SIPUserAgent

/// What a call does with its session timer's news (RFC 4028). The session machine refreshes and
/// watches the interval; whether a failed refresh or an expiry ends the call is decided here, from
/// the call's media and its connection: a signalling site that died does not cut a call whose media
/// still flows, and a call that lost both ends with sipError 408.
///
/// - A refresh that failed ends the call with 408 when media is silent too (nothing received for
///   ``mediaSilence``); otherwise the call stays, and the machine tries again at the next half
///   interval.
/// - An expiry (the refresher's refresh never came, §10) ends the call with 408 (BYE), unless its
///   connection has failed and media still flows: then the refresh could not reach us, and the
///   call lives while its media does (`rtp_inactivity_timeout`).
/// - A held call expects no media: it counts as flowing.
extension CallDriver {
    /// How long without any media (RTP, RTCP, comfort noise) makes a call's media silent.
    static let mediaSilence: TimeAmount = .seconds(5)

    /// `session_expires` as the session machines take it (0: not offered).
    static func sessionTimers(_ policy: SessionPolicy) -> SessionTimerPolicy? {
        guard policy.sessionExpiresSeconds > 0 else { return nil }
        return SessionTimerPolicy(sessionExpires: policy.sessionExpiresSeconds)
    }

    func sessionTimerEvent(_ id: String, _ event: InviteSessionTimerEvent) {
        guard let call = calls[id] else { return }
        switch event {
        case .negotiated(let interval, let weRefresh):
            calls[id]?.sessionInterval = interval
            publish(id)
            logger.debug(
                "session \(id): session interval \(interval.map { "\($0) s" } ?? "none")\(weRefresh ? ", we refresh" : "")"
            )
        case .refreshed(let interval, _):
            calls[id]?.sessionInterval = interval
            calls[id]?.sessionRefreshes += 1
            publish(id)
        case .refreshFailed, .expired:
            let decision = LostSessionRule.decide(
                event, mediaSilent: isMediaSilent(call),
                connectionFailed: environment.connectionHasFailed(call.connectionId))
            switch decision {
            case .end(let text): endForLostSession(id, text: text)
            case .keep(let text): logger.warning("session \(id): \(text)")
            }
        }
    }

    private func isMediaSilent(_ call: Call) -> Bool {
        if call.heldLocally || call.media.isHeldByRemote { return false }
        guard let session = call.rtpSession else { return true }
        return session.mediaSilence() >= Self.mediaSilence
    }

    private func endForLostSession(_ id: String, text: String) {
        guard calls[id]?.engineSession != nil else { return }
        logger.warning("session \(id): \(text); hanging up")
        feed(id, .sessionLost(text))
    }
}

/// Whether a failed refresh or an expiry ends the call: a pure function of the event, the call's
/// media and its connection (the rule in ``CallDriver``'s session-timer extension).
enum LostSessionRule {
    enum Decision: Hashable, Sendable {
        /// The call stays (its media flows); the text says why, for the log.
        case keep(String)
        /// End the call with 408; the text is the reason's.
        case end(String)
    }

    static func decide(_ event: InviteSessionTimerEvent, mediaSilent: Bool, connectionFailed: Bool) -> Decision {
        switch event {
        case .refreshFailed(let code, let phrase, _):
            return mediaSilent
                ? .end("session refresh failed (\(code) \(phrase)) and no media")
                : .keep("session refresh failed (\(code) \(phrase)); media flows, the call stays")
        case .expired:
            return connectionFailed && !mediaSilent
                ? .keep("the session interval expired while its connection is down; media flows, the call stays")
                : .end("the session expired: no refresh came (RFC 4028 §10)")
        case .negotiated, .refreshed:
            return .keep("the session timer runs")
        }
    }
}
