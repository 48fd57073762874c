import Foundation
import NIOCore
import SIPCore
import SIPTestSupport
import SIPTransport
import SipEndpoint
import Testing

/// The ConnectionManager against in-process sites: every connection registers at once and on its
/// own, reports each status change, fails and recovers by its probes, and is disabled, enabled and
/// removed at run time.
@Suite("ConnectionManager with in-process sites")
struct ConnectionManagerTests {
    @Test func bothConnectionsRegisterAtOnceAndThePhoneIsActive() async throws {
        let siteA = try await SIPTestPeer.start()
        let siteB = try await SIPTestPeer.start()
        let phone = Phone.onOwnThread(
            configuration: fastConfiguration([try connection(to: siteA), try connection(to: siteB)]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        let readyA = try await log.wait(connection: 0, status: .ready)
        let readyB = try await log.wait(connection: 1, status: .ready)
        #expect(readyA.reason.statusCode == 200 && readyB.reason.statusCode == 200)
        #expect(readyA.previousStatus == .registering)
        #expect(phone.status == .active)
        #expect(phone.connectionManager.connections.map(\.status) == [.ready, .ready])
        let register = try #require(siteA.requests(.register).first?.message)
        #expect(try register.contacts.first?.instance?.hasPrefix("<urn:uuid:") == true)
        #expect(try register.expires == 60)
        await phone.shutdown()
        // Graceful shutdown un-REGISTERs every connection.
        #expect(try siteA.requests(.register).last?.message.expires == 0)
        #expect(try siteB.requests(.register).last?.message.expires == 0)
        try await siteA.stop()
        try await siteB.stop()
    }

    @Test func aSilentSiteFailsWithinTheTransactionTimeoutWhileTheOtherStaysReady() async throws {
        let siteA = try await SIPTestPeer.start()
        let siteB = try await SIPTestPeer.start()
        siteA.on(.register, .silent)
        let phone = Phone.onOwnThread(
            configuration: fastConfiguration([try connection(to: siteA), try connection(to: siteB)]))
        let log = EventLog(phone.connectionManager.statusChanges)
        let start = ContinuousClock.now
        try await phone.start()
        try await log.wait(connection: 1, status: .ready)
        let failed = try await log.wait(connection: 0, status: .failed, timeout: .seconds(12))
        // The 600 ms transaction timeout ends it, not the 60 s expiry; the margin is for a loaded machine.
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(failed.reason.kind == .localTimeout)
        #expect(failed.nextRetry != nil)
        #expect(phone.connectionManager.connection(1)?.status == .ready)
        #expect(phone.status == .active)
        await phone.shutdown()
        try await siteA.stop()
        try await siteB.stop()
    }

    @Test func digestChallengeIsAnswered() async throws {
        let site = try await SIPTestPeer.start()
        site.on(
            .register,
            .challenge(
                SIPPeerDigestChallenge(
                    kind: .server, realm: "site-a", nonce: "n0nce", username: "7001", password: "secret"),
                thenRespond: 200))
        let phone = Phone.onOwnThread(configuration: fastConfiguration([try connection(to: site, password: "secret")]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        let registers = site.requests(.register)
        #expect(registers.count >= 2)
        let auth = try #require(try registers[1].message.authorization.first)
        #expect(auth.username == "7001" && auth.realm == "site-a" && auth.nonce == "n0nce")
        #expect(auth.response?.count == 32, "an MD5 digest response")
        await phone.shutdown()
        try await site.stop()
    }

    @Test func non2xxFinalResponseFailsWithItsCode() async throws {
        let site = try await SIPTestPeer.start()
        site.on(.register, .respond(statusCode: 503))
        let phone = Phone.onOwnThread(configuration: fastConfiguration([try connection(to: site)]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        let failed = try await log.wait(connection: 0, status: .failed, timeout: .seconds(10))
        #expect(failed.reason.kind == .sipResponse && failed.reason.statusCode == 503)
        #expect(phone.status == .inactive)
        await phone.shutdown()
        try await site.stop()
    }

    @Test func disableUnregistersEnableRegistersRemoveForgets() async throws {
        let siteA = try await SIPTestPeer.start()
        let siteB = try await SIPTestPeer.start()
        let phone = Phone.onOwnThread(configuration: fastConfiguration([try connection(to: siteA)]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)

        try await phone.connectionManager.disableConnection(0)
        #expect(phone.connectionManager.connection(0)?.status == .disabled)
        #expect(try siteA.requests(.register).last?.message.expires == 0)
        #expect(phone.status == .inactive)

        let before = siteA.requests(.register).count
        let seen = log.events.count
        try await phone.connectionManager.enableConnection(0)
        try await log.wait(connection: 0, status: .ready, after: seen)
        #expect(siteA.requests(.register).count > before)

        let added = try await phone.connectionManager.addConnection(try connection(to: siteB, user: "7002"))
        #expect(added == 1)
        try await log.wait(connection: 1, status: .ready)

        try await phone.connectionManager.removeConnection(0)
        #expect(phone.connectionManager.connection(0) == nil)
        #expect(phone.connectionManager.connections.map(\.id) == [1])
        #expect(phone.status == .active)
        await #expect(throws: SipEndpointError(.unknownConnection, "")) {
            try await phone.connectionManager.enableConnection(0)
        }
        await phone.shutdown()
        try await siteA.stop()
        try await siteB.stop()
    }

    @Test func probesDetectADeadSiteAndItsReturn() async throws {
        let site = try await SIPTestPeer.start()
        // A long back-off: only the probe can bring the connection back quickly.
        let phone = Phone.onOwnThread(
            configuration: fastConfiguration([try connection(to: site, optionsInterval: 1, regInterval: 120)]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)

        try await site.goDown()
        let failed = try await log.wait(connection: 0, status: .failed, timeout: .seconds(12))
        #expect([.probeFailed, .localTimeout, .transportError].contains(failed.reason.kind))

        let cameBack = ContinuousClock.now
        let seen = log.events.count
        try await site.comeBack()
        try await log.wait(after: seen, timeout: .seconds(12)) { $0.connectionId == 0 && $0.status == .ready }
        #expect(ContinuousClock.now - cameBack < .seconds(10), "by the 1 s probe, not the 120 s back-off")
        await phone.shutdown()
        try await site.stop()
    }
}
