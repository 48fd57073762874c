import NIOCore
import SIPCore

/// Session timers (RFC 4028) as this UA offers them. A value; every field has its default.
package struct SessionTimerPolicy: Hashable, Sendable {
    /// The Session-Expires we ask for in an INVITE (§7.1), seconds. Default: 1800 (§4's recommendation).
    package var sessionExpires: Int
    /// Our Min-SE (§5): the shortest interval we accept; a shorter Session-Expires in an INVITE gets
    /// 422 (§9). RFC 4028 §5 forbids less than 90; only tests go below. Default: 90.
    package var minimumSessionExpires: Int

    package init(sessionExpires: Int = 1800, minimumSessionExpires: Int = 90) {
        self.minimumSessionExpires = max(1, minimumSessionExpires)
        self.sessionExpires = max(self.minimumSessionExpires, sessionExpires)
    }

    package static let minSE = SIPHeaderName("Min-SE")
    /// RFC 4028 §5: the smallest Min-SE a UA may use.
    package static let smallestMinSE = 90
}

/// The session interval of one dialog (RFC 4028): what was offered, what the 2xx said, who
/// refreshes and when things are due. A value with time as an input; the session machine owns one.
///
/// Rules, with where they come from:
/// - The UAC offers `Supported: timer`, Session-Expires and Min-SE (§7.1), without a refresher
///   parameter: the UAS chooses.
/// - A 422 to the INVITE or a refresh is retried once per larger Min-SE, with Session-Expires
///   raised to it (§7.3; never in a loop: only a Min-SE above the current interval is news).
/// - A 2xx without Session-Expires means no session expiration (§7.2): nothing is scheduled.
/// - A 2xx with it: the interval is its value; the refresher is its `refresher` parameter (a UAC
///   takes `uac` for a missing one, §7.2).
/// - The UAS (§9) takes the INVITE's interval (raised to our Min-SE if the UAC does not support
///   timers, §8.1's rule as RFC 4028 erratum 1687 applies it to a UAS), or rejects one below our
///   Min-SE with 422 when the UAC supports timers. Without Session-Expires in the INVITE, a UAC that
///   supports timers gets ours (and refreshes); one that does not gets no timer.
///   It keeps a refresher the INVITE named, else lets a UAC that supports timers refresh, else
///   refreshes itself; with `refresher=uac` the 2xx carries `Require: timer`.
/// - The refresher refreshes at half the interval (§10); the other side, if no refresh came,
///   gives up at the interval minus the smaller of 32 s and a third of it (§10).
package struct SessionInterval: Hashable, Sendable {
    /// nil: timers not offered (no `Supported: timer`, no Session-Expires in our INVITE).
    package let policy: SessionTimerPolicy?
    /// The negotiated interval, seconds; nil: no session expiration.
    package private(set) var interval: Int?
    /// Whether this side sends the refreshes (meaningful while ``interval`` is set).
    package private(set) var weRefresh = false
    /// The Session-Expires to ask for next (raised by 422).
    package private(set) var requested: Int?
    /// The largest Min-SE seen (ours, a 422's, the peer's request): carried in refreshes (§7.4).
    package private(set) var minimum: Int
    /// How many 422s raised the request.
    private var raises = 0

    package init(policy: SessionTimerPolicy?) {
        self.policy = policy
        self.requested = policy?.sessionExpires
        self.minimum = policy?.minimumSessionExpires ?? SessionTimerPolicy.smallestMinSE
    }

    // MARK: Headers

    /// Session-Expires and Min-SE for our INVITE (§7.1); none when timers are not offered.
    package func inviteHeaders() -> [(SIPHeaderName, String)] {
        guard let requested else { return [] }
        return [(.sessionExpires, "\(requested)"), (SessionTimerPolicy.minSE, "\(minimum)")]
    }

    /// Session-Expires (our role kept: `uac` is the sender of the refresh, us) and Min-SE for a
    /// refresh we send (§7.4).
    package func refreshHeaders() -> [(SIPHeaderName, String)] {
        guard let interval else { return [] }
        return [
            (.sessionExpires, "\(interval);refresher=\(weRefresh ? "uac" : "uas")"),
            (SessionTimerPolicy.minSE, "\(minimum)"),
        ]
    }

    /// Session-Expires (`uac` naming the sender of the request answered, the peer) and, when the
    /// peer refreshes, `Require: timer`, for our 2xx to an INVITE or a refresh (§9).
    package func answerHeaders() -> [(SIPHeaderName, String)] {
        guard let interval else { return [] }
        var headers: [(SIPHeaderName, String)] = [
            (.sessionExpires, "\(interval);refresher=\(weRefresh ? "uas" : "uac")")
        ]
        if !weRefresh { headers.append((.require, "timer")) }
        return headers
    }

    // MARK: Negotiation

    /// A 2xx to our INVITE or to a refresh we sent (§7.2, §7.4). Returns whether a timer runs now.
    @discardableResult
    package mutating func answered(_ response: SIPMessage) -> Bool {
        guard let se = try? response.sessionExpires, se.seconds > 0 else {
            // §7.2: no Session-Expires in the 2xx, no session expiration.
            interval = nil
            weRefresh = false
            return false
        }
        interval = se.seconds
        // `uac` is the request's sender, us; a 2xx that names nobody leaves it to us (§7.2).
        weRefresh = se.refresher != "uas"
        return true
    }

    /// A 422 to our INVITE or refresh (§7.3): true when the request is to be sent again with the
    /// larger Min-SE it names (raised at most 3 times, each time above what we asked).
    package mutating func tooSmall(_ response: SIPMessage) -> Bool {
        guard raises < 3, let text = response.headers.first(SessionTimerPolicy.minSE),
            let value = Int(text.split(separator: ";").first?.trimmedSpaces ?? ""),
            value > (requested ?? interval ?? 0)
        else { return false }
        raises += 1
        minimum = max(minimum, value)
        requested = value
        if interval != nil { interval = value }
        return true
    }

    /// What a UAS does with an INVITE (§9).
    package enum Admission: Hashable, Sendable {
        case accept
        /// Answer 422 Session Interval Too Small with this Min-SE.
        case tooSmall(minSE: Int)
    }

    /// The UAS's decision on the initial INVITE, and the interval it will put in its 2xx.
    package mutating func admit(_ request: SIPMessage) -> Admission {
        let uacSupports = (try? request.supported)?.contains { $0.lowercased() == "timer" } ?? false
        guard let se = try? request.sessionExpires, se.seconds > 0 else {
            // §9: a UAC that supports timers but named no interval gets ours, and refreshes it; one
            // that does not support them gets none (it would not expect our refreshes).
            if uacSupports, let policy {
                interval = max(policy.sessionExpires, minimum)
                weRefresh = false
            } else {
                interval = nil
                weRefresh = false
            }
            return .accept
        }
        if let peerMin = request.headers.first(SessionTimerPolicy.minSE).flatMap({
            Int($0.split(separator: ";").first?.trimmedSpaces ?? "")
        }) {
            minimum = max(minimum, peerMin)
        }
        let ours = policy?.minimumSessionExpires ?? SessionTimerPolicy.smallestMinSE
        if se.seconds < ours {
            if uacSupports { return .tooSmall(minSE: ours) }
            interval = ours  // the UAC cannot retry: raise instead (RFC 4028 erratum 1687)
        } else {
            // §9: the UAS may lower the interval (never below Min-SE), never raise it.
            interval = min(se.seconds, max(policy?.sessionExpires ?? se.seconds, minimum))
        }
        // `uac` is the INVITE's sender, the peer; unnamed, a peer that supports timers refreshes.
        weRefresh = (se.refresher ?? (uacSupports ? "uac" : "uas")) == "uas"
        return .accept
    }

    /// A refresh the peer sent (re-INVITE or UPDATE with Session-Expires, §9 for a request in the
    /// dialog): its interval and refresher are the new ones. Without Session-Expires, the timer stops
    /// (the peer dropped it, §9's "no session expiration").
    package mutating func refreshedByPeer(_ request: SIPMessage) {
        guard let se = try? request.sessionExpires, se.seconds > 0 else {
            interval = nil
            weRefresh = false
            return
        }
        interval = max(se.seconds, minimum)
        let uacSupports = (try? request.supported)?.contains { $0.lowercased() == "timer" } ?? false
        // In a refresh `uac` names the refresh's sender, the peer.
        weRefresh = (se.refresher ?? (uacSupports ? "uac" : "uas")) == "uas"
    }

    // MARK: Deadlines

    /// When our refresh is due (§10: half the interval), nil when we do not refresh.
    package func refreshDeadline(after now: NIODeadline) -> NIODeadline? {
        guard weRefresh, let interval else { return nil }
        return now + .milliseconds(Int64(interval) * 500)
    }

    /// When the side that does not refresh gives up (§10: the interval minus the smaller of 32 s
    /// and a third of it), nil when we refresh or there is no timer.
    package func expiryDeadline(after now: NIODeadline) -> NIODeadline? {
        guard !weRefresh, let interval else { return nil }
        let margin = min(32_000, Int64(interval) * 1000 / 3)
        return now + .milliseconds(Int64(interval) * 1000 - margin)
    }
}
