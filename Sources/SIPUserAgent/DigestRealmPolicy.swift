import SIPCore

/// Which digest challenges a connection's password answers: credentials stay home.
///
/// A 401/407 names a realm (RFC 3261 §22.1: the realm is the protection space the credentials
/// belong to). Anyone on a request's path can challenge it — a proxy or phone of another domain
/// that a call reaches, or a forged response — and a digest response is enough to attack the
/// password offline. So the password answers only the connection's own realms:
/// - the realm of the connection's domain (the `domain` setting, else the server host);
/// - every realm whose credentials the registrar accepted: a REGISTER carrying credentials for
///   realm R got a 2xx (``accepted(realm:)``);
/// - the realms of the `auth_realm` setting; `*` there answers any realm (the behaviour before
///   realms were checked).
///
/// Registrar trust on first use: a challenge to a REGISTER is answered whatever its realm while
/// no realm has been accepted yet. The REGISTER goes to the server this connection was configured
/// to register with, so its challenge is the one the password is for (a registrar's realm need not
/// be its domain: an in-house realm name, a proxy in front of it). Once a realm has been accepted,
/// REGISTER challenges follow the same rule as every other request (INVITE, BYE, re-INVITE, INFO,
/// REFER): a registrar that changes its realm needs `auth_realm` or a restart.
///
/// Besides the realm:
/// - `require_qop`: a challenge that does not offer `qop=auth` (the RFC 2069 form of MD5, which
///   stock Kamailio sends) is refused; by default it is answered.
/// - Without a password every challenge is refused, saying so, instead of sending a request
///   without credentials that comes back with the same challenge.
///
/// A value with no I/O; the registration machine owns the one of its binding and calls take a copy
/// of it when they start.
package struct DigestRealmPolicy: Hashable, Sendable {
    /// The effective domain: its realm is the connection's.
    package var domain: String
    /// The DN, named when a challenge finds no password.
    package var user: String
    /// Whether a password is configured.
    package var hasPassword: Bool
    /// `auth_realm`: further realms of the connection; `*` is any realm. Default: none.
    package var configuredRealms: [String]
    /// `require_qop`: refuse challenges without `qop=auth`. Default: false.
    package var requireQop: Bool
    /// Realms the registrar accepted credentials for (a 2xx to a REGISTER that carried them).
    package private(set) var acceptedRealms: [String] = []

    package init(
        domain: String, user: String, hasPassword: Bool, configuredRealms: [String] = [], requireQop: Bool = false
    ) {
        self.domain = domain
        self.user = user
        self.hasPassword = hasPassword
        self.configuredRealms = configuredRealms
        self.requireQop = requireQop
        // Room for the realm the registrar will accept, made before the REGISTERs go out (see
        // ``RegistrationStateMachine``'s challenges).
        acceptedRealms.reserveCapacity(1)
    }

    /// Whether `*` opens every realm.
    package var answersAnyRealm: Bool { configuredRealms.contains("*") }

    /// Whether `realm` is one of the connection's: the domain's, an accepted one or a configured
    /// one. Realms compare without regard to case (they are domain names in practice).
    package func permits(_ realm: String) -> Bool {
        answersAnyRealm || Self.same(realm, domain) || acceptedRealms.contains { Self.same($0, realm) }
            || configuredRealms.contains { Self.same($0, realm) }
    }

    /// The registrar accepted credentials for `realm` (a 2xx to a REGISTER that carried them).
    package mutating func accepted(realm: String) {
        guard !realm.isEmpty, !acceptedRealms.contains(where: { Self.same($0, realm) }) else { return }
        acceptedRealms.append(realm)
    }

    /// Why `challenge` is not answered, nil when it is. `registering`: the challenge is to a
    /// REGISTER (or un-REGISTER) of this connection, which is answered for any realm until one has
    /// been accepted.
    package func refusal(of challenge: SIPAuthentication, registering: Bool) -> DigestRefusal? {
        guard hasPassword else { return .noPassword(user: user) }
        let realm = challenge.realm ?? ""
        guard (registering && acceptedRealms.isEmpty) || permits(realm) else { return .foreignRealm(realm) }
        if requireQop, !challenge.qopOptions.contains(where: { $0.lowercased() == "auth" }) {
            return .qopRequired(realm: realm)
        }
        return nil
    }

    private static func same(_ a: String, _ b: String) -> Bool { a.lowercased() == b.lowercased() }
}

/// Why a challenge was not answered; the text follows the response's status line in reasons:
/// `407 Proxy Authentication Required (realm "evil.example" is not this connection's; see auth_realm)`.
package enum DigestRefusal: Hashable, Sendable, CustomStringConvertible {
    /// The realm is not one of the connection's (``DigestRealmPolicy/permits(_:)``).
    case foreignRealm(String)
    /// `require_qop` is set and the challenge offers no `qop=auth`.
    case qopRequired(realm: String)
    /// The connection has no password.
    case noPassword(user: String)

    package var description: String {
        switch self {
        case .foreignRealm(let realm): "realm \"\(realm)\" is not this connection's; see auth_realm"
        case .qopRequired(let realm): "realm \"\(realm)\" challenges without qop=auth and require_qop is set"
        case .noPassword(let user): "no password configured for \(user)"
        }
    }
}
