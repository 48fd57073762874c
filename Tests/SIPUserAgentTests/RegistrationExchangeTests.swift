import NIOCore
import SIPCore
import Testing

@testable import SIPUserAgent

/// A registrar as a pure function of its state, the way a test peer would be: challenges with
/// a nonce it mints, checks credentials with ``DigestVerifier``, says stale=true for a nonce it
/// has retired, and answers 200 with our Contact and the granted lifetime.
struct MiniRegistrar {
    var password: String
    var realm = "site-a.example.net"
    var currentNonce = "nonce-1"
    var minted = 1
    var maximumExpires = 600
    var seenNC: [String] = []

    mutating func handle(_ request: SIPMessage) throws -> SIPMessage {
        var h = SIPHeaders()
        for v in try request.via { h.add(.via, v.description) }
        h.add(.from, try request.from.description)
        var to = try request.to
        to.tag = "reg"
        h.add(.to, to.description)
        h.add(.callID, try request.callID)
        h.add(.cseq, try request.cseq.description)
        guard let creds = try request.authorization.first else { return challenge(h, stale: false) }
        seenNC.append(creds.value("nc") ?? "")
        guard creds.nonce == currentNonce else { return challenge(h, stale: true) }
        guard DigestVerifier.verify(creds, password: password, method: .register) else {
            return challenge(h, stale: false)
        }
        let asked = try request.expires ?? 3600
        let granted = min(asked, maximumExpires)
        if let contact = try request.contacts.first { h.add(.contact, contact.description + ";expires=\(granted)") }
        return .response(statusCode: 200, headers: h)
    }

    mutating func retireNonce() {
        minted += 1
        currentNonce = "nonce-\(minted)"
    }

    private mutating func challenge(_ headers: SIPHeaders, stale: Bool) -> SIPMessage {
        var h = headers
        var c = SIPAuthentication()
        c.set("realm", realm, quoted: true)
        c.set("nonce", currentNonce, quoted: true)
        c.set("qop", "auth", quoted: true)
        c.set("algorithm", "SHA-256", quoted: false)
        if stale { c.set("stale", "true", quoted: false) }
        h.add(.wwwAuthenticate, c.description)
        return .response(statusCode: 401, headers: h)
    }
}

/// The thin driver a RegistrationClient will be, minus the network: performs the machine's
/// actions with the builder and the authenticator, delivers each REGISTER to the registrar as
/// bytes, and feeds the parsed answer back.
struct LoopbackDriver {
    var harness: RegistrationHarness
    var builder: RegisterRequestBuilder
    var authenticator = DigestAuthenticator()
    var registrar: MiniRegistrar
    let credentials: DigestCredentials
    var random = SequenceRandom([7, 11, 13, 17, 19])
    var sent: [SIPMessage] = []

    mutating func run(_ actions: [RegistrationAction]) throws {
        harness.perform(actions)
        for case .sendRegister(let r) in actions {
            var headers: [(header: SIPHeaderName, value: SIPAuthentication)] = []
            for c in r.challenges {
                let value = try authenticator.credentials(
                    answering: c.challenge, with: credentials, method: .register, uri: builder.digestURI, using: &random
                )
                headers.append((c.credentialsHeader, value))
            }
            let request = builder.register(
                expires: r.expires, branch: SIPIdentifiers.branch(using: &random), credentials: headers)
            sent.append(request)
            let onWire = try SIPMessage(parsing: request.text)
            let answer = try SIPMessage(parsing: try registrar.handle(onWire).text)
            let response = RegisterResponse(answer, contact: builder.contact)
            try run(harness.machine.registerResponse(response, requestID: r.id, now: harness.now))
        }
    }

    mutating func fire(_ timer: RegistrationTimer) throws { try run(harness.fireReturningActions(timer)) }
}

@Suite("Registration end to end without I/O: machine + builder + digest ↔ registrar")
struct RegistrationExchangeTests {
    func driver(password: String) throws -> LoopbackDriver {
        LoopbackDriver(
            harness: RegistrationHarness(policy: RegistrationPolicy(probeInterval: .seconds(0))),
            builder: try makeBuilder(.tcp),
            registrar: MiniRegistrar(password: "right"),
            credentials: DigestCredentials(user: "7001", password: password))
    }

    @Test(
        "401 → SHA-256 answer → 200 with the granted 600 s; refresh up front with nc=2; retired nonce → stale → ready")
    func fullCycle() throws {
        var d = try driver(password: "right")
        try d.run(d.harness.machine.start(now: d.harness.now))
        #expect(d.harness.status == .ready)
        #expect(d.sent.count == 2)
        #expect(d.harness.deadline(of: .refresh) == 540)

        try d.fire(.refresh)
        #expect(d.sent.count == 3)
        #expect(d.registrar.seenNC == ["00000001", "00000002"])
        #expect(d.harness.status == .ready)

        d.registrar.retireNonce()
        try d.fire(.refresh)
        #expect(d.sent.count == 5, "stale answered once")
        #expect(d.harness.statuses == [.registering, .ready])
        #expect(Set(d.sent.map { (try? $0.callID) ?? "" }).count == 1, "one Call-ID for the binding")
        #expect(d.sent.map { (try? $0.cseq.sequenceNumber) ?? 0 } == [1, 2, 3, 4, 5])
    }

    @Test("wrong password against the registrar: two REGISTERs, failed once with the reason, retry scheduled")
    func wrongPassword() throws {
        var d = try driver(password: "wrong")
        try d.run(d.harness.machine.start(now: d.harness.now))
        #expect(d.sent.count == 2)
        #expect(d.harness.statuses == [.registering, .failed])
        #expect(d.harness.reasons.last == .credentialsRejected(statusCode: 401, reasonPhrase: "Unauthorized"))
        #expect(d.harness.deadline(of: .retry) == 60)
        #expect(!d.sent.contains { $0.text.contains("wrong") }, "the password never goes on the wire")
    }
}
