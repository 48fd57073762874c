import Foundation
import SIPTestSupport
import Testing

@testable import SipEndpoint

/// A site that dies under its calls, and one customer call delivered by both sites, with in-process
/// sites (fast; the real-site versions are SiteLossLabTests).
@Suite("Calls that outlive their site, with in-process sites")
struct SiteLossCallTests {
    static func twoSites(
        optionsInterval: Int, inactivity: Duration? = .seconds(2), duplicateHeader: String? = nil
    ) async throws -> (InProcessSite, InProcessSite, Phone, EventLog) {
        let a = try await InProcessSite.start(.init(name: "loss-a"))
        let b = try await InProcessSite.start(.init(name: "loss-b"))
        func connection(_ s: InProcessSite) -> ConnectionConfiguration {
            ConnectionConfiguration(
                user: "7001", server: ServerAddress(host: "127.0.0.1", port: s.port), password: "pass7001",
                reregisterInSeconds: 60, regInterval: 120, regRetryMax: 300, optionsInterval: optionsInterval)
        }
        var configuration = fastConfiguration([connection(a), connection(b)], timeoutMs: 500)
        configuration.endpoint.rtpInactivityTimeout = inactivity
        configuration.failover.duplicateCallHeader = duplicateHeader
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        try await log.wait(connection: 1, status: .ready)
        return (a, b, phone, log)
    }

    @Test func aConnectedCallWhoseSiteDiesIsToldAtOnceThenEndsWith408WhenItsMediaStops() async throws {
        let (a, b, phone, log) = try await Self.twoSites(optionsInterval: 1)
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        let events = SessionLog(session.statusChanges)
        let all = SessionLog(phone.callControl.events)
        try await events.wait(for: .connected)
        try await a.kill()  // its echo stops with it
        try await log.wait(connection: 0, status: .failed, timeout: .seconds(10))
        try await waitUntil { events.events.contains { if case .signalingLost = $0 { true } else { false } } }
        let lost = try #require(
            events.events.lazy.compactMap { if case .signalingLost(let e) = $0 { e } else { nil } }.first)
        #expect(lost.sessionId == session.id && lost.connectionId == 0 && lost.user == "7001")
        #expect(
            all.events.contains { if case .signalingLost = $0 { true } else { false } }, "on the phone-wide stream too")
        let end = try await events.wait(for: .disconnected, timeout: .seconds(6))
        #expect(end.reason.kind == .sipError && end.reason.statusCode == 408, "\(end.reason)")
        #expect(end.reason.text.contains("connection 0 failed"))
        await phone.shutdown()
        try await a.stop()
        try await b.stop()
    }

    @Test func aSecondCopyOfACustomerCallDoesNotRingAndGetsTheConfiguredResponse() async throws {
        let (a, b, phone, _) = try await Self.twoSites(optionsInterval: 0, duplicateHeader: "X-Call-UUID")
        let ringing = SessionLog(phone.callControl.events)
        let first = Task { try await a.call("7001", headers: [("X-Call-UUID", "cust-1")]) }
        try await waitUntil { ringing.statuses.contains { $0.status == .alerting } }
        let second = try await b.call("7001", headers: [("x-call-uuid", "cust-1")])
        #expect(second == 486)
        let third = Task { try await b.call("7001", headers: [("X-Call-UUID", "cust-2")]) }
        try await waitUntil { Set(ringing.statuses.filter { $0.status == .alerting }.map(\.sessionId)).count == 2 }
        let rang = ringing.statuses.filter { $0.status == .alerting }
        #expect(rang.map(\.connectionId) == [0, 1], "another customer's call rings: \(rang.map(\.connectionId))")
        for s in phone.callControl.sessions { try? await phone.callControl.session(s.id).reject() }
        _ = try await first.value
        _ = try await third.value
        try await waitUntil { phone.callControl.sessions.isEmpty }
        let core = phone.callControl.core.first
        #expect(try await core.eventLoop.submit { core.calls.duplicates.count }.get() == 0, "freed at the calls' end")
        await phone.shutdown()
        try await a.stop()
        try await b.stop()
    }

    @Test func aCopyArrivingWhileTheFirstsSiteIsDeadReplacesIt() async throws {
        let (a, b, phone, log) = try await Self.twoSites(optionsInterval: 1, duplicateHeader: "X-Call-UUID")
        let ringing = SessionLog(phone.callControl.events)
        let first = Task { try await a.call("7001", headers: [("X-Call-UUID", "cust-9")]) }
        try await waitUntil { ringing.statuses.contains { $0.status == .alerting } }
        let firstId = try #require(ringing.statuses.first { $0.status == .alerting }?.sessionId)
        try await a.kill()
        try await log.wait(connection: 0, status: .failed, timeout: .seconds(10))
        let second = Task { try await b.call("7001", headers: [("X-Call-UUID", "cust-9")]) }
        try await waitUntil { ringing.statuses.contains { $0.status == .alerting && $0.sessionId != firstId } }
        let firstEnd = try #require(ringing.statuses.first { $0.sessionId == firstId && $0.status == .disconnected })
        #expect(firstEnd.reason.text.contains("replaced"), "\(firstEnd.reason)")
        let live = phone.callControl.sessions
        #expect(live.count == 1 && live.first?.connectionId == 1, "one ringing line, on the healthy site")
        for s in live { try? await phone.callControl.session(s.id).reject() }
        // `first` is left alone: site A died under its INVITE, which the site never answers.
        _ = first
        _ = try await second.value
        await phone.shutdown()
        try await a.stop()
        try await b.stop()
    }
}
