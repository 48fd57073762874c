import Foundation
import SIPTestSupport
import Testing

@testable import SipEndpoint

/// `mode = active-standby` end to end on two in-process sites: one binding per line, the standby takes
/// over when the primary's site dies, a dial on the failed primary goes out through it, and once the
/// primary's site answers for the hold-down the line moves back and the standby lets go of its binding.
@Suite("Active/standby with in-process sites")
struct ActiveStandbyCallTests {
    @Test(.timeLimit(.minutes(1))) func theStandbyTakesOverAndTheLineFailsBackAfterTheHoldDown() async throws {
        let (siteA, siteB) = try await startSites()
        let configuration = activeStandby([siteA, siteB], failback: .automatic, holdDownSeconds: 2)
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()

        try await log.wait(connection: 0, status: .ready)
        let standby = try await log.wait(connection: 1, status: .standby)
        #expect(standby.reason.kind == .roleChanged)
        #expect(siteA.registrations["7001"] != nil, "the primary holds the line's binding")
        #expect(siteB.registrations["7001"] == nil, "the standby is probed, never registered")
        #expect(siteB.registerCount == 0)

        try await siteA.kill()
        let killed = ContinuousClock.now
        let takeover = try await log.wait(connection: 1, status: .ready, timeout: .seconds(15))
        // Detection (~1.5 s) and one REGISTER; the margin is for a loaded machine.
        #expect(ContinuousClock.now - killed < .seconds(12), "detection and one REGISTER")
        #expect(takeover.reason.kind == .roleChanged && takeover.reason.text.contains("failed"), "\(takeover.reason)")
        #expect(siteB.registrations["7001"] != nil, "site B holds the binding now")

        let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        let calls = SessionLog(session.statusChanges)
        let connected = try await calls.wait(for: .connected)
        #expect(connected.connectionId == 1, "a dial on the failed primary goes out through the active standby")
        try await session.hangUp()

        let index = log.events.count
        try await siteA.revive()
        let revived = ContinuousClock.now
        let back = try await log.wait(connection: 0, status: .ready, after: index, timeout: .seconds(20))
        let after = ContinuousClock.now - revived
        #expect(after >= .seconds(2), "not before the hold-down: \(after)")
        #expect(after < .seconds(15), "the hold-down and a probe or two: \(after)")
        // Failback after the hold-down, or (when a loaded machine let the primary fail more than once)
        // flap damping's own hold-down first; either way the standby lets go below.
        #expect(back.reason.text.contains("failback") || back.reason.text.contains("hold-down"), "\(back.reason)")
        try await log.wait(connection: 1, status: .standby, after: index, timeout: .seconds(12))
        try await waitUntil { siteB.registrations["7001"] == nil }
        #expect(siteB.registrations["7001"] == nil, "the standby un-REGISTERed after the failback")
        #expect(siteA.registrations["7001"] != nil)

        await phone.shutdown()
        try await siteA.stop()
        try await siteB.stop()
    }

    @Test func activeActiveIsTheDefaultAndNothingIsStandby() async throws {
        #expect(FailoverPolicy().mode == .activeActive)
        let siteA = try await InProcessSite.start(.init(name: "site-a"))
        let siteB = try await InProcessSite.start(.init(name: "site-b"))
        let connections = [siteA, siteB].map { site in
            ConnectionConfiguration(
                user: "7001", server: ServerAddress(host: "127.0.0.1", port: site.port), password: "pass7001",
                reregisterInSeconds: 60, optionsInterval: 0)
        }
        let phone = Phone.onOwnThread(configuration: fastConfiguration(connections))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        try await log.wait(connection: 1, status: .ready)
        #expect(siteA.registrations["7001"] != nil && siteB.registrations["7001"] != nil)
        await phone.shutdown()
        try await siteA.stop()
        try await siteB.stop()
    }
}

/// Planned moves through the public API: maintenance of the primary's site moves the registration to
/// the standby and keeps dials off it; ending it and preferring a connection move it as asked.
@Suite("Active/standby planned moves")
struct ActiveStandbyPlannedMoveTests {
    @Test(.timeLimit(.minutes(1))) func maintenanceFailbackAndPreference() async throws {
        let (siteA, siteB) = try await startSites()
        let configuration = activeStandby([siteA, siteB], failback: .manual)
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        try await log.wait(connection: 1, status: .standby)

        var mark = log.events.count
        try await phone.connectionManager.startMaintenance(0)
        let moved = try await log.wait(connection: 1, status: .ready, after: mark)
        #expect(moved.reason.text.contains("maintenance"), "\(moved.reason)")
        try await log.wait(connection: 0, status: .standby, after: mark)
        try await waitUntil { siteA.registrations["7001"] == nil }
        #expect(siteA.registrations["7001"] == nil && siteB.registrations["7001"] != nil)
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        #expect(
            try await SessionLog(session.statusChanges).wait(for: .connected).connectionId == 1,
            "a connection in maintenance takes no call")
        try await session.hangUp()

        // Manual failback: nothing moves until asked.
        try await phone.connectionManager.endMaintenance(0)
        try await Task.sleep(for: .milliseconds(300))
        #expect(phone.connectionManager.connection(1)?.status == .ready)
        mark = log.events.count
        try await phone.connectionManager.failBack(line: 0)
        let back = try await log.wait(connection: 0, status: .ready, after: mark)
        #expect(back.reason.text.contains("failback"), "\(back.reason)")
        try await log.wait(connection: 1, status: .standby, after: mark)

        mark = log.events.count
        try await phone.connectionManager.prefer(1)
        let preferred = try await log.wait(connection: 1, status: .ready, after: mark)
        #expect(preferred.reason.text.contains("preferred"), "\(preferred.reason)")
        await #expect(throws: SipEndpointError.self) { try await phone.connectionManager.failBack(line: 1) }

        await phone.shutdown()
        try await siteA.stop()
        try await siteB.stop()
    }

    @Test func plannedMovesNeedAnActiveStandbyLine() async throws {
        let site = try await InProcessSite.start(.init(name: "site-a"))
        let phone = Phone.onOwnThread(
            configuration: fastConfiguration([
                ConnectionConfiguration(
                    user: "7001", server: ServerAddress(host: "127.0.0.1", port: site.port), password: "pass7001")
            ]))
        try await phone.start()
        let error = await #expect(throws: SipEndpointError.self) {
            try await phone.connectionManager.startMaintenance(0)
        }
        #expect(error?.code == .invalidState)
        await phone.shutdown()
        try await site.stop()
    }
}

/// Site A and site B, in process.
func startSites() async throws -> (InProcessSite, InProcessSite) {
    (try await InProcessSite.start(.init(name: "site-a")), try await InProcessSite.start(.init(name: "site-b")))
}

/// 7001 on each site with probes every second, the lines active/standby.
func activeStandby(
    _ sites: [InProcessSite], failback: FailoverPolicy.Failback, holdDownSeconds: Int = 30
) -> SipEndpointConfiguration {
    let connections = sites.map { site in
        ConnectionConfiguration(
            user: "7001", server: ServerAddress(host: "127.0.0.1", port: site.port), password: "pass7001",
            reregisterInSeconds: 60, optionsInterval: 1)
    }
    var configuration = fastConfiguration(connections, timeoutMs: 500)
    configuration.failover.mode = .activeStandby
    configuration.failover.failback = failback
    configuration.failover.failbackHoldDownSeconds = holdDownSeconds
    return configuration
}
