import Foundation
import SIPCore
import SIPTestSupport
import SipEndpoint
import Testing

/// The phone against in-process sites that check digest for real and can die and come back.
@Suite("Phone against in-process sites")
struct InProcessSiteTests {
    func connection(to site: InProcessSite, user: String = "7001", password: String, optionsInterval: Int = 0)
        -> ConnectionConfiguration
    {
        ConnectionConfiguration(
            user: user, server: ServerAddress(host: "127.0.0.1", port: site.port), password: password,
            reregisterInSeconds: 60, regInterval: 120, regRetryMax: 300, optionsInterval: optionsInterval)
    }

    @Test func registersWithVerifiedDigestOnTwoSites() async throws {
        let a = try await InProcessSite.start(.init(name: "site-a"))
        let b = try await InProcessSite.start(.init(name: "site-b"))
        let phone = Phone.onOwnThread(
            configuration: fastConfiguration([
                connection(to: a, password: "pass7001"), connection(to: b, password: "pass7001"),
            ]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        try await log.wait(connection: 1, status: .ready)
        #expect(a.registrations["7001"] != nil && b.registrations["7001"] != nil)
        await phone.shutdown()
        #expect(a.registrations["7001"] == nil, "un-REGISTER removed the binding")
        try await a.stop()
        try await b.stop()
    }

    @Test func aWrongPasswordIsReportedOnceWithoutARetryLoop() async throws {
        let a = try await InProcessSite.start(.init(name: "site-a"))
        let phone = Phone.onOwnThread(configuration: fastConfiguration([connection(to: a, password: "wrong")]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        let failed = try await log.wait(connection: 0, status: .failed, timeout: .seconds(10))
        #expect(failed.reason.kind == .credentialsRejected && failed.reason.statusCode == 401)
        try await Task.sleep(for: .milliseconds(500))
        #expect(a.registerCount <= 3, "one unauthenticated REGISTER and one answer to the challenge, then back-off")
        #expect(log.events.filter { $0.status == .failed }.count == 1)
        await phone.shutdown()
        try await a.stop()
    }

    /// A hung site (frozen: its port bound, nothing read or answered) fails its connection by the
    /// probe's timeout, and is followed back when it thaws.
    @Test func aSiteThatHangsAndThawsIsFollowedByItsConnection() async throws {
        let a = try await InProcessSite.start(.init(name: "site-a"))
        let phone = Phone.onOwnThread(
            configuration: fastConfiguration([connection(to: a, password: "pass7001", optionsInterval: 1)]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)

        try await a.freeze()
        let registersBefore = a.registerCount
        try await log.wait(connection: 0, status: .failed, timeout: .seconds(10))
        #expect(a.isUp, "a hung site is not a dead one")
        #expect(a.registerCount == registersBefore, "nothing is read while frozen")

        let seen = log.events.count
        try await a.thaw()
        try await log.wait(connection: 0, status: .ready, after: seen, timeout: .seconds(10))
        #expect(a.registrations["7001"] != nil)
        await phone.shutdown()
        try await a.stop()
    }

    @Test func aSiteThatDiesAndComesBackIsFollowedByItsConnection() async throws {
        let a = try await InProcessSite.start(.init(name: "site-a"))
        let b = try await InProcessSite.start(.init(name: "site-b"))
        let phone = Phone.onOwnThread(
            configuration: fastConfiguration([
                connection(to: a, password: "pass7001", optionsInterval: 1),
                connection(to: b, password: "pass7001", optionsInterval: 1),
            ]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        try await log.wait(connection: 1, status: .ready)

        let killedAt = ContinuousClock.now
        try await a.kill()
        try await log.wait(connection: 0, status: .failed, timeout: .seconds(12))
        // By the probe (options_interval 1 s + sip_transaction_timeout 0.6 s), not the re-REGISTER;
        // the margin is for a loaded machine.
        #expect(ContinuousClock.now - killedAt < .seconds(10))
        #expect(phone.connectionManager.connection(1)?.status == .ready)
        #expect(!log.events.contains { $0.connectionId == 1 && $0.status != .ready && $0.status != .registering })
        #expect(phone.status == .active)

        let seen = log.events.count
        let revivedAt = ContinuousClock.now
        try await a.revive()
        try await log.wait(connection: 0, status: .ready, after: seen, timeout: .seconds(12))
        #expect(ContinuousClock.now - revivedAt < .seconds(10), "by the probe, not the re-REGISTER")
        #expect(a.registrations["7001"] != nil, "registered again on the site that came back")
        await phone.shutdown()
        try await a.stop()
        try await b.stop()
    }
}

/// A new configuration applied to a running phone: added, removed and changed connections follow it,
/// unchanged ones are not touched.
@Suite("Applying a configuration at run time")
struct ApplyConfigurationTests {
    @Test func addedRemovedChangedAndUnchangedConnections() async throws {
        let a = try await InProcessSite.start(.init(name: "site-a"))
        let b = try await InProcessSite.start(.init(name: "site-b"))
        let c = try await InProcessSite.start(.init(name: "site-c"))
        func connection(_ site: InProcessSite, user: String = "7001", lifetime: Int = 60) -> ConnectionConfiguration {
            ConnectionConfiguration(
                user: user, server: ServerAddress(host: "127.0.0.1", port: site.port),
                password: "pass\(user)", reregisterInSeconds: lifetime, optionsInterval: 0)
        }
        let first = fastConfiguration([connection(a), connection(b)])
        let phone = Phone.onOwnThread(configuration: first)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        try await log.wait(connection: 1, status: .ready)
        let registersOnA = a.registerCount

        // Connection 0 unchanged, connection 1 changed (another DN on site B), connection 2 added on site C.
        var second = first
        second.connections = [connection(a), connection(b, user: "7002"), connection(c, user: "7003")]
        let seen = log.events.count
        let changes = try await phone.apply(second)
        #expect(changes.added == [2] && changes.changed == [1] && changes.removed.isEmpty)
        try await log.wait(connection: 1, status: .ready, after: seen)
        try await log.wait(connection: 2, status: .ready, after: seen)
        #expect(b.registrations["7001"] == nil && b.registrations["7002"] != nil, "re-registered with the new DN")
        #expect(c.registrations["7003"] != nil)
        #expect(a.registerCount == registersOnA, "the unchanged connection was not touched")
        #expect(!log.events.dropFirst(seen).contains { $0.connectionId == 0 })

        // Back to one connection: 1 and 2 un-register and go.
        var third = second
        third.connections = [connection(a)]
        let removed = try await phone.apply(third)
        #expect(removed.removed == [1, 2])
        #expect(phone.connectionManager.connections.map(\.id) == [0])
        #expect(b.registrations.isEmpty && c.registrations.isEmpty)
        await phone.shutdown()
        for s in [a, b, c] { try await s.stop() }
    }
}
