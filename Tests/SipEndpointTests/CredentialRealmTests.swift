import Foundation
import NIOCore
import SIPCore
import SIPTestSupport
import Testing

@testable import SipEndpoint

/// Credentials stay home, end to end over loopback: a phone registered with an in-process peer whose
/// registrar realm is the connection's domain answers that realm, and never answers a challenge of
/// another realm to an INVITE or a BYE.
@Suite("Digest realms end to end")
struct CredentialRealmTests {
    static let domain = "site-a.example.net"

    /// Every Authorization and Proxy-Authorization the peer received, with the method it came on.
    static func credentials(_ peer: SIPTestPeer) -> [(method: SIPMethod?, realm: String?)] {
        peer.received.flatMap { record -> [(method: SIPMethod?, realm: String?)] in
            let m = record.message
            let all = ((try? m.authorization) ?? []) + ((try? m.proxyAuthorization) ?? [])
            return all.map { (m.method, $0.realm) }
        }
    }

    @Test(
        "INVITE 407 for evil.example and BYE 401 for another realm: never answered; the call ends with 407 naming the realm"
    )
    func foreignRealmsAreNotAnswered() async throws {
        let peer = try await SIPTestPeer.start()
        peer.on(
            .register,
            .challenge(
                SIPPeerDigestChallenge(
                    kind: .server, realm: Self.domain, nonce: "reg-nonce", username: "7001", password: "secret")))
        peer.on(
            .invite,
            .challenge(
                SIPPeerDigestChallenge(
                    kind: .proxy, realm: "evil.example", nonce: "evil-nonce", username: "7001", password: "secret")))
        var configuration = try connection(to: peer, password: "secret")
        configuration.domain = Self.domain
        let phone = Phone.onOwnThread(configuration: fastConfiguration([configuration]))
        let events = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await events.wait(connection: 0, status: .ready)
        #expect(
            Self.credentials(peer).contains { $0.method == .register && $0.realm == Self.domain },
            "the registrar's realm is the domain's: answered, and the registration works")

        // The INVITE is challenged for a realm that is not the connection's.
        let first = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        let firstLog = SessionLog(first.statusChanges)
        let end = try await firstLog.wait(for: .disconnected)
        #expect(end.reason.statusCode == 407)
        #expect(
            end.reason.text
                == #"407 Proxy Authentication Required (realm "evil.example" is not this connection's; see auth_realm)"#
        )
        #expect(peer.requests(.invite).count == 1, "no second INVITE")

        // An answered call whose BYE is challenged for another realm.
        let address = try peer.address(.udp)
        peer.on(
            .invite,
            .respond(
                statusCode: 200,
                headers: [
                    SIPPeerHeader("Contact", "<sip:9000@\(address.ipAddress ?? "127.0.0.1"):\(address.port ?? 0)>")
                ]))
        peer.on(
            .bye,
            .challenge(
                SIPPeerDigestChallenge(
                    kind: .server, realm: "other.example", nonce: "bye-nonce", username: "7001", password: "secret")))
        let second = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        let secondLog = SessionLog(second.statusChanges)
        try await secondLog.wait(for: .connected)
        try await second.hangUp()
        try await secondLog.wait(for: .disconnected)
        // The session is released once its BYE has its final answer (the 401); wait for that, bounded.
        let core = phone.core
        let deadline = ContinuousClock.now + .seconds(3)
        var sessions = -1
        repeat {
            sessions = try await core.eventLoop.submit { core.calls.engine.count }.get()
            if sessions == 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now < deadline
        #expect(sessions == 0, "the BYE's 401 ended its transaction")
        #expect(peer.requests(.bye).count == 1, "the 401 to the BYE is not answered with a second BYE")

        let sent = Self.credentials(peer)
        #expect(!sent.contains { $0.realm == "evil.example" || $0.realm == "other.example" }, "\(sent)")
        #expect(sent.allSatisfy { $0.method == .register }, "only the registrar got credentials: \(sent)")
        await phone.shutdown()
        try await peer.stop()
    }

    @Test("the realm the registrar accepted (not the domain's) is answered for calls too")
    func registrarAcceptedRealmAnswersCalls() async throws {
        let peer = try await SIPTestPeer.start()
        peer.on(
            .register,
            .challenge(
                SIPPeerDigestChallenge(
                    kind: .server, realm: "registrar-realm", nonce: "reg-nonce", username: "7001", password: "secret")))
        // Accepted credentials get 486, which ends the call cleanly; a 407 would mean they were not sent.
        peer.on(
            .invite,
            .challenge(
                SIPPeerDigestChallenge(
                    kind: .proxy, realm: "registrar-realm", nonce: "inv-nonce", username: "7001", password: "secret"),
                thenRespond: 486))
        var configuration = try connection(to: peer, password: "secret")
        configuration.domain = Self.domain
        let phone = Phone.onOwnThread(configuration: fastConfiguration([configuration]))
        let events = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await events.wait(connection: 0, status: .ready)
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        let log = SessionLog(session.statusChanges)
        let end = try await log.wait(for: .disconnected)
        #expect(end.reason.statusCode == 486, "\(end.reason)")
        let answered = try #require(try peer.requests(.invite).last?.message.proxyAuthorization.first)
        #expect(answered.realm == "registrar-realm" && answered.nonce == "inv-nonce")
        await phone.shutdown()
        try await peer.stop()
    }

    @Test("a connection without a password that is challenged says so, not 'credentials rejected'")
    func noPasswordReason() async throws {
        let peer = try await SIPTestPeer.start()
        peer.on(
            .register,
            .challenge(
                SIPPeerDigestChallenge(
                    kind: .server, realm: Self.domain, nonce: "n", username: "7001", password: "secret")))
        var configuration = try connection(to: peer)
        configuration.domain = Self.domain
        let phone = Phone.onOwnThread(configuration: fastConfiguration([configuration]))
        let events = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        let failed = try await events.wait(connection: 0, status: .failed)
        #expect(failed.reason.kind == .challengeRefused)
        #expect(failed.reason.text == "401 Unauthorized (no password configured for 7001)")
        #expect(peer.requests(.register).count == 1, "nothing to answer the challenge with")
        await phone.shutdown()
        try await peer.stop()
    }
}
