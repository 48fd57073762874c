import Foundation
import SIPTestSupport
import Testing

@testable import SipEndpoint

/// `invite_timeout = auto` end to end on loopback: the round trip learned from REGISTER is well
/// under a millisecond, so the floors decide (T1 100 ms, give-up 800 ms).
@Suite("Learned give-up with in-process sites", .timeLimit(.minutes(1)))
struct LearnedGiveUpCallTests {
    /// Two registered sites, every setting of the failover policy and of the transaction timers at
    /// its default (only the ports and the bind address are the test's).
    /// Probes run every second (`options_interval` is the connection's setting, not the failover
    /// policy's), so that the estimate has fresh samples even when a loaded test machine delayed
    /// the REGISTERs' answers past the 500 ms T1 of a target with no sample (Karn's rule drops those).
    static func phone(_ a: InProcessSite, _ b: InProcessSite) async throws -> (Phone, EventLog) {
        func connection(_ s: InProcessSite) -> ConnectionConfiguration {
            ConnectionConfiguration(
                user: "7001", server: ServerAddress(host: "127.0.0.1", port: s.port), password: "pass7001",
                optionsInterval: 1)
        }
        let configuration = SipEndpointConfiguration(
            connections: [connection(a), connection(b)], endpoint: EndpointPolicy(localAddress: "127.0.0.1"))
        #expect(configuration.failover == FailoverPolicy())
        #expect(configuration.failover.inviteTimeoutMilliseconds == nil && configuration.failover.adaptiveT1)
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        try await log.wait(connection: 1, status: .ready)
        return (phone, log)
    }

    @Test("with defaults, a dial on a site that has just gone silent connects through the other site within 1.5 s")
    func justSilentSiteCostsTheFloor() async throws {
        let siteA = try await InProcessSite.start(.init(name: "site-a"))
        let siteB = try await InProcessSite.start(.init(name: "site-b"))
        let (phone, _) = try await Self.phone(siteA, siteB)
        // Loopback: once the estimate has a sample, the floor decides.
        let core = phone.core
        let learned = { try await core.eventLoop.submit { core.learnedRoundTrip(connection: 0) }.get() }
        let learnDeadline = ContinuousClock.now + .seconds(25)
        while try await learned()?.giveUp != .milliseconds(800), ContinuousClock.now < learnDeadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let before = try await learned()
        #expect(before?.giveUp == .milliseconds(800) && (before?.samples ?? 0) >= 1, "\(String(describing: before))")
        try await siteA.kill()
        let start = ContinuousClock.now
        let dialled = Date()
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        let calls = SessionLog(session.statusChanges)
        let connected = try await calls.wait(for: .connected)
        let elapsed = ContinuousClock.now - start
        #expect(connected.connectionId == 1)
        let failedOverAfter = calls.failovers.first.map { $0.time.timeIntervalSince(dialled) } ?? -1
        // The learned 800 ms give-up, not the 4 s sip_transaction_timeout (margin for a loaded machine).
        #expect(elapsed < .milliseconds(3500), "\(elapsed); failed over after \(failedOverAfter) s")
        // The give-up is the 800 ms floor, not less: site B's 9000 rings 100 ms before it answers.
        #expect(elapsed > .milliseconds(850), "\(elapsed)")
        #expect(calls.failovers.count == 1 && calls.failovers.first?.cause.contains("408") == true)
        print("learned-give-up loopback silent-site failed-over-after=\(failedOverAfter)s connected-after=\(elapsed)")
        try await session.hangUp()
        try await calls.wait(for: .disconnected)
        await phone.shutdown()
        try await siteA.stop()
        try await siteB.stop()
    }

    @Test("a callee that rings past the learned give-up is not a failure: the call connects on the site it rang on")
    func ringingIsNeverAFailure() async throws {
        let siteA = try await InProcessSite.start(
            .init(name: "site-a", testNumbers: ["9000": .answer(ringing: .milliseconds(1500))]))
        let siteB = try await InProcessSite.start(.init(name: "site-b"))
        let (phone, _) = try await Self.phone(siteA, siteB)
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        let calls = SessionLog(session.statusChanges)
        let connected = try await calls.wait(for: .connected)
        #expect(connected.connectionId == 0)
        #expect(calls.failovers.isEmpty)
        #expect(siteB.invites.isEmpty)
        try await session.hangUp()
        try await calls.wait(for: .disconnected)
        await phone.shutdown()
        try await siteA.stop()
        try await siteB.stop()
    }
}
