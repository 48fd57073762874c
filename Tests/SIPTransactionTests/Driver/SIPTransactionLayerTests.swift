import NIOCore
import SIPCore
import SIPTestSupport
import SIPTransport
import Testing

@testable import SIPTransaction

/// The driver over real loopback sockets: the machines' decisions carried out on the wire.
@Suite("Transaction layer (driver)", .timeLimit(.minutes(1)))
struct SIPTransactionLayerTests {
    static let fastTimers = TransactionTimerConfiguration(
        t1: .milliseconds(50), t2: .milliseconds(400), t4: .milliseconds(500), transactionTimeout: .milliseconds(500))

    @Test func optionsGetsItsFinalResponse() async throws {
        let peer = try await SIPTestPeer.start()
        let client = try await TransactionLayerHarness()
        let events = await client.send(makeRequest(.options), to: try peer.target(.udp))
        #expect(events.count == 1)
        #expect(events.last?.statusCode == 200)
        // Completed waits for Timer K (§17.1.2.2) in its compact form: the request is released.
        let (whole, compact, alive) = try await client.layer.eventLoop.submit {
            (client.layer.clients.count, client.layer.completedClients.count, client.layer.transactionCount.client)
        }.get()
        #expect(whole == 0 && compact == 1 && alive == 1)
        try await client.stop()
        try await peer.stop()
    }

    @Test func nonSuccessToInviteIsAckedByTheTransaction() async throws {
        let peer = try await SIPTestPeer.start()
        peer.on(.invite, .respond(statusCode: 486))
        let client = try await TransactionLayerHarness()
        let invite = makeRequest(.invite, branch: "z9hG4bK.invite486")
        let events = await client.send(invite, to: try peer.target(.udp))
        #expect(events.last?.statusCode == 486)
        let acks = try await peer.waitForRecords { $0.message.method == .ack }
        let ack = try #require(acks.first?.message)
        #expect(try ack.topVia.branch == "z9hG4bK.invite486")
        #expect(try ack.cseq == SIPCSeq(1, .ack))
        #expect(try ack.to.tag != nil, "the ACK carries the To tag of the 486")
        try await client.stop()
        try await peer.stop()
    }

    @Test func silentPeerOverUDPGetsRetransmissionsThenLocalTimeout() async throws {
        let peer = try await SIPTestPeer.start()
        peer.on(.options, .silent)
        let client = try await TransactionLayerHarness(timers: Self.fastTimers)
        let start = ContinuousClock.now
        let events = await client.send(makeRequest(.options, branch: "z9hG4bK.silent"), to: try peer.target(.udp))
        let elapsed = ContinuousClock.now - start
        guard case .failed(let failure, _) = events.last else {
            Issue.record("expected a local failure, got \(events)")
            return
        }
        #expect(failure == .timeout && failure.statusCode == 408)
        #expect(elapsed >= .milliseconds(450) && elapsed < .seconds(3))
        // Timer E: 0, 50, 150, 350 ms before Timer F (capped at 500 ms) fires.
        let sent = peer.requests(.options)
        #expect(sent.count >= 3 && sent.count <= 5)
        #expect(try sent.allSatisfy { try $0.message.topVia.branch == "z9hG4bK.silent" })
        try await client.stop()
        try await peer.stop()
    }

    @Test func reliableTransportsAreNotRetransmitted() async throws {
        let peer = try await SIPTestPeer.start()
        peer.on(.options, .silent)
        let client = try await TransactionLayerHarness(timers: Self.fastTimers)
        let events = await client.send(makeRequest(.options, transport: "TCP"), to: try peer.target(.tcp))
        guard case .failed(.timeout, _) = events.last else {
            Issue.record("expected a local timeout, got \(events)")
            return
        }
        #expect(peer.requests(.options).count == 1)
        try await client.stop()
        try await peer.stop()
    }

    @Test func transportFailureIsALocal503() async throws {
        // RFC 3261 timers (Timer F 32 s): only the refusal can end the transaction within seconds.
        let client = try await TransactionLayerHarness()
        // A TCP port nothing listens on: bind and close a listener to find one.
        let closed = try await SIPTestPeer.start(.init(transports: [.tcp]))
        let target = try closed.target(.tcp)
        try await closed.stop()
        let start = ContinuousClock.now
        let events = await client.send(makeRequest(.options, transport: "TCP"), to: target)
        guard case .failed(let failure, let detail) = events.last else {
            Issue.record("expected a local failure, got \(events)")
            return
        }
        #expect(failure.statusCode == 503)
        #expect(detail != nil)
        #expect(ContinuousClock.now - start < .seconds(10), "a refused connection fails at once, not at Timer F (32 s)")
        try await client.stop()
    }

    @Test func serverTransactionAbsorbsRetransmissionsAndAnswersAgain() async throws {
        let server = try await TransactionLayerHarness()
        try await server.answerEverything(with: 200)
        let peer = try await SIPTestPeer.start()
        let target = try SIPTransportTarget(transport: .udp, address: #require(server.localAddress(.udp)))
        let request = makeRequest(.options, branch: "z9hG4bK.retrans")
        _ = try await peer.send(request, to: target)
        _ = try await peer.send(request, to: target)
        let answers = try await peer.waitForRecords(count: 2) { $0.message.statusCode == 200 }
        #expect(answers.count == 2, "the retransmission is answered from the transaction")
        #expect(server.requests.withLockedValue { $0.count } == 1, "the TU sees the request once")
        try await server.stop()
        try await peer.stop()
    }

    @Test func completedServerTransactionKeepsOnlyItsFinalResponseBytesAndFlow() async throws {
        let server = try await TransactionLayerHarness()
        try await server.answerEverything(with: 200)
        let peer = try await SIPTestPeer.start()
        let target = try SIPTransportTarget(transport: .udp, address: #require(server.localAddress(.udp)))
        let request = makeRequest(.options, branch: "z9hG4bK.compact", callID: "compact-1")
        let peerFlow = try await peer.send(request, to: target)
        _ = try await peer.waitForRecords(count: 1) { $0.message.statusCode == 200 }
        let id = try #require(server.requests.withLockedValue { $0.first?.transaction })
        let (kept, heldWhole, alive) = try await server.layer.eventLoop.submit {
            (
                server.layer.completedServerTransaction(id), server.layer.holdsFullServerTransaction(id),
                server.layer.transactionCount.server
            )
        }.get()
        #expect(!heldWhole, "the request, the response message and the full machine are released")
        #expect(alive == 1, "the compact transaction still counts as alive until Timer J")
        let compact = try #require(kept, "Completed is kept for Timer J in its compact form")
        #expect(compact.machine == CompletedNonInviteServerTransaction())
        #expect(compact.flow?.remoteAddress == peerFlow.localAddress, "the flow the final response went on")
        let response = try SIPMessage(parsing: compact.response)
        #expect(response.statusCode == 200)
        #expect(try response.callID == "compact-1")
        #expect(try response.to.tag == "uas1")
        // A retransmitted request is answered from those bytes, and the TU does not hear it again.
        _ = try await peer.send(request, to: target)
        let answers = try await peer.waitForRecords(count: 2) { $0.message.statusCode == 200 }
        #expect(
            answers.last.map { String(buffer: $0.message.serialized) }
                == String(decoding: compact.response, as: UTF8.self))
        #expect(server.requests.withLockedValue { $0.count } == 1)
        try await server.stop()
        try await peer.stop()
    }

    @Test func mergedRequestGets482() async throws {
        let server = try await TransactionLayerHarness()
        try await server.answerEverything(with: 200)
        let peer = try await SIPTestPeer.start()
        let target = try SIPTransportTarget(transport: .udp, address: #require(server.localAddress(.udp)))
        // The same request (From tag, Call-ID, CSeq) arriving by two paths: two branches.
        _ = try await peer.send(makeRequest(.message, branch: "z9hG4bK.pathA", callID: "merged-1"), to: target)
        _ = try await peer.send(makeRequest(.message, branch: "z9hG4bK.pathB", callID: "merged-1"), to: target)
        let answers = try await peer.waitForRecords(count: 2) { $0.message.statusCode != nil }
        #expect(Set(answers.compactMap(\.message.statusCode)) == [200, 482])
        #expect(server.requests.withLockedValue { $0.count } == 1)
        try await server.stop()
        try await peer.stop()
    }

    @Test func inviteGets100TryingAndAckForNon2xxStaysInTheTransaction() async throws {
        let server = try await TransactionLayerHarness()
        try await server.answerEverything(with: 603)
        let client = try await TransactionLayerHarness()
        let target = try SIPTransportTarget(transport: .udp, address: #require(server.localAddress(.udp)))
        let events = await client.send(makeRequest(.invite), to: target)
        #expect(events.map(\.statusCode) == [100, 603])
        try await Task.sleep(for: .milliseconds(100))
        #expect(
            server.requests.withLockedValue { $0.map(\.message.method) } == [.invite], "the ACK for 603 is absorbed")
        try await client.stop()
        try await server.stop()
    }
}
