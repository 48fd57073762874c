import NIOCore
import SIPCore
import SIPTestSupport
import SIPTransport
import Testing

@testable import SIPTransaction

/// The driver feeds the round-trip table from real exchanges and retransmits at the learned T1.
@Suite("Transaction layer: round trips learned per target")
struct RoundTripDriverTests {
    /// Timer F 1.2 s, so a silent exchange is short but each counted copy leaves well before it (a
    /// loaded machine delays a timer by tens of milliseconds, never by the 500 ms margin); T1 stays
    /// RFC 3261's 500 ms.
    static let timers = TransactionTimerConfiguration(transactionTimeout: .milliseconds(1200))

    /// Two answered OPTIONS, then one the peer does not answer; returns how often that one was sent.
    static func exchange(adaptive: Bool) async throws -> (samples: Int?, giveUp: TimeAmount, silentCopies: Int) {
        let peer = try await SIPTestPeer.start()
        let client = try await TransactionLayerHarness(
            timers: timers, adaptiveTimers: AdaptiveTimerPolicy(adaptiveT1: adaptive))
        let target = try peer.target(.udp)
        for _ in 0..<2 {
            let events = await client.send(makeRequest(.options), to: target)
            #expect(events.last?.statusCode == 200)
        }
        let (samples, giveUp) = try await client.layer.eventLoop.submit {
            (client.layer.roundTripEstimate(for: target)?.sampleCount, client.layer.inviteGiveUp(toward: target))
        }.get()
        peer.on(.options, .silent)
        let events = await client.send(makeRequest(.options, branch: "z9hG4bK.unanswered"), to: target)
        guard case .failed(.timeout, _)? = events.last else {
            Issue.record("expected a local timeout, got \(events)")
            throw CancellationError()
        }
        let copies = try peer.requests(.options).filter { try $0.message.topVia.branch == "z9hG4bK.unanswered" }.count
        let after = try await client.layer.eventLoop.submit { client.layer.roundTripEstimate(for: target)?.sampleCount }
            .get()
        #expect(after == samples, "silence adds no sample")
        try await client.stop()
        try await peer.stop()
        return (samples, giveUp, copies)
    }

    @Test(
        "each answered request adds a sample; on loopback T1 is the 100 ms floor and the give-up its 800 ms floor"
    )
    func learnedOnLoopback() async throws {
        let learned = try await Self.exchange(adaptive: true)
        #expect(learned.samples == 2)
        // 7·100 + 100 ms meets the 800 ms floor, under this layer's 1.2 s transaction timeout.
        #expect(learned.giveUp == .milliseconds(800))
        // Timer E from the learned 100 ms: sent at 0, 100, 300 and 700 ms before Timer F at 1.2 s.
        #expect(learned.silentCopies == 4)
    }

    @Test("adaptive_t1 off: the same exchanges retransmit at RFC 3261's 500 ms")
    func fixedT1() async throws {
        let fixed = try await Self.exchange(adaptive: false)
        #expect(fixed.samples == 2)
        // Sent at 0 and 500 ms; the next would be at 1.5 s, after Timer F at 1.2 s.
        #expect(fixed.silentCopies == 2)
    }
}
