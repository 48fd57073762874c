import Foundation
import SIPTestSupport
import Testing

@testable import SipEndpoint

/// Calls that outlive their site, one customer call delivered by both sites, and session timers,
/// against the real Kamailio sites and SIPp. Connection 0 = 7001 on site A, 1 = 7001 on site B, UDP.
///
/// The timings, and why:
/// - `options_interval` = 1 s, `sip_transaction_timeout` = 1000 ms: a frozen site's connection fails
///   within `options_interval + sip_transaction_timeout + margin` = 3 s (ConnectionManagerLabTests'
///   detection bound), which is the bound on the signalling-lost event.
/// - `rtp_inactivity_timeout` = 3 s in the frozen-site test: media that stops ends the call within
///   3 + 2 s. Off in the others: their SIPp peers send no RTP.
/// - The session-timer peer (9002) answers with Session-Expires 6 s, so the phone refreshes every 3 s.
@Suite(
    "Calls that outlive their site, duplicate deliveries and session timers against real Kamailio sites",
    .serialized,
    .enabled(if: labIsRunnable, "Kamailio lab not installed: run Scripts/install-deps"),
    .kamailioSites,
    .timeLimit(.minutes(3))
)
struct SiteLossLabTests {
    static let optionsInterval = 1
    static let transactionTimeoutMilliseconds = 1000
    static let margin = Duration.seconds(1)
    static var detectionBound: Duration {
        .seconds(optionsInterval) + .milliseconds(transactionTimeoutMilliseconds) + margin
    }
    static let inactivity = Duration.seconds(3)

    /// Only the sites: each test starts the one SIPp UAS it needs (a whole lab's six cost start-up
    /// time while every lab suite of the run waits for the lab lock).
    private var sites: KamailioSites {
        get throws { try #require(KamailioSitesTrait.current, "the lab trait did not start the sites") }
    }

    static func connection(host: String, optionsInterval: Int) -> ConnectionConfiguration {
        ConnectionConfiguration(
            user: "7001", server: ServerAddress(host: host, port: 5060), transport: .udp, password: "pass7001",
            reregisterInSeconds: 300, regInterval: 30, regRetryMax: 60, optionsInterval: optionsInterval)
    }

    /// `inactivity`: off unless the test is about media (the SIPp peers other than 9001's echo send
    /// no RTP, and would be cut after it).
    static func configuration(
        optionsInterval: Int = 30, autoAnswer: Bool = false, duplicateHeader: String? = nil, inactivity: Duration? = nil
    ) -> SipEndpointConfiguration {
        SipEndpointConfiguration(
            connections: [
                connection(host: KamailioSiteDescriptor.a.host, optionsInterval: optionsInterval),
                connection(host: KamailioSiteDescriptor.b.host, optionsInterval: optionsInterval),
            ],
            endpoint: EndpointPolicy(
                sipTransactionTimeoutMilliseconds: transactionTimeoutMilliseconds, localAddress: "127.0.0.1",
                rtpInactivityTimeout: inactivity),
            failover: FailoverPolicy(
                inviteTimeoutMilliseconds: transactionTimeoutMilliseconds, duplicateCallHeader: duplicateHeader),
            session: SessionPolicy(autoAnswer: autoAnswer))
    }

    private func withPhone(_ configuration: SipEndpointConfiguration, _ body: (Phone, EventLog) async throws -> Void)
        async throws
    {
        let sites = try sites
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        do {
            try await log.wait(connection: 0, status: .ready, timeout: .seconds(5))
            try await log.wait(connection: 1, status: .ready, timeout: .seconds(5))
            try await body(phone, log)
        } catch {
            try? await sites.a.thaw()
            await phone.shutdown()
            throw error
        }
        try? await sites.a.thaw()
        await phone.shutdown()
    }

    @Test("One customer call through both sites with the same X-Call-UUID rings once; the second copy gets 486")
    func duplicateDeliveryRingsOnce() async throws {
        try await withPhone(Self.configuration(autoAnswer: true, duplicateHeader: "X-Call-UUID")) { phone, _ in
            let sessions = SessionLog(phone.callControl.events)
            let uuid = "cust-\(UInt32.random(in: 1...UInt32.max))"
            let first = Task {
                try await SIPpUAC.run(
                    .callCorrelated, site: .a, user: "7003", password: "pass7003", service: "7001", localPort: 5090,
                    timeout: .seconds(10), keys: ["calluuid": uuid])
            }
            // The copy through site B arrives while the first is up (it stays 3 s).
            try await Self.waitUntil(timeout: .seconds(5)) { sessions.statuses.contains { $0.status == .connected } }
            let second = try await SIPpUAC.run(
                .callCorrelatedBusy, site: .b, user: "7003", password: "pass7003", service: "7001", localPort: 5091,
                timeout: .seconds(10), keys: ["calluuid": uuid])
            let firstOutcome = try await first.value
            #expect(
                firstOutcome.succeeded, "first copy: SIPp exit \(firstOutcome.exitStatus)\n\(firstOutcome.messages)")
            #expect(second.succeeded, "second copy must get 486: SIPp exit \(second.exitStatus)\n\(second.messages)")
            let ringing = Set(sessions.statuses.filter { $0.status == .alerting }.map(\.sessionId))
            #expect(
                ringing.count == 1,
                "rang \(ringing.count) times: \(sessions.statuses.map { "\($0.connectionId) \($0.status)" })")
            #expect(
                sessions.statuses.first { $0.status == .alerting }?.connectionId == 0, "the copy through site A rang")
            let core = phone.callControl.core.first
            let remembered = try await core.eventLoop.submit { core.calls.duplicates.count }.get()
            #expect(remembered == 0, "the table is freed when the call ends")
            print("lab-measure duplicate-delivery rang=\(ringing.count) second-copy=486")
        }
    }

    @Test(
        "Site A frozen under a connected call: signalling lost within the detection time, up while RTP flows, 408 once media stops"
    )
    func connectedCallOutlivesItsSite() async throws {
        let sites = try sites
        let echo = try await SIPpUAS.start(.answerEchoingRTP)
        do {
            try await withPhone(Self.configuration(optionsInterval: Self.optionsInterval, inactivity: Self.inactivity))
            { phone, log in
                let session = try await phone.callControl.dial(
                    connectionId: 0, destination: SIPpUAS.TestNumber.answerEchoingRTP.number)
                let events = SessionLog(session.statusChanges)
                try await events.wait(for: .connected, timeout: .seconds(5))
                try await session.play(.tone(frequency: 1000))
                try await Task.sleep(for: .milliseconds(500))
                let before = try #require(try await session.statistics())
                #expect(before.packetsReceived > 0, "the echo flows")

                let mark = log.events.count
                let frozen = ContinuousClock.now
                try await sites.a.freeze()
                let lost = try await Self.waitFor(timeout: Self.detectionBound + .seconds(3)) {
                    events.events.lazy.compactMap { if case .signalingLost(let e) = $0 { e } else { nil } }.first
                }
                let detection = ContinuousClock.now - frozen
                #expect(
                    detection <= Self.detectionBound, "signalling lost after \(detection), bound \(Self.detectionBound)"
                )
                #expect(lost.connectionId == 0 && lost.sessionId == session.id)
                #expect(log.events.dropFirst(mark).contains { $0.connectionId == 0 && $0.status == .failed })

                // Media flows: the call stays up well past the inactivity timeout.
                try await Task.sleep(for: Self.inactivity + .seconds(1))
                #expect(phone.callControl.sessions.first { $0.id == session.id }?.status == .connected)
                #expect(!events.statuses.contains { $0.status == .disconnected })

                // The media path dies too (the far end is gone): 408 within the timeout + 2 s.
                let mediaStopped = ContinuousClock.now
                await echo.stop()
                let end = try await events.wait(for: .disconnected, timeout: Self.inactivity + .seconds(4))
                let ended = ContinuousClock.now - mediaStopped
                #expect(ended <= Self.inactivity + .seconds(2), "ended \(ended) after media stopped")
                #expect(end.reason.kind == .sipError && end.reason.statusCode == 408, "\(end.reason)")
                print(
                    "lab-measure site-frozen signalling-lost-after=\(detection) ended-after-media-stopped=\(ended) reason=\"\(end.reason)\""
                )
            }
        } catch {
            await echo.stop()
            throw error
        }
        await echo.stop()
    }

    @Test(
        "Session timers against a peer that takes them up (9002): negotiated at 6 s and refreshed by UPDATE every 3 s")
    func sessionTimersNegotiatedAndRefreshed() async throws {
        let peer = try await SIPpUAS.start(.sessionTimers)
        do {
            try await withPhone(Self.configuration()) { phone, _ in
                let session = try await phone.callControl.dial(
                    connectionId: 0, destination: SIPpUAS.TestNumber.sessionTimers.number)
                let events = SessionLog(session.statusChanges)
                try await events.wait(for: .connected, timeout: .seconds(5))
                let snapshot = { phone.callControl.sessions.first { $0.id == session.id } }
                #expect(snapshot()?.sessionInterval == .seconds(6))
                let started = ContinuousClock.now
                // Two refreshes (at 3 s and 6 s), then hang up before the third, as the scenario expects.
                try await Self.waitUntil(timeout: .seconds(8)) { (snapshot()?.sessionRefreshes ?? 0) >= 2 }
                let twoRefreshes = ContinuousClock.now - started
                #expect(snapshot()?.status == .connected)
                try await session.hangUp()
                let end = try await events.wait(for: .disconnected, timeout: .seconds(3))
                #expect(end.reason.kind == .localHangUp, "\(end.reason)")
                print("lab-measure session-timers interval=6s two-refreshes-after=\(twoRefreshes)")
            }
        } catch {
            await peer.stop()
            throw error
        }
        // The scenario ran to its end only if it saw two UPDATEs then the BYE.
        try await Task.sleep(for: .milliseconds(300))
        await peer.stop()
    }

    @Test("The stock UAS (9000) answers without Session-Expires: no timer, no refresh, the call stays")
    func stockPeerWithoutTimers() async throws {
        let stock = try await SIPpUAS.start(.answer)
        do {
            try await withPhone(Self.configuration()) { phone, _ in
                let session = try await phone.callControl.dial(
                    connectionId: 0, destination: SIPpUAS.TestNumber.answer.number)
                let events = SessionLog(session.statusChanges)
                try await events.wait(for: .connected, timeout: .seconds(5))
                try await Task.sleep(for: .seconds(2))
                let snapshot = try #require(phone.callControl.sessions.first { $0.id == session.id })
                #expect(snapshot.sessionInterval == nil, "§7.2: no Session-Expires in the 2xx, no expiry")
                #expect(snapshot.sessionRefreshes == 0)
                #expect(snapshot.status == .connected)
                try await session.hangUp()
                try await events.wait(for: .disconnected, timeout: .seconds(3))
            }
        } catch {
            await stock.stop()
            throw error
        }
        await stock.stop()
    }

    static func waitUntil(timeout: Duration, _ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        _ = try await waitFor(timeout: timeout, { condition() ? true : nil }, sourceLocation: sourceLocation)
    }

    static func waitFor<T>(timeout: Duration, _ value: () -> T?, sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> T
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let v = value() { return v }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("condition not met within \(timeout)", sourceLocation: sourceLocation)
        throw CancellationError()
    }
}
