import NIOCore
import SIPCore
import SIPTestSupport
import SIPTransport
import SIPUserAgent
import Testing

/// The peer's digest check is real (RFC 7616 §3.4.1 recomputed from the password): the right password
/// gets the success code, a wrong one the same challenge again (not 403), for MD5 and SHA-256, qop=auth.
@Suite(.timeLimit(.minutes(1))) struct PeerDigestTests {
    @Test(arguments: ["MD5", "SHA-256"], [SIPPeerDigestChallenge.Kind.server, .proxy])
    func rightPasswordPassesAndAWrongOneIsChallengedAgain(algorithm: String, kind: SIPPeerDigestChallenge.Kind)
        async throws
    {
        let registrar = try await SIPTestPeer.start()
        let agent = try await SIPTestPeer.start()
        registrar.on(
            .register,
            .challenge(
                SIPPeerDigestChallenge(
                    kind: kind, realm: "site-a", nonce: "n-\(algorithm)", username: "7001", password: "pass7001",
                    algorithm: algorithm)))
        let target = try registrar.target(.udp)
        let challengeCode = kind == .server ? 401 : 407

        _ = try await agent.send(register(cseq: 1), to: target)
        let first = try #require(try await agent.waitForRecords { $0.message.statusCode != nil }.first?.message)
        #expect(first.statusCode == challengeCode)
        let challenge = try #require(try (kind == .server ? first.wwwAuthenticate : first.proxyAuthenticate).first)
        #expect(challenge.algorithm == algorithm && challenge.value("qop") == "auth")

        var authenticator = DigestAuthenticator()
        for (cseq, password, expected) in [(2, "wrong", challengeCode), (3, "pass7001", 200)] as [(UInt32, String, Int)]
        {
            agent.clearRecords()
            var request = register(cseq: cseq)
            let credentials = try authenticator.credentials(
                answering: challenge, with: DigestCredentials(user: "7001", password: password), method: .register,
                uri: "sip:127.0.0.1", cnonce: "cnonce-\(cseq)")
            request.headers.add(kind == .server ? .authorization : .proxyAuthorization, credentials.description)
            _ = try await agent.send(request, to: target)
            let answer = try #require(try await agent.waitForRecords { $0.message.statusCode != nil }.first?.message)
            #expect(answer.statusCode == expected, "password \(password)")
        }
        try await agent.stop()
        try await registrar.stop()
    }

    @Test func theVerifierRejectsAResponseComputedForAnotherMethod() throws {
        var authenticator = DigestAuthenticator()
        var challenge = SIPAuthentication(scheme: "Digest")
        challenge.set("realm", "r", quoted: true)
        challenge.set("nonce", "n", quoted: true)
        challenge.set("qop", "auth", quoted: true)
        let credentials = try authenticator.credentials(
            answering: challenge, with: DigestCredentials(user: "u", password: "p"), method: .invite, uri: "sip:x",
            cnonce: "c")
        let invite = SIPMessage.request(method: .invite, uri: SIPURI(host: "x"))
        let register = SIPMessage.request(method: .register, uri: SIPURI(host: "x"))
        #expect(SIPPeerDigestChallenge.verifiesDigest(credentials, invite, "p"))
        #expect(!SIPPeerDigestChallenge.verifiesDigest(credentials, invite, "q"))
        #expect(!SIPPeerDigestChallenge.verifiesDigest(credentials, register, "p"))
    }

    private func register(cseq: UInt32) -> SIPMessage {
        var headers = SIPHeaders()
        headers.add(.via, SIPVia.forNewTransaction(transport: .udp).description)
        headers.add(.maxForwards, "70")
        headers.add(.from, "<sip:7001@127.0.0.1>;tag=digest")
        headers.add(.to, "<sip:7001@127.0.0.1>")
        headers.add(.callID, "digest-call")
        headers.add(.cseq, "\(cseq) REGISTER")
        headers.add(.contact, "<sip:7001@127.0.0.1>")
        return .request(method: .register, uri: SIPURI(host: "127.0.0.1"), headers: headers)
    }
}
