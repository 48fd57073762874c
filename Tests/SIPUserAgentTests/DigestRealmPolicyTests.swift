import NIOCore
import SIPCore
import Testing

@testable import SIPUserAgent

/// Which challenges the password answers (``DigestRealmPolicy``), without sockets.
@Suite("DigestRealmPolicy: credentials stay home")
struct DigestRealmPolicyTests {
    static func challenge(realm: String, qop: String? = "auth") -> SIPAuthentication {
        var c = SIPAuthentication(scheme: "Digest")
        c.set("realm", realm, quoted: true)
        c.set("nonce", "n", quoted: true)
        if let qop { c.set("qop", qop, quoted: true) }
        return c
    }

    static let site = DigestRealmPolicy(domain: "site-a.example.net", user: "7001", hasPassword: true)

    @Test("the domain's realm is the connection's (any case); another realm is not")
    func domainRealm() {
        #expect(Self.site.permits("site-a.example.net"))
        #expect(Self.site.permits("SITE-A.example.NET"))
        #expect(!Self.site.permits("evil.example"))
        #expect(!Self.site.permits(""))
        #expect(Self.site.refusal(of: Self.challenge(realm: "site-a.example.net"), registering: false) == nil)
        let refusal = Self.site.refusal(of: Self.challenge(realm: "evil.example"), registering: false)
        #expect(refusal == .foreignRealm("evil.example"))
        #expect(refusal?.description == #"realm "evil.example" is not this connection's; see auth_realm"#)
    }

    @Test("a REGISTER's challenge is answered for any realm until the registrar accepts one; then that realm only")
    func registrarAcceptedRealm() {
        var p = Self.site
        #expect(p.refusal(of: Self.challenge(realm: "kamailio-lab"), registering: true) == nil, "trust on first use")
        #expect(
            p.refusal(of: Self.challenge(realm: "kamailio-lab"), registering: false) == .foreignRealm("kamailio-lab"),
            "an INVITE's challenge is not a REGISTER's")
        p.accepted(realm: "kamailio-lab")
        p.accepted(realm: "KAMAILIO-lab")
        #expect(p.acceptedRealms == ["kamailio-lab"])
        #expect(p.permits("kamailio-lab"))
        #expect(p.refusal(of: Self.challenge(realm: "kamailio-lab"), registering: false) == nil)
        #expect(p.refusal(of: Self.challenge(realm: "site-a.example.net"), registering: true) == nil)
        #expect(
            p.refusal(of: Self.challenge(realm: "other"), registering: true) == .foreignRealm("other"),
            "once a realm is accepted, REGISTER follows the same rule")
    }

    @Test("auth_realm lists further realms; * answers any")
    func configuredRealms() {
        var p = Self.site
        p.configuredRealms = ["proxy.example.net", "b"]
        #expect(p.permits("proxy.example.net") && p.permits("B") && !p.permits("c"))
        #expect(!p.answersAnyRealm)
        p.configuredRealms = ["*"]
        #expect(p.answersAnyRealm)
        #expect(p.permits("evil.example"))
        #expect(p.refusal(of: Self.challenge(realm: "evil.example"), registering: false) == nil)
    }

    @Test("MD5 without qop is answered unless require_qop; then refused saying so")
    func requireQop() {
        var p = Self.site
        let noQop = Self.challenge(realm: "site-a.example.net", qop: nil)
        #expect(p.refusal(of: noQop, registering: true) == nil, "stock Kamailio challenges without qop")
        p.requireQop = true
        #expect(p.refusal(of: noQop, registering: true) == .qopRequired(realm: "site-a.example.net"))
        #expect(p.refusal(of: noQop, registering: true)?.description.contains("require_qop") == true)
        #expect(
            p.refusal(of: Self.challenge(realm: "site-a.example.net", qop: "auth-int,auth"), registering: true) == nil)
        #expect(p.refusal(of: Self.challenge(realm: "site-a.example.net", qop: "auth-int"), registering: true) != nil)
    }

    @Test("no password: every challenge is refused, naming the DN")
    func noPassword() {
        let p = DigestRealmPolicy(
            domain: "site-a.example.net", user: "7001", hasPassword: false, configuredRealms: ["*"])
        let refusal = p.refusal(of: Self.challenge(realm: "site-a.example.net"), registering: true)
        #expect(refusal == .noPassword(user: "7001"))
        #expect(refusal?.description == "no password configured for 7001")
    }

    // MARK: The registration machine applies it

    static let noProbes = RegistrationPolicy(probeInterval: .seconds(0))

    @Test(
        "registration: the registrar's realm is answered and accepted with the 2xx; a refresh challenged for another realm fails naming it"
    )
    func registrationAcceptsThenRefuses() {
        var h = RegistrationHarness(policy: Self.noProbes, realms: Self.site)
        h.startMachine()
        h.challenge(nonce: "A", realm: "lab-realm")
        #expect(h.registers.count == 2, "the registrar's own challenge is answered")
        h.respond(200, expires: 600)
        #expect(h.machine.realms.acceptedRealms == ["lab-realm"])
        h.fire(.refresh)
        h.challenge(407, nonce: "B", realm: "evil.example")
        #expect(h.registers.count == 3, "not answered")
        #expect(h.status == .failed)
        #expect(
            h.reasons.last?.description
                == #"407 Proxy Authentication Required (realm "evil.example" is not this connection's; see auth_realm)"#
        )
        #expect(h.reasons.last?.statusCode == 407)
        #expect(h.deadline(of: .retry) != nil, "backs off like any failure")
    }

    @Test("registration without a password: the reason says so, not 'credentials rejected'")
    func registrationNoPassword() {
        var h = RegistrationHarness(
            policy: Self.noProbes,
            realms: DigestRealmPolicy(domain: "site-a.example.net", user: "7001", hasPassword: false))
        h.startMachine()
        h.challenge(nonce: "A", realm: "site-a.example.net")
        #expect(h.registers.count == 1)
        #expect(h.reasons.last?.description == "401 Unauthorized (no password configured for 7001)")
    }

    static func noQopChallenge() -> RegisterResponse {
        var c = SIPAuthentication()
        c.set("realm", "site-a.example.net", quoted: true)
        c.set("nonce", "A", quoted: true)
        c.set("algorithm", "MD5", quoted: false)
        return RegisterResponse(statusCode: 401, challenges: [RegistrationChallenge(kind: .server, challenge: c)])
    }

    @Test("registration: MD5 without qop (stock Kamailio) is answered by default")
    func registrationNoQopAnswered() {
        #expect(DigestAuthenticator.canAnswer(Self.noQopChallenge().challenges[0].challenge))
        var h = RegistrationHarness(policy: Self.noProbes, realms: Self.site)
        h.startMachine()
        h.respond(Self.noQopChallenge())
        #expect(h.registers.count == 2)
        #expect(h.lastRegister?.challenges.first?.challenge.nonce == "A")
    }

    @Test("registration with require_qop: a challenge without qop is refused with a reason saying so")
    func registrationRequireQop() {
        var p = Self.site
        p.requireQop = true
        var h = RegistrationHarness(policy: Self.noProbes, realms: p)
        h.startMachine()
        h.respond(Self.noQopChallenge())
        #expect(h.registers.count == 1)
        #expect(
            h.reasons.last?.description
                == #"401 Unauthorized (realm "site-a.example.net" challenges without qop=auth and require_qop is set)"#)
    }
}
