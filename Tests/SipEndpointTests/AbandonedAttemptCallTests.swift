import Foundation
import NIOCore
import SIPCore
import SIPTestSupport
import Testing

@testable import SipEndpoint

/// A dial gives up on a site that does not answer within `invite_timeout` and connects on the
/// other; when the slow site answers later (within Timer B), that answer is ACKed and ended with
/// BYE: exactly one answered leg per dial (RFC 3261 §9.1, §13.2.2.4, §17.1.1).
@Suite("Abandoned dial attempts end to end")
struct AbandonedAttemptCallTests {
    /// Both timings: a transaction timeout longer than the give-up (the 200 reaches the abandoned
    /// INVITE's still-listening transaction) and one as short as it, as with the defaults (4 s each:
    /// the 200 comes after Timer B, matching no transaction, and the abandoned leg takes it).
    @Test(
        "site A answers 200 after the give-up: the call stays on site B, site A's late 200 gets ACK and BYE",
        arguments: [3000, 400])
    func lateAnswerOnTheAbandonedSiteIsEnded(transactionTimeoutMs: Int) async throws {
        let siteA = try await SIPTestPeer.start()
        let addressA = try siteA.address(.udp)
        // No 1xx, the 200 1.2 s after the INVITE: past the 400 ms give-up (and within 64·T1).
        siteA.on(
            .invite,
            .respond(
                statusCode: 200,
                headers: [
                    SIPPeerHeader("Contact", "<sip:9000@\(addressA.ipAddress ?? "127.0.0.1"):\(addressA.port ?? 0)>")
                ], delay: .milliseconds(1200)))
        let siteB = try await InProcessSite.start(.init(name: "site-b", testNumbers: ["9000": .answer()]))
        let toB = ConnectionConfiguration(
            user: "7001", server: ServerAddress(host: "127.0.0.1", port: siteB.port), password: "pass7001",
            reregisterInSeconds: 60, optionsInterval: 0)
        var configuration = fastConfiguration([try connection(to: siteA), toB], timeoutMs: transactionTimeoutMs)
        configuration.failover.inviteTimeoutMilliseconds = 400
        // T1 = 500 ms: the give-up (400 ms) comes before any retransmission, so the peer (which
        // answers every copy of an INVITE, unlike a server transaction) sees exactly one INVITE.
        configuration.failover.adaptiveT1 = false
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        try await log.wait(connection: 1, status: .ready)

        let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        let calls = SessionLog(session.statusChanges)
        let connected = try await calls.wait(for: .connected)
        #expect(connected.connectionId == 1)
        #expect(calls.failovers.count == 1 && calls.failovers.first?.cause.contains("408") == true)
        let invite = try #require(siteA.requests(.invite).first)
        let callID = try invite.message.callID

        let closing = try await siteA.waitForRecords(count: 2, timeout: .seconds(4)) { record in
            (record.message.method == .ack || record.message.method == .bye) && (try? record.message.callID) == callID
        }
        let acks = closing.filter { $0.message.method == .ack }
        let byes = closing.filter { $0.message.method == .bye }
        #expect(acks.count == 1 && byes.count == 1, "\(closing.map { $0.message.method?.rawValue ?? "?" })")
        #expect(
            acks.first?.message.requestURI?.description == "sip:9000@\(addressA.ipAddress ?? ""):\(addressA.port ?? 0)")
        #expect(try acks.first?.message.to.tag != nil && acks.first?.message.to.tag == byes.first?.message.to.tag)
        #expect(siteA.requests(.invite).count == 1, "the abandoned INVITE is not retransmitted")

        // The abandoned leg is released once its BYE is answered; the call's own leg stays.
        let core = phone.core
        let deadline = ContinuousClock.now + .seconds(3)
        var sessions = -1
        repeat {
            sessions = try await core.eventLoop.submit { core.calls.engine.count }.get()
            if sessions == 1 { break }
            try await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now < deadline
        #expect(sessions == 1, "one answered leg per dial")
        #expect(calls.statuses.filter { $0.status == .connected }.count == 1)
        #expect(calls.statuses.last?.status == .connected && calls.statuses.last?.connectionId == 1)
        #expect(siteB.invites.count == 1)

        try await session.hangUp()
        try await calls.wait(for: .disconnected)
        let byeDeadline = ContinuousClock.now + .seconds(2)
        while siteB.byeCount == 0, ContinuousClock.now < byeDeadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(siteB.byeCount == 1, "the answered leg on site B is the one the hang-up ends")
        await phone.shutdown()
        try await siteA.stop()
        try await siteB.stop()
    }
}
