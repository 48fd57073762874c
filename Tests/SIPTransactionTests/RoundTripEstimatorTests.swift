import NIOCore
import SIPTransport
import Testing

@testable import SIPTransaction

@Suite("Round-trip estimate (RFC 6298) and the T1 and give-up it sets")
struct RoundTripEstimatorTests {
    let target = try! SIPTransportTarget(transport: .udp, ipAddress: "127.0.0.1", port: 5060)
    let other = try! SIPTransportTarget(transport: .udp, ipAddress: "127.0.0.2", port: 5060)
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test("first sample: SRTT = R, RTTVAR = R/2, RTO = 3R; then α = 1/8, β = 1/4 with the variance from the old SRTT")
    func rfc6298Arithmetic() {
        var estimate = RoundTripEstimator(firstSample: .milliseconds(100))
        #expect(estimate.smoothed == .milliseconds(100) && estimate.variance == .milliseconds(50))
        #expect(estimate.retransmissionTimeout == .milliseconds(300))
        estimate.add(.milliseconds(180))
        // RTTVAR = 3/4·50 + 1/4·|100 − 180| = 57.5; SRTT = 7/8·100 + 1/8·180 = 110.
        #expect(estimate.variance == .microseconds(57_500))
        #expect(estimate.smoothed == .milliseconds(110))
        #expect(estimate.retransmissionTimeout == .milliseconds(110 + 230))
        #expect(estimate.sampleCount == 2)
    }

    @Test("a steady link's RTO keeps the clock granularity G = 10 ms above SRTT")
    func granularity() {
        var estimate = RoundTripEstimator(firstSample: .milliseconds(40))
        for _ in 0..<200 { estimate.add(.milliseconds(40)) }
        #expect(estimate.retransmissionTimeout == .milliseconds(50))
    }

    @Test(
        "Karn's rule: an answer to a retransmitted request adds no sample; one too soon after the last transmission doubles the RTO until the next sample"
    )
    func karn() {
        var table = RoundTripTable()
        table.firstResponse(from: target, sentAt: t0, lastSentAt: t0, transmissions: 1, now: t0 + .milliseconds(100))
        let before = table.estimate(for: target)
        #expect(before?.retransmissionTimeout == .milliseconds(300))
        // Retransmitted at 300 ms, answered 100 ms later: the last transmission's answer after a loss.
        table.firstResponse(
            from: target, sentAt: t0, lastSentAt: t0 + .milliseconds(300), transmissions: 2,
            now: t0 + .milliseconds(400))
        #expect(table.estimate(for: target) == before)
        // Answered 10 ms after the retransmission: an earlier transmission's answer, the RTO was short.
        table.firstResponse(
            from: target, sentAt: t0, lastSentAt: t0 + .milliseconds(300), transmissions: 2,
            now: t0 + .milliseconds(310))
        #expect(table.estimate(for: target)?.sampleCount == before?.sampleCount)
        #expect(table.estimate(for: target)?.retransmissionTimeout == .milliseconds(600))
        for _ in 0..<10 {
            table.firstResponse(
                from: target, sentAt: t0, lastSentAt: t0 + .seconds(2), transmissions: 3, now: t0 + .seconds(2))
        }
        #expect(table.estimate(for: target)?.backoff == RoundTripEstimator.maximumBackoff)
        table.firstResponse(from: target, sentAt: t0, lastSentAt: t0, transmissions: 1, now: t0 + .milliseconds(100))
        #expect(table.estimate(for: target)?.backoff == 0)
        #expect(table.estimate(for: target)?.sampleCount == 2)
        // A retransmitted first exchange toward a new target learns nothing.
        table.firstResponse(
            from: other, sentAt: t0, lastSentAt: t0 + .milliseconds(500), transmissions: 2, now: t0 + .milliseconds(501)
        )
        #expect(table.estimate(for: other) == nil)
    }

    @Test("targets are kept apart, keyed by transport, address and port")
    func perTarget() throws {
        var table = RoundTripTable()
        let tcp = try SIPTransportTarget(transport: .tcp, ipAddress: "127.0.0.1", port: 5060)
        table.add(.milliseconds(10), for: target, now: t0)
        table.add(.milliseconds(300), for: tcp, now: t0)
        #expect(table.estimate(for: target)?.smoothed == .milliseconds(10))
        #expect(table.estimate(for: tcp)?.smoothed == .milliseconds(300))
        #expect(table.estimate(for: other) == nil)
        #expect(table.count == 2)
    }

    @Test("the table forgets the longest-unsampled target beyond its capacity")
    func capacity() throws {
        var table = RoundTripTable()
        for i in 0..<(RoundTripTable.capacity + 1) {
            let t = try SIPTransportTarget(transport: .udp, ipAddress: "127.1.\(i / 256).\(i % 256)", port: 5060)
            table.add(.milliseconds(5), for: t, now: t0 + .milliseconds(Int64(i)))
        }
        #expect(table.count == RoundTripTable.capacity)
        #expect(table.estimate(for: try SIPTransportTarget(transport: .udp, ipAddress: "127.1.0.0", port: 5060)) == nil)
    }

    @Test(
        "policy: loopback → T1 100 ms (floor) and give-up 800 ms (floor); no sample → 500 ms and 4 s; adaptive_t1 off → 500 ms"
    )
    func policyBounds() {
        let configured = TimeAmount.milliseconds(500)
        let timeout = TimeAmount.seconds(4)
        let loopback = RoundTripEstimator(firstSample: .microseconds(300))
        let policy = AdaptiveTimerPolicy()
        #expect(policy.t1(for: loopback, configured: configured) == .milliseconds(100))
        #expect(policy.giveUp(for: loopback, configured: configured, transactionTimeout: timeout) == .milliseconds(800))
        #expect(policy.t1(for: nil, configured: configured) == configured)
        #expect(policy.giveUp(for: nil, configured: configured, transactionTimeout: timeout) == .seconds(4))
        let fixed = AdaptiveTimerPolicy(adaptiveT1: false)
        #expect(fixed.t1(for: loopback, configured: configured) == configured)
        #expect(fixed.giveUp(for: loopback, configured: configured, transactionTimeout: timeout) == .milliseconds(3600))
        // The ceiling is the transaction timeout, even below the floor.
        #expect(
            policy.giveUp(for: loopback, configured: configured, transactionTimeout: .milliseconds(500))
                == .milliseconds(500))
        let slow = RoundTripEstimator(firstSample: .seconds(3))
        #expect(policy.t1(for: slow, configured: configured) == .seconds(1))
        #expect(policy.giveUp(for: slow, configured: configured, transactionTimeout: timeout) == timeout)
    }

    @Test("the per-target T1 moves only Timers A and E; 64·T1 lifetimes keep the configured T1")
    func retransmissionT1OnlyMovesRetransmissions() {
        var configuration = TransactionTimerConfiguration()
        configuration.retransmissionT1 = .milliseconds(60)
        #expect(configuration.timerA == .milliseconds(60) && configuration.timerE == .milliseconds(60))
        #expect(configuration.timerB == .seconds(4) && configuration.timerF == .seconds(4))
        #expect(configuration.timerM == .seconds(32) && configuration.timerH == .seconds(32))
        #expect(configuration.timerG == .milliseconds(500))
        var invite = ClientInviteTransaction(isReliable: false, configuration: configuration)
        let actions = invite.start(now: t0)
        #expect(actions.contains(.schedule(.a, at: t0 + .milliseconds(60))))
        #expect(actions.contains(.schedule(.b, at: t0 + .seconds(4))))
    }
}
