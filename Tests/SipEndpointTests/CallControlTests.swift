import Foundation
import SIPCore
import SIPTestSupport
import SipEndpoint
import Synchronization
import Testing

/// Collects a session's events.
final class SessionLog: Sendable {
    private final class Box: Sendable {
        let events = Mutex<[SessionEvent]>([])
    }

    private let box = Box()
    private let task: Task<Void, Never>

    init(_ stream: AsyncStream<SessionEvent>) {
        let box = self.box
        task = Task { for await e in stream { box.events.withLock { $0.append(e) } } }
    }

    deinit { task.cancel() }

    var events: [SessionEvent] { box.events.withLock { $0 } }
    var statuses: [SessionStatusChanged] {
        events.compactMap { if case .statusChanged(let s) = $0 { s } else { nil } }
    }
    var failovers: [SessionFailedOver] {
        events.compactMap { if case .failedOver(let f) = $0 { f } else { nil } }
    }

    @discardableResult
    func wait(
        for status: SessionStatus, timeout: Duration = .seconds(8), sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> SessionStatusChanged {
        let deadline = ContinuousClock.now + timeout
        while true {  // a look after the last sleep too (EventLog.wait says why)
            if let s = statuses.first(where: { $0.status == status }) { return s }
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record(
            "no \(status) within \(timeout); saw \(statuses.map { "\($0.status)(\($0.reason))" })",
            sourceLocation: sourceLocation)
        throw CancellationError()
    }
}

/// The dial rules with site fallback end to end: a phone registered on two in-process sites.
@Suite("Call control with in-process sites")
struct CallControlTests {
    struct TwoSites: Sendable {
        let a: InProcessSite
        let b: InProcessSite
        let phone: Phone
        let log: EventLog

        static func start(
            a: [String: InProcessSite.TestNumber] = ["9000": .answer()],
            b: [String: InProcessSite.TestNumber] = ["9000": .answer()],
            optionsInterval: Int = 0, inviteTimeoutMs: Int = 600
        ) async throws -> TwoSites {
            let siteA = try await InProcessSite.start(.init(name: "site-a", testNumbers: a))
            let siteB = try await InProcessSite.start(.init(name: "site-b", testNumbers: b))
            func connection(_ s: InProcessSite) -> ConnectionConfiguration {
                ConnectionConfiguration(
                    user: "7001", server: ServerAddress(host: "127.0.0.1", port: s.port), password: "pass7001",
                    reregisterInSeconds: 60, regInterval: 120, regRetryMax: 300, optionsInterval: optionsInterval)
            }
            let phone = Phone.onOwnThread(
                configuration: fastConfiguration([connection(siteA), connection(siteB)], timeoutMs: inviteTimeoutMs))
            let log = EventLog(phone.connectionManager.statusChanges)
            try await phone.start()
            try await log.wait(connection: 0, status: .ready)
            try await log.wait(connection: 1, status: .ready)
            return TwoSites(a: siteA, b: siteB, phone: phone, log: log)
        }

        func stop() async throws {
            await phone.shutdown()
            try await a.stop()
            try await b.stop()
        }
    }

    @Test func dialAnsweredThenHungUp() async throws {
        let sites = try await TwoSites.start()
        let session = try await sites.phone.callControl.dial(connectionId: 0, destination: "9000")
        let log = SessionLog(session.statusChanges)
        let connected = try await log.wait(for: .connected)
        #expect(connected.connectionId == 0)
        #expect(log.statuses.map(\.status).contains(.alerting))
        #expect(sites.a.invites.count == 1 && sites.b.invites.isEmpty)
        let invite = try #require(sites.a.invites.first)
        #expect(invite.requestURI?.user == "9000")
        #expect(invite.bodyText.contains("m=audio") && invite.bodyText.contains("PCMU/8000"))
        try await session.hangUp()
        let end = try await log.wait(for: .disconnected)
        #expect(end.reason.kind == .localHangUp)
        try await sites.stop()
    }

    @Test(arguments: [503, 408, 504])
    func retryCodesFailOverToTheOtherSite(code: Int) async throws {
        let sites = try await TwoSites.start(a: ["9000": .reject(code)])
        let session = try await sites.phone.callControl.dial(connectionId: 0, destination: "9000")
        let log = SessionLog(session.statusChanges)
        let connected = try await log.wait(for: .connected)
        #expect(connected.connectionId == 1)
        #expect(log.failovers.first?.fromConnectionId == 0 && log.failovers.first?.toConnectionId == 1)
        #expect(log.failovers.first?.cause.hasPrefix("\(code)") == true)
        #expect(sites.b.invites.count == 1)
        try await session.hangUp()
        try await sites.stop()
    }

    @Test(arguments: [486, 404, 603])
    func otherFinalResponsesEndTheCallWithoutRetry(code: Int) async throws {
        let sites = try await TwoSites.start(a: ["9000": .reject(code)])
        let session = try await sites.phone.callControl.dial(connectionId: 0, destination: "9000")
        let log = SessionLog(session.statusChanges)
        let end = try await log.wait(for: .disconnected)
        #expect(end.reason.kind == .sipError && end.reason.statusCode == code)
        #expect(log.failovers.isEmpty)
        #expect(sites.b.invites.isEmpty, "never retried on another site")
        try await sites.stop()
    }

    /// A call dialled on connection 0 just after its site died (its status still says ready): the
    /// INVITE gets no response at all, and after sip_transaction_timeout it goes out on connection 1.
    @Test func aDeadSiteTimesOutAndTheCallGoesOutOnTheOther() async throws {
        let sites = try await TwoSites.start()
        try await sites.a.kill()
        #expect(sites.phone.connectionManager.connection(0)?.status == .ready)
        let start = ContinuousClock.now
        let session = try await sites.phone.callControl.dial(connectionId: 0, destination: "9000")
        let log = SessionLog(session.statusChanges)
        let connected = try await log.wait(for: .connected)
        #expect(connected.connectionId == 1)
        #expect(log.failovers.first?.cause.contains("408") == true)
        // sip_transaction_timeout is 600 ms in these tests: the failover is that timeout, not Timer B's 32 s
        // (the margin is for a loaded machine).
        #expect(ContinuousClock.now - start < .seconds(10))
        try await session.hangUp()
        try await sites.stop()
    }

    @Test func aConnectionThatIsNotReadyIsSkippedAtOnce() async throws {
        let sites = try await TwoSites.start(optionsInterval: 1)
        try await sites.a.kill()
        try await sites.log.wait(connection: 0, status: .failed, timeout: .seconds(10))
        let session = try await sites.phone.callControl.dial(connectionId: 0, destination: "9000")
        let log = SessionLog(session.statusChanges)
        let connected = try await log.wait(for: .connected)
        #expect(connected.connectionId == 1)
        // No timeout paid for a known-dead site: the failover's cause is the status, not a 408.
        #expect(log.failovers.count == 1 && log.failovers.first?.cause == "connection not ready")
        try await session.hangUp()
        try await sites.stop()
    }

    /// `invite_timeout` is the dial's no-response timer, separate from `sip_transaction_timeout`.
    @Test func theInviteTimeoutIsTheDialsNoResponseTimer() async throws {
        let siteA = try await InProcessSite.start(.init(name: "site-a"))
        let siteB = try await InProcessSite.start(.init(name: "site-b"))
        func connection(_ s: InProcessSite) -> ConnectionConfiguration {
            ConnectionConfiguration(
                user: "7001", server: ServerAddress(host: "127.0.0.1", port: s.port), password: "pass7001",
                reregisterInSeconds: 60, optionsInterval: 0)
        }
        var configuration = fastConfiguration([connection(siteA), connection(siteB)], timeoutMs: 20_000)
        configuration.failover.inviteTimeoutMilliseconds = 300
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        try await log.wait(connection: 1, status: .ready)
        try await siteA.kill()
        let start = ContinuousClock.now
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        let calls = SessionLog(session.statusChanges)
        try await calls.wait(for: .connected)
        #expect(
            ContinuousClock.now - start < .seconds(10), "300 ms INVITE timer, not the 20 s transaction timeout")
        #expect(calls.failovers.count == 1)
        try await session.hangUp()
        await phone.shutdown()
        try await siteA.stop()
        try await siteB.stop()
    }

    @Test func everyAttemptFailingEndsWithTheLastCode() async throws {
        let sites = try await TwoSites.start(a: ["9000": .reject(503)])
        try await sites.b.kill()
        let session = try await sites.phone.callControl.dial(connectionId: 0, destination: "9000")
        let log = SessionLog(session.statusChanges)
        let end = try await log.wait(for: .disconnected)
        #expect(
            end.reason.kind == .sipError && end.reason.statusCode == 408 && end.reason.reasonPhrase == "Request Timeout"
        )
        #expect(sites.a.invites.count == 1, "each connection at most once")
        #expect(log.failovers.count == 1)
        try await sites.stop()
    }

    @Test func aCalleeThatRingsForeverIsNotAFailure() async throws {
        let sites = try await TwoSites.start(a: ["9000": .silent])
        let session = try await sites.phone.callControl.dial(connectionId: 0, destination: "9000")
        let log = SessionLog(session.statusChanges)
        try await Task.sleep(for: .milliseconds(1500))
        #expect(log.failovers.isEmpty, "the site answered 100 Trying: the call is proceeding, not lost")
        #expect(session.status == .inProgress)
        try await session.hangUp()
        try await log.wait(for: .disconnected)
        try await sites.stop()
    }

    @Test func hangingUpDuringTheAttemptsStopsThem() async throws {
        // A 3 s INVITE timer: the hang-up surely comes while the first attempt is out, even on a loaded
        // machine; what is checked is that nothing starts after it.
        let sites = try await TwoSites.start(inviteTimeoutMs: 3000)
        try await sites.a.kill()
        let session = try await sites.phone.callControl.dial(connectionId: 0, destination: "9000")
        let log = SessionLog(session.statusChanges)
        try await Task.sleep(for: .milliseconds(100))
        // No response from the dead site: the CANCEL waits for a 1xx (§9.1), so the hang-up has
        // nothing to wait for; before, it waited for the INVITE's Timer B (32 s).
        let clock = ContinuousClock()
        let hungUpIn = try await clock.measure { try await session.hangUp() }
        #expect(hungUpIn < .seconds(10), "the hang-up returned after \(hungUpIn), not at once")
        let end = try await log.wait(for: .disconnected)
        #expect(end.reason.kind == .localHangUp)
        try await Task.sleep(for: .milliseconds(3500))
        #expect(
            sites.b.invites.isEmpty,
            "no attempt after the user's cancel, not even when the first one's timer has run out")
        try await sites.stop()
    }

    @Test func hangingUpARingingCallWhoseSiteDiedEndsWithTheCancelsGiveUp() async throws {
        // The site rang, then died: the CANCEL gets no answer, and neither will the INVITE's 487.
        // The hang-up is final when the CANCEL's transaction gives up (`sip_transaction_timeout`,
        // 3 s here), not at the §9.1 guard 64·T1 (32 s) after it.
        let sites = try await TwoSites.start(a: ["9000": .answer(ringing: .seconds(60))], inviteTimeoutMs: 3000)
        let session = try await sites.phone.callControl.dial(connectionId: 0, destination: "9000")
        let log = SessionLog(session.statusChanges)
        try await log.wait(for: .alerting)
        try await sites.a.kill()
        let hungUpIn = try await ContinuousClock().measure { try await session.hangUp() }
        #expect(hungUpIn < .seconds(10), "the hang-up returned after \(hungUpIn)")
        let end = try await log.wait(for: .disconnected)
        #expect(end.reason.kind == .localHangUp)
        try await sites.stop()
    }

    @Test func holdAndRetrieve() async throws {
        let sites = try await TwoSites.start()
        let session = try await sites.phone.callControl.dial(connectionId: 0, destination: "9000")
        let log = SessionLog(session.statusChanges)
        try await log.wait(for: .connected)
        // hold() and retrieve() return once their re-INVITE has its answer: the status is final then.
        try await session.hold()
        #expect(session.status == .held)
        try await log.wait(for: .held)
        let reinvite = try #require(sites.a.invites.last)
        #expect(reinvite.bodyText.contains("a=sendonly"))
        try await session.retrieve()
        #expect(session.status == .connected)
        #expect(sites.a.invites.last?.bodyText.contains("a=sendrecv") == true)
        try await session.hangUp()
        try await sites.stop()
    }

    @Test func anIncomingCallRingsOnItsConnectionAndIsAnswered() async throws {
        let sites = try await TwoSites.start()
        let incoming = sites.phone.callControl.incomingCalls
        async let code = sites.b.call("7001")
        var iterator = incoming.makeAsyncIterator()
        let session = try #require(await iterator.next())
        #expect(session.status == .alerting)
        #expect(session.connectionId == 1, "the call came through site B")
        let log = SessionLog(session.statusChanges)
        try await session.answer()
        #expect(try await code == 200)
        try await log.wait(for: .connected)
        try await session.hangUp()
        try await log.wait(for: .disconnected)
        try await sites.stop()
    }
}

extension CallControlTests {
    /// A site that dies while its INVITE to the phone rings ends that INVITE's wait: its caller gets
    /// 408 at once instead of waiting forever for a final response nobody will deliver.
    @Test(.timeLimit(.minutes(1))) func aSiteKilledWhileItsCallRingsEndsTheCallersWait() async throws {
        let sites = try await TwoSites.start()
        let incoming = sites.phone.callControl.incomingCalls
        async let code = sites.b.call("7001")
        var iterator = incoming.makeAsyncIterator()
        let session = try #require(await iterator.next())
        #expect(session.status == .alerting)
        let killed = ContinuousClock.now
        try await sites.b.kill()
        #expect(try await code == 408)
        #expect(ContinuousClock.now - killed < .seconds(10), "the wait ended with the site, not by Timer B (32 s)")
        try await sites.stop()
    }
}

/// Multi-line policy and calls that lose their site (they end with sipError 408).
@Suite("Multi-line and lost calls")
struct MultiLineTests {
    @Test func answeringASecondCallHoldsTheFirst() async throws {
        let sites = try await CallControlTests.TwoSites.start()
        let first = try await sites.phone.callControl.dial(connectionId: 0, destination: "9000")
        let firstLog = SessionLog(first.statusChanges)
        try await firstLog.wait(for: .connected)

        let incoming = sites.phone.callControl.incomingCalls
        async let code = sites.b.call("7001")
        var iterator = incoming.makeAsyncIterator()
        let second = try #require(await iterator.next())
        #expect(second.status == .alerting, "a second call rings while the first is connected")
        #expect(first.status == .connected)
        try await second.answer()
        #expect(try await code == 200)
        try await firstLog.wait(for: .held)
        #expect(sites.a.invites.last?.bodyText.contains("a=sendonly") == true, "hold_others sent a hold re-INVITE")
        try await second.hangUp()
        try await first.hangUp()
        try await sites.stop()
    }

    @Test func autoAnswerAnswersAtOnce() async throws {
        let siteA = try await InProcessSite.start(.init(name: "site-a"))
        var configuration = fastConfiguration([
            ConnectionConfiguration(
                user: "7001", server: ServerAddress(host: "127.0.0.1", port: siteA.port), password: "pass7001",
                optionsInterval: 0)
        ])
        configuration.session.autoAnswer = true
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        #expect(try await siteA.call("7001") == 200, "answered without the application doing anything")
        await phone.shutdown()
        try await siteA.stop()
    }

    @Test func aConnectedCallWhoseSiteDiesEndsWithSipError408() async throws {
        let sites = try await CallControlTests.TwoSites.start()
        let session = try await sites.phone.callControl.dial(connectionId: 0, destination: "9000")
        let log = SessionLog(session.statusChanges)
        try await log.wait(for: .connected)
        try await sites.a.kill()
        // The hold re-INVITE gets no answer: the call is lost with its site, and the hold fails with it.
        await #expect(throws: SipEndpointError(.requestFailed, "")) { try await session.hold() }
        let end = try await log.wait(for: .disconnected, timeout: .seconds(5))
        #expect(
            end.reason.kind == .sipError && end.reason.statusCode == 408 && end.reason.reasonPhrase == "Request Timeout"
        )
        try await sites.stop()
    }
}
