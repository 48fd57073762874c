import NIOCore
import SIPCore

/// The timers of one registration. The driver keeps at most one deadline per timer; scheduling
/// a pending timer replaces its deadline.
package enum RegistrationTimer: UInt8, Hashable, Sendable, CaseIterable {
    /// Refresh the binding before it lapses.
    case refresh
    /// Back-off is over: REGISTER again after a failure.
    case retry
    /// Send the next OPTIONS probe.
    case probe
    /// Stop waiting for the un-REGISTER's answer.
    case unregisterGuard
}

/// A set of ``RegistrationTimer``s, one bit each: a binding keeps its armed timers for life, and a
/// `Set` would be a heap allocation per binding for at most four members.
struct RegistrationTimerSet: Hashable, Sendable {
    private var bits: UInt8 = 0

    func contains(_ timer: RegistrationTimer) -> Bool { bits & (1 << timer.rawValue) != 0 }

    mutating func insert(_ timer: RegistrationTimer) { bits |= 1 << timer.rawValue }

    /// Removes `timer`; returns it when it was in the set.
    @discardableResult
    mutating func remove(_ timer: RegistrationTimer) -> RegistrationTimer? {
        guard contains(timer) else { return nil }
        bits &= ~(1 << timer.rawValue)
        return timer
    }
}

/// A 401 (WWW-Authenticate) or 407 (Proxy-Authenticate) challenge the next REGISTER answers.
package struct RegistrationChallenge: Hashable, Sendable {
    package enum Kind: Hashable, Sendable {
        /// From a 401's WWW-Authenticate; answered in Authorization.
        case server
        /// From a 407's Proxy-Authenticate; answered in Proxy-Authorization.
        case proxy
    }

    package var kind: Kind
    package var challenge: SIPAuthentication

    package init(kind: Kind, challenge: SIPAuthentication) {
        self.kind = kind
        self.challenge = challenge
    }

    /// The header the answer goes in (RFC 3261 §22.2, §22.3).
    package var credentialsHeader: SIPHeaderName { kind == .server ? .authorization : .proxyAuthorization }

    /// Challenges of one kind and realm replace each other; credentials answer one per realm.
    var realmKey: RealmKey { RealmKey(kind: kind, realm: challenge.realm ?? "") }

    struct RealmKey: Hashable, Sendable {
        var kind: Kind
        var realm: String
    }
}

/// The REGISTER the machine wants sent.
package struct RegisterRequest: Hashable, Sendable {
    /// Echo it with the response or failure of this request; anything about an older id is stale
    /// and ignored.
    package var id: UInt64
    /// The Expires value; 0 removes our binding (un-REGISTER, RFC 3261 §10.2.2).
    package var expires: Int
    /// Answer each with a digest credentials header (``RegistrationChallenge/credentialsHeader``).
    package var challenges: [RegistrationChallenge]
}

/// What the registration machine asks its driver to do, in order.
package enum RegistrationAction: Hashable, Sendable {
    /// Build (``RegisterRequestBuilder``) and send a REGISTER in a new client transaction.
    case sendRegister(RegisterRequest)
    /// Send an OPTIONS probe to the server; report `probeAnswered` / `probeFailed` with this id.
    case sendProbe(id: UInt64)
    /// Arm `timer` for `deadline`, replacing any pending deadline of that timer.
    case schedule(RegistrationTimer, at: NIODeadline)
    /// Disarm `timer`.
    case cancel(RegistrationTimer)
    /// Raise `ConnectionStatusChanged`.
    case reportStatus(RegistrationStatusChange)
}
