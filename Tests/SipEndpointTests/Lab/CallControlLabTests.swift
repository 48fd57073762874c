import Foundation
import SIPTestSupport
import Testing

@testable import SipEndpoint

/// Call control's real-site tests: dials and inbound calls through the two Kamailio sites of the lab, with
/// SIPp behind them. Connection 0 = 7001 on site A (127.0.0.2), connection 1 = 7001 on site B
/// (127.0.0.3), both UDP; the test numbers live on 127.0.0.4 behind both sites (Tests/Lab/README.md).
///
/// The timings, and why:
/// - `sip_transaction_timeout` = 1000 ms: an INVITE nobody answers at all moves on after 1 s.
/// - `options_interval` = 30 s: no probe runs during a test, so a frozen site's connection is still
///   `ready` when the dial starts and the dial has to find out by itself (the case under test).
/// - Kamailio's `fr_timer` = 5 s: a downstream that stays silent after the site's 100 Trying is ended
///   by the site with its own 408. A 100 stops our no-response timer (RFC 3261 §17.1.1.2: the
///   transaction is proceeding), so that 408 — not our timeout — is what moves the dial.
/// - `margin` = 1 s: scheduling slack on a loaded two-core machine.
///
/// Every initial INVITE is challenged by the site with 407; a call reaching any UAS at all means the
/// SDK answered it with the connection's credentials (the site relays nothing before that).
@Suite(
    "Call control against real Kamailio sites and SIPp",
    .serialized,
    .enabled(if: labIsRunnable, "Kamailio lab not installed: run Scripts/install-deps"),
    .kamailioLab,
    .timeLimit(.minutes(3))
)
struct CallControlLabTests {
    static let transactionTimeoutMilliseconds = 1000
    static let siteFinalResponseTimer = Duration.seconds(5)
    static let margin = Duration.seconds(1)

    private var lab: KamailioLab {
        get throws { try #require(KamailioLabTrait.current, "the lab trait did not start the lab") }
    }

    // MARK: Dials through site A

    @Test("9000 through site A: connected on connection 0 (the site's 407 answered), then hung up")
    func dialAnswered() async throws {
        try await withPhone { phone, _ in
            let session = try await phone.callControl.dial(
                connectionId: 0, destination: SIPpUAS.TestNumber.answer.number)
            let log = SessionLog(session.statusChanges)
            let connected = try await log.wait(for: .connected, timeout: .seconds(5))
            #expect(connected.connectionId == 0 && connected.reason.statusCode == 200, "\(connected.reason)")
            #expect(log.statuses.map(\.status).contains(.alerting), "SIPp's 180 Ringing came through the site")
            #expect(log.failovers.isEmpty)
            try await session.hangUp()
            let end = try await log.wait(for: .disconnected, timeout: .seconds(3))
            #expect(end.reason.kind == .localHangUp, "\(end.reason)")
        }
    }

    @Test("9486 through site A: disconnected with sipError 486, never retried on site B")
    func dialBusy() async throws {
        try await withPhone { phone, _ in
            let session = try await phone.callControl.dial(
                connectionId: 0, destination: SIPpUAS.TestNumber.busyHere.number)
            let log = SessionLog(session.statusChanges)
            let end = try await log.wait(for: .disconnected, timeout: .seconds(5))
            #expect(end.reason.kind == .sipError && end.reason.statusCode == 486, "\(end.reason)")
            #expect(end.connectionId == 0)
            #expect(log.failovers.isEmpty, "486 is not a retry code")
        }
    }

    /// 408 is a retry code: the dial moves to site B. The test numbers sit behind both sites, so site
    /// B's UAS answers 408 too, no connection is left (each is tried once per dial), and the session
    /// ends with that last code (when every attempt fails, the last cause gives the code).
    @Test("9408 through site A: failed over to connection 1, where the same 408 ends the dial")
    func dialRequestTimeout() async throws {
        try await withPhone { phone, _ in
            let session = try await phone.callControl.dial(
                connectionId: 0, destination: SIPpUAS.TestNumber.requestTimeout.number)
            let log = SessionLog(session.statusChanges)
            let end = try await log.wait(for: .disconnected, timeout: .seconds(5))
            let failover = try #require(
                log.failovers.first, "no failover: \(log.statuses.map { "\($0.status) \($0.reason)" })")
            #expect(log.failovers.count == 1, "each connection at most once")
            #expect(failover.fromConnectionId == 0 && failover.toConnectionId == 1)
            #expect(failover.cause == "408 Request Timeout", "the UAS's 408 relayed by site A: \(failover.cause)")
            #expect(end.connectionId == 1)
            #expect(end.reason.kind == .sipError && end.reason.statusCode == 408, "\(end.reason)")
            print(
                "lab-measure dial=9408 failover-cause=\"\(failover.cause)\" end=\"\(end.reason)\" on=\(end.connectionId)"
            )
        }
    }

    /// The UAS behind 9503 answers 503, but a proxy never relays a 503: RFC 3261 §16.7 step 6, "if the
    /// selected response is 503 (Service Unavailable), the proxy MUST generate a 500 (Server Internal
    /// Error)" — a 503 speaks for the hop that sends it, and the site itself is fine. Kamailio keeps the
    /// phrase ("500 Service Unavailable"). 500 is not a retry code, so the dial ends on connection 0
    /// with no failover: what the rule asks (a downstream's trouble is not the site's). A 503 from a
    /// site itself does move the dial; the in-process tests cover that.
    @Test(
        "9503 through site A: the site turns the UAS's 503 into 500 (RFC 3261 §16.7), which ends the dial on connection 0"
    )
    func dialServiceUnavailableBehindTheSite() async throws {
        try await withPhone { phone, _ in
            let session = try await phone.callControl.dial(
                connectionId: 0, destination: SIPpUAS.TestNumber.serviceUnavailable.number)
            let log = SessionLog(session.statusChanges)
            let end = try await log.wait(for: .disconnected, timeout: .seconds(5))
            #expect(log.failovers.isEmpty, "\(log.failovers.map(\.cause))")
            #expect(end.connectionId == 0)
            #expect(end.reason.kind == .sipError && end.reason.statusCode == 500, "\(end.reason)")
            print("lab-measure dial=9503 end=\"\(end.reason)\" on=\(end.connectionId) failovers=\(log.failovers.count)")
        }
    }

    /// The silent number: the site answers 100 Trying at once (so our 1 s no-response timer stops),
    /// and its own 408 after `fr_timer` (5 s). The 408 is a retry code: site B, same number, same
    /// 100 and 408 five seconds later, and the dial ends with 408 about 10 s after it started.
    @Test("9999 through site A: the site's 408 after 5 s fails over to site B, which ends the dial with 408")
    func dialSilent() async throws {
        try await withPhone { phone, _ in
            let dialled = Date()
            let session = try await phone.callControl.dial(
                connectionId: 0, destination: SIPpUAS.TestNumber.silent.number)
            let log = SessionLog(session.statusChanges)
            let end = try await log.wait(for: .disconnected, timeout: Self.siteFinalResponseTimer * 2 + Self.margin * 4)
            let failover = try #require(log.failovers.first)
            let failedOverAfter = failover.time.timeIntervalSince(dialled)
            let endedAfter = end.time.timeIntervalSince(dialled)
            #expect(failover.cause == "408 Request Timeout", "the site's 408, not our local timeout: \(failover.cause)")
            #expect(
                failedOverAfter >= Self.siteFinalResponseTimer.seconds - 0.2,
                "a 100 Trying must stop our 1 s timer: \(failedOverAfter) s")
            #expect(failedOverAfter <= (Self.siteFinalResponseTimer + Self.margin).seconds, "\(failedOverAfter) s")
            #expect(
                end.connectionId == 1 && end.reason.statusCode == 408 && end.reason.kind == .sipError, "\(end.reason)")
            #expect(endedAfter <= (Self.siteFinalResponseTimer * 2 + Self.margin * 2).seconds, "\(endedAfter) s")
            print(
                "lab-measure dial=9999 failed-over-after=\(Self.format(failedOverAfter))s ended-after=\(Self.format(endedAfter))s end=\"\(end.reason)\""
            )
        }
    }

    /// Site A frozen (SIGSTOP: its socket stays open and silent) just before the dial, while
    /// connection 0 still says ready: the INVITE gets nothing at all, and after
    /// `sip_transaction_timeout` the dial goes to site B, where 9000 answers.
    @Test("Site A frozen, connection 0 still ready: the dial connects through site B after the timeout")
    func dialWhileSiteAIsFrozen() async throws {
        let lab = try lab
        try await withPhone { phone, _ in
            try await lab.sites.a.freeze()
            #expect(phone.connectionManager.connection(0)?.status == .ready)
            let dialled = Date()
            let session = try await phone.callControl.dial(
                connectionId: 0, destination: SIPpUAS.TestNumber.answer.number)
            let log = SessionLog(session.statusChanges)
            let timeout = Duration.milliseconds(Self.transactionTimeoutMilliseconds)
            let connected = try await log.wait(for: .connected, timeout: timeout + Self.margin * 3)
            let failover = try #require(log.failovers.first)
            let failedOverAfter = failover.time.timeIntervalSince(dialled)
            let connectedAfter = connected.time.timeIntervalSince(dialled)
            #expect(failover.fromConnectionId == 0 && failover.toConnectionId == 1)
            #expect(failover.cause.hasPrefix("408 "), "cause \(failover.cause)")
            #expect(failedOverAfter >= timeout.seconds - 0.05, "not before the timeout: \(failedOverAfter) s")
            #expect(failedOverAfter <= (timeout + Self.margin).seconds, "\(failedOverAfter) s")
            #expect(connected.connectionId == 1)
            #expect(connectedAfter <= (timeout + Self.margin).seconds, "\(connectedAfter) s")
            try await session.hangUp()
            try await log.wait(for: .disconnected, timeout: .seconds(3))
            print(
                "lab-measure frozen-site-a failed-over-after=\(Self.format(failedOverAfter))s connected-after=\(Self.format(connectedAfter))s cause=\"\(failover.cause)\""
            )
        }
    }

    /// An abandoned attempt is closed by its late answer, not left to Timer B. Site A is frozen for
    /// the dial and thawed 1.6 s later, past the 1 s `invite_timeout` but within Timer B (4 s here):
    /// the dial has connected through site B, and site A, woken, answers the INVITE queued in its
    /// socket with its 407 challenge. The abandoned INVITE's transaction is still listening: it ACKs
    /// the 407 (RFC 3261 §17.1.1.3) and the abandoned session closes at once without answering the
    /// challenge (an abandoned attempt never starts a new INVITE); the call stays on site B.
    @Test(
        "Site A thawed after the dial gave up on it: its late answer closes the abandoned leg; the call stays on site B"
    )
    func lateAnswerFromAThawedSiteClosesTheAbandonedLeg() async throws {
        let lab = try lab
        var configuration = Self.configuration
        configuration.endpoint.sipTransactionTimeoutMilliseconds = 4000
        configuration.failover.inviteTimeoutMilliseconds = 1000
        try await withPhone(configuration: configuration) { phone, _ in
            try await lab.sites.a.freeze()
            let dialled = ContinuousClock.now
            let session = try await phone.callControl.dial(
                connectionId: 0, destination: SIPpUAS.TestNumber.answer.number)
            let log = SessionLog(session.statusChanges)
            let connected = try await log.wait(for: .connected, timeout: .seconds(1) + Self.margin * 3)
            #expect(connected.connectionId == 1)
            let core = phone.core
            let legs = { try await core.eventLoop.submit { core.calls.engine.count }.get() }
            #expect(try await legs() == 2, "the abandoned leg still listens for site A's answer")
            try await Task.sleep(until: dialled + .milliseconds(1600))
            try await lab.sites.a.thaw()
            let thawed = ContinuousClock.now
            let closeDeadline = thawed + .seconds(2)
            while try await legs() != 1, ContinuousClock.now < closeDeadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            let closedAfter = ContinuousClock.now - dialled
            #expect(try await legs() == 1, "site A's late answer closed the abandoned leg")
            #expect(closedAfter < .milliseconds(4000), "closed by the answer, not by Timer B at 4 s: \(closedAfter)")
            #expect(log.statuses.filter { $0.status == .connected }.count == 1)
            #expect(log.statuses.last?.status == .connected && log.statuses.last?.connectionId == 1)
            try await session.hangUp()
            try await log.wait(for: .disconnected, timeout: .seconds(3))
            print(
                "lab-measure thawed-site-a abandoned-leg-closed-after-thaw=\(ContinuousClock.now - thawed) closed-after-dial=\(closedAfter)"
            )
        }
    }

    // MARK: Inbound calls

    /// SIPp calls 7001 as 7002 through one site: the site challenges SIPp, then relays the INVITE to the
    /// flow our REGISTER came from; the session rings on that site's connection, is answered, held
    /// (re-INVITE a=sendonly, SIPp answers recvonly), retrieved (a=sendrecv) and hung up (BYE), and
    /// SIPp's scenario (Tests/Lab/sipp/uac-call-held.xml) checks the order from its side.
    @Test(
        "An inbound call through each site rings on its connection, is answered, held, retrieved and hung up",
        arguments: [0, 1])
    func inboundCall(connectionId: Int) async throws {
        let lab = try lab
        let site: KamailioSiteDescriptor = connectionId == 0 ? .a : .b
        try await withPhone { phone, _ in
            let incoming = phone.callControl.incomingCalls
            let caller = Task {
                try await SIPpUAC.run(
                    .callHeldByAgent, site: site, user: "7002", password: "pass7002", service: "7001",
                    timeout: .seconds(15), configuration: lab.configuration)
            }
            defer { caller.cancel() }
            let session = try #require(
                await Self.first(incoming, within: .seconds(5)), "no incoming call through \(site.name)")
            #expect(session.connectionId == connectionId, "the call came through \(site.name)")
            #expect(session.status == .alerting)
            let log = SessionLog(session.statusChanges)
            try await session.answer()
            try await log.wait(for: .connected, timeout: .seconds(3))
            try await session.hold()
            try await log.wait(for: .held, timeout: .seconds(3))
            try await session.retrieve()
            try await waitUntil(timeout: .seconds(3)) { log.statuses.last?.status == .connected }
            #expect(
                log.statuses.map(\.status) == [.alerting, .connected, .held, .connected],
                "\(log.statuses.map { "\($0.status) \($0.reason)" })")
            try await session.hangUp()
            let end = try await log.wait(for: .disconnected, timeout: .seconds(3))
            #expect(end.reason.kind == .localHangUp && end.connectionId == connectionId)
            let outcome = try await caller.value
            #expect(outcome.succeeded, "SIPp exit \(outcome.exitStatus); messages:\n\(outcome.messages)")
        }
    }

    // MARK: Setup

    static func connection(host: String) -> ConnectionConfiguration {
        // domain: nil, so the AOR's domain (and Kamailio's realm) is the site address.
        ConnectionConfiguration(
            user: "7001", server: ServerAddress(host: host, port: 5060), transport: .udp, password: "pass7001",
            reregisterInSeconds: 300, regInterval: 30, regRetryMax: 60, optionsInterval: 30)
    }

    static var configuration: SipEndpointConfiguration {
        SipEndpointConfiguration(
            connections: [
                connection(host: KamailioSiteDescriptor.a.host), connection(host: KamailioSiteDescriptor.b.host),
            ],
            endpoint: EndpointPolicy(
                sipTransactionTimeoutMilliseconds: transactionTimeoutMilliseconds, localAddress: "127.0.0.1"),
            failover: FailoverPolicy(inviteTimeoutMilliseconds: transactionTimeoutMilliseconds))
    }

    /// A phone registered on both sites for `body`; shut down afterwards, and site A left running
    /// and thawed for the next test whatever `body` did to it.
    private func withPhone(
        configuration: SipEndpointConfiguration = Self.configuration, _ body: (Phone, EventLog) async throws -> Void
    ) async throws {
        let lab = try lab
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        do {
            try await log.wait(connection: 0, status: .ready, timeout: .seconds(5))
            try await log.wait(connection: 1, status: .ready, timeout: .seconds(5))
            try await body(phone, log)
        } catch {
            try? await lab.sites.a.thaw()
            await phone.shutdown()
            throw error
        }
        try? await lab.sites.a.thaw()
        await phone.shutdown()
    }

    private static func first(_ stream: AsyncStream<Session>, within timeout: Duration) async -> Session? {
        await withTaskGroup(of: Session?.self) { group in
            group.addTask {
                var iterator = stream.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    static func format(_ seconds: TimeInterval) -> String { String(format: "%.2f", seconds) }
}
