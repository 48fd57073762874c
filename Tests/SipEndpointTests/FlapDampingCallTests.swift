import Foundation
import SIPTestSupport
import Testing

@testable import SipEndpoint

/// Flap damping end to end against in-process sites: site A (connection 0) dies and comes back
/// twice; the first return is `ready` at once, the second `recovering` (REGISTERed, held down). A
/// dial on connection 0 then goes through site B; with connection 1 disabled it uses the recovering
/// connection; the hold-down ends in `ready`.
@Suite("Flap damping end to end")
struct FlapDampingCallTests {
    @Test(
        "Second return of a site within the window: recovering, dials prefer the ready site, then ready after the hold-down"
    )
    func secondReturnIsHeldDown() async throws {
        let siteA = try await InProcessSite.start(.init(name: "site-a", testNumbers: ["9000": .answer()]))
        let siteB = try await InProcessSite.start(.init(name: "site-b", testNumbers: ["9000": .answer()]))
        func toSite(_ site: InProcessSite, probes: Int) -> ConnectionConfiguration {
            ConnectionConfiguration(
                user: "7001", server: ServerAddress(host: "127.0.0.1", port: site.port), password: "pass7001",
                reregisterInSeconds: 60, regInterval: 60, regRetryMax: 120, optionsInterval: probes)
        }
        var configuration = fastConfiguration([toSite(siteA, probes: 1), toSite(siteB, probes: 0)])
        // Half-life 16 s: the second failure suppresses when it comes within 16 s of the first, which a
        // loaded machine still meets (sixteen tests at once on two cores, detection bounded at 10 s; at
        // 8 s one CI run saw the two failures too far apart). Two failures ~3 s apart give a penalty
        // ≈ 1.88 and a hold-down ≈ 14.5 s from the second; any two within the window, 9.4–16 s.
        configuration.failover.flapWindowSeconds = 16
        configuration.failover.flapHoldDownMaxSeconds = 40
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        try await log.wait(connection: 1, status: .ready)

        // First outage: the return is immediate.
        var mark = log.events.count
        try await siteA.kill()
        // A bound for a loaded machine (the full suite runs sixteen tests at once on two cores); how
        // soon probes detect the loss is the health rules' own test, on a virtual clock.
        try await log.wait(connection: 0, status: .failed, after: mark, timeout: .seconds(10))
        try await siteA.revive()
        let first = try await log.wait(after: mark) {
            $0.connectionId == 0 && ($0.status == .ready || $0.status == .recovering)
        }
        #expect(first.status == .ready, "a single outage is never damped")

        // Second outage within the window: REGISTERed again at once, but recovering.
        mark = log.events.count
        let registers = siteA.registerCount
        try await siteA.kill()
        try await log.wait(connection: 0, status: .failed, after: mark, timeout: .seconds(10))
        try await siteA.revive()
        let second = try await log.wait(after: mark) {
            $0.connectionId == 0 && ($0.status == .ready || $0.status == .recovering)
        }
        #expect(second.status == .recovering && second.reason.kind == .flapDamped, "\(second.status) \(second.reason)")
        #expect(
            siteA.registerCount > registers && siteA.registrations["7001"] != nil, "REGISTERed, so inbound calls arrive"
        )
        let until = try #require(second.heldDownUntil)
        #expect(until.timeIntervalSince(second.time) > 2 && until.timeIntervalSince(second.time) <= 16.1)
        #expect(phone.status == .active)

        // A dial on the recovering connection goes through the ready one.
        let viaB = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        let viaBLog = SessionLog(viaB.statusChanges)
        let connectedB = try await viaBLog.wait(for: .connected)
        #expect(connectedB.connectionId == 1)
        #expect(viaBLog.failovers.first?.cause == "connection not ready")
        #expect(siteA.invites.isEmpty)
        try await viaB.hangUp()
        try await viaBLog.wait(for: .disconnected)

        // No ready connection left on the line: the recovering one is used.
        try await phone.connectionManager.disableConnection(1)
        let viaA = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        let viaALog = SessionLog(viaA.statusChanges)
        let connectedA = try await viaALog.wait(for: .connected)
        #expect(connectedA.connectionId == 0)
        #expect(siteA.invites.count == 1)
        try await viaA.hangUp()
        try await viaALog.wait(for: .disconnected)

        // Stable through the hold-down: ready, not before its end.
        let ready = try await log.wait(connection: 0, status: .ready, after: mark, timeout: .seconds(25))
        #expect(ready.reason.kind == .holdDownEnded)
        #expect(ready.time >= until.addingTimeInterval(-0.05), "ready at \(ready.time), hold-down until \(until)")
        #expect(log.events.dropFirst(mark).filter { $0.connectionId == 0 && $0.status == .ready }.count == 1)

        await phone.shutdown()
        try await siteA.stop()
        try await siteB.stop()
    }
}
