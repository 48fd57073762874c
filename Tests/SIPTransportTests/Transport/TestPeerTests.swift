import NIOCore
import SIPCore
import SIPTestSupport
import SIPTransport
import Testing

/// The scriptable peer's own behaviours, driven through a real transport layer.
@Suite(.timeLimit(.minutes(1))) struct TestPeerTests {
    @Test func challengesThenAcceptsCredentials() async throws {
        try await withPeer { peer in
            // The digest arithmetic is tested in SIPTestSupportTests; this checks the exchange only.
            peer.on(
                .register,
                .challenge(
                    SIPPeerDigestChallenge(
                        realm: "site-a", nonce: "n1", username: "7001", password: "secret",
                        verifyResponse: SIPPeerDigestChallenge.acceptsAnyResponse)))
            try await Agent.withAgent { agent in
                let target = try peer.target(.udp)
                _ = try await agent.layer.send(makeRequest(.register, transport: .udp, cseq: 1), to: target).get()
                let challenge = try await agent.events.response(statusCode: 401)
                let offered = try #require(try challenge.message.wwwAuthenticate.first)
                #expect(offered.realm == "site-a")
                #expect(offered.nonce == "n1")

                var again = makeRequest(.register, transport: .udp, cseq: 2)
                again.headers.add(
                    .authorization,
                    "Digest username=\"7001\", realm=\"site-a\", nonce=\"n1\", uri=\"sip:127.0.0.1\", "
                        + "response=\"0123456789abcdef0123456789abcdef\", qop=auth, nc=00000001, cnonce=\"c1\"")
                _ = try await agent.layer.send(again, to: target).get()
                _ = try await agent.events.response(statusCode: 200)
            }
        }
    }

    @Test func answersWithACodeAfterADelay() async throws {
        try await withPeer { peer in
            peer.on(
                .invite,
                .respond(statusCode: 503, headers: [SIPPeerHeader("Retry-After", "5")], delay: .milliseconds(150)))
            try await Agent.withAgent { agent in
                let sentAt = ContinuousClock.now
                _ = try await agent.layer.send(makeRequest(.invite, transport: .udp), to: try peer.target(.udp)).get()
                let response = try await agent.events.response(statusCode: 503)
                #expect(ContinuousClock.now - sentAt >= .milliseconds(150))
                #expect(try response.message.retryAfter?.seconds == 5)
                #expect(try response.message.to.tag != nil)
            }
        }
    }

    @Test func staysSilentAndDropsEveryNth() async throws {
        try await withPeer { peer in
            peer.on(.invite, .silent)
            peer.dropEveryNthPacket(2)
            try await Agent.withAgent { agent in
                let target = try peer.target(.udp)
                for n in 1...4 {
                    _ = try await agent.layer.send(makeRequest(.options, transport: .udp, callID: "o\(n)"), to: target)
                        .get()
                }
                _ = try await agent.layer.send(makeRequest(.invite, transport: .udp), to: target).get()
                let records = try await peer.waitForRecords(count: 5)
                #expect(records.map(\.wasDropped) == [false, true, false, true, false])
                try await Task.sleep(for: .milliseconds(100))
                #expect(agent.events.messages.compactMap { try? $0.message.callID } == ["o1", "o3"])
            }
        }
    }

    /// A frozen peer (its transport's fault) reads nothing, as a stopped process; what arrived waits in
    /// its socket and is served at the thaw, as after SIGCONT.
    @Test func aFrozenPeerReadsNothingUntilItThaws() async throws {
        try await withPeer { peer in
            try await Agent.withAgent { agent in
                try await peer.freeze()
                let request = makeRequest(.options, transport: .udp, callID: "while-frozen")
                _ = try await agent.layer.send(request, to: try peer.target(.udp)).get()
                try await Task.sleep(for: .milliseconds(200))
                #expect(peer.received.isEmpty)
                #expect(agent.events.messages.isEmpty)

                try await peer.thaw()
                let records = try await peer.waitForRecords()
                #expect(records.map { try? $0.message.callID } == ["while-frozen"])
                _ = try await agent.events.response(statusCode: 200)
            }
        }
    }

    @Test func closesTheConnectionWhenToldTo() async throws {
        try await withPeer { peer in
            peer.on(.options, .closeConnection)
            try await Agent.withAgent(fastKeepAlive()) { agent in
                _ = try await agent.layer.send(makeRequest(.options, transport: .tcp), to: try peer.target(.tcp)).get()
                let failure = try await agent.events.wait { $0.failures.first }
                #expect(failure.error.code == .connectionClosed)
            }
        }
    }
}
