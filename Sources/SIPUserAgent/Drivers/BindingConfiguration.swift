import SIPCore
import SIPTransport

/// What the driver needs to register one connection: identity, credentials and policy.
package struct BindingConfiguration: Sendable {
    /// The DN.
    package var user: String
    /// Domain of the address of record (and the registrar's Request-URI).
    package var domain: String
    package var displayName: String?
    package var credentials: DigestCredentials?
    package var transport: SIPTransportProtocol
    package var policy: RegistrationPolicy
    /// RFC 5626 `reg-id`: one per connection of the phone (TCP/TLS only).
    package var regID: Int
    /// Where requests to us go: user@local-address:port (the transport's real listening address).
    package var contactURI: SIPURI
    /// RFC 5626 `+sip.instance` of the agent this binding belongs to; nil = the driver's own.
    package var instanceURN: String?
    /// `auth_realm`: realms besides the domain's that the password answers; `*` any. Default: none.
    package var authRealms: [String]
    /// `require_qop`: refuse challenges without `qop=auth`. Default: false.
    package var requireQop: Bool

    package init(
        user: String, domain: String, displayName: String? = nil, credentials: DigestCredentials? = nil,
        transport: SIPTransportProtocol, policy: RegistrationPolicy, regID: Int, contactURI: SIPURI,
        instanceURN: String? = nil,
        authRealms: [String] = [], requireQop: Bool = false
    ) {
        self.instanceURN = instanceURN
        self.user = user
        self.domain = domain
        self.displayName = displayName
        self.credentials = credentials
        self.transport = transport
        self.policy = policy
        self.regID = regID
        self.contactURI = contactURI
        self.authRealms = authRealms
        self.requireQop = requireQop
    }

    /// The challenges this binding's password answers, before the registrar has accepted any realm.
    package var realmPolicy: DigestRealmPolicy {
        DigestRealmPolicy(
            domain: domain, user: user, hasPassword: credentials != nil, configuredRealms: authRealms,
            requireQop: requireQop)
    }
}
