import Foundation
import SIPCore
import SIPTestSupport
import SipEndpoint
import Testing

/// The phone against in-process sites that check digest for real and can die and come back.
@Suite("Phone against in-process sites")
struct InProcessSiteTests {
    func connection(to site: InProcessSite, user: String = "7001", password: String, optionsInterval: Int = 0) -> ConnectionConfiguration {
        ConnectionConfiguration(
            user: user, server: ServerAddress(host: "127.0.0.1", port: site.port), password: password,
            reregisterInSeconds: 60, regInterval: 120, regRetryMax: 300, optionsInterval: optionsInterval)
    }

    @Test func registersWithVerifiedDigestOnTwoSites() async throws {
        let a = try await InProcessSite.start(.init(name: "site-a"))
        let b = try await InProcessSite.start(.init(name: "site-b"))
        let phone = Phone(configuration: fastConfiguration([connection(to: a, password: "pass7001"), connection(to: b, password: "pass7001")]))
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
        let phone = Phone(configuration: fastConfiguration([connection(to: a, password: "wrong")]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        let failed = try await log.wait(connection: 0, status: .failed)
        #expect(failed.reason.kind == .credentialsRejected && failed.reason.statusCode == 401)
        try await Task.sleep(for: .milliseconds(500))
        #expect(a.registerCount <= 3, "one unauthenticated REGISTER and one answer to the challenge, then back-off")
        #expect(log.events.filter { $0.status == .failed }.count == 1)
        await phone.shutdown()
        try await a.stop()
    }

    @Test func aSiteThatDiesAndComesBackIsFollowedByItsConnection() async throws {
        let a = try await InProcessSite.start(.init(name: "site-a"))
        let b = try await InProcessSite.start(.init(name: "site-b"))
        let phone = Phone(configuration: fastConfiguration([
            connection(to: a, password: "pass7001", optionsInterval: 1), connection(to: b, password: "pass7001", optionsInterval: 1),
        ]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        try await log.wait(connection: 1, status: .ready)

        let killedAt = ContinuousClock.now
        try await a.kill()
        try await log.wait(connection: 0, status: .failed, timeout: .seconds(4))
        // options_interval (1 s) + sip_transaction_timeout (0.6 s) + margin.
        #expect(ContinuousClock.now - killedAt < .seconds(2.5))
        #expect(phone.connectionManager.connection(1)?.status == .ready)
        #expect(!log.events.contains { $0.connectionId == 1 && $0.status != .ready && $0.status != .registering })
        #expect(phone.status == .active)

        let seen = log.events.count
        let revivedAt = ContinuousClock.now
        try await a.revive()
        try await log.wait(connection: 0, status: .ready, after: seen, timeout: .seconds(4))
        #expect(ContinuousClock.now - revivedAt < .seconds(2.5), "within one probe interval and a round trip")
        #expect(a.registrations["7001"] != nil, "registered again on the site that came back")
        await phone.shutdown()
        try await a.stop()
        try await b.stop()
    }
}
