import Foundation
import SIPTestSupport
import SipEndpoint
import Testing

/// Active/standby against the real Kamailio sites (`mode = active-standby`, `failback = auto`,
/// `failback_hold_down = 3`, probes every second): only site A holds 7001's binding and connection 1
/// is `standby`; with site A frozen, connection 1 is ready within 3 s, site B holds the binding and a
/// dial on connection 0 connects through B; once A answers again, connection 0 is ready no sooner
/// than 3 s and within 8 s, connection 1 is `standby` again and site B holds no binding.
///
/// Whether a site holds the binding is asked the way a caller finds out: SIPp (as 7003) calls 7001
/// through that site. With a binding the call reaches the phone, which answers (`auto_answer`); without
/// one the site answers 404 and the SIPp scenario fails.
@Suite(
    "Active/standby against real Kamailio sites",
    .serialized,
    .enabled(if: labIsRunnable, "Kamailio lab not installed: run Scripts/install-deps"),
    .kamailioLab,
    .timeLimit(.minutes(2))
)
struct ActiveStandbyLabTests {
    private var lab: KamailioLab {
        get throws { try #require(KamailioLabTrait.current, "the lab trait did not start the lab") }
    }

    static var configuration: SipEndpointConfiguration {
        let connections = [KamailioSiteDescriptor.a.host, KamailioSiteDescriptor.b.host].map { host in
            ConnectionConfiguration(
                user: "7001", server: ServerAddress(host: host, port: 5060), transport: .udp, password: "pass7001",
                reregisterInSeconds: 300, regInterval: 30, regRetryMax: 60, optionsInterval: 1)
        }
        var failover = FailoverPolicy(inviteTimeoutMilliseconds: 1000)
        failover.mode = .activeStandby
        failover.failback = .automatic
        failover.failbackHoldDownSeconds = 3
        return SipEndpointConfiguration(
            connections: connections,
            endpoint: EndpointPolicy(sipTransactionTimeoutMilliseconds: 1000, localAddress: "127.0.0.1"),
            failover: failover,
            session: SessionPolicy(autoAnswer: true, holdOthers: false))
    }

    /// Whether `site` routes a call for 7001 to the phone (it holds a binding) or answers 404.
    func holdsBinding(_ site: KamailioSiteDescriptor, lab: KamailioLab) async throws -> Bool {
        let outcome = try await SIPpUAC.run(
            .call, site: site, user: "7003", password: "pass7003", service: "7001", timeout: .seconds(8),
            configuration: lab.configuration)
        if !outcome.succeeded { #expect(outcome.messages.contains("404 Not Found"), "\(outcome.messages)") }
        return outcome.succeeded
    }

    @Test(
        "one binding at a time: the standby takes over when site A freezes, and gives the line back after the hold-down"
    )
    func standbyTakesOverAndFailsBack() async throws {
        let lab = try lab
        let phone = Phone.onOwnThread(configuration: Self.configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        do {
            try await log.wait(connection: 0, status: .ready, timeout: .seconds(5))
            try await log.wait(connection: 1, status: .standby, timeout: .seconds(5))
            #expect(try await holdsBinding(.a, lab: lab), "the primary's site holds the binding")
            #expect(try await !holdsBinding(.b, lab: lab), "the standby's site holds none")

            try await lab.sites.a.freeze()
            let frozen = Date()
            let mark = log.events.count
            let takeover = try await log.wait(connection: 1, status: .ready, after: mark, timeout: .seconds(6))
            let takeoverAfter = takeover.time.timeIntervalSince(frozen)
            #expect(takeoverAfter < 3, "connection 1 ready \(takeoverAfter) s after site A froze")
            #expect(try await holdsBinding(.b, lab: lab), "site B holds the binding now")
            let dial = try await phone.callControl.dial(connectionId: 0, destination: SIPpUAS.TestNumber.answer.number)
            let dialLog = SessionLog(dial.statusChanges)
            let connected = try await dialLog.wait(for: .connected, timeout: .seconds(5))
            #expect(connected.connectionId == 1, "the dial on connection 0 went out through site B")
            try await dial.hangUp()

            let back = log.events.count
            // Taken before the thaw: the site can answer nothing before it.
            let thawed = Date()
            try await lab.sites.a.thaw()
            let primary = try await log.wait(connection: 0, status: .ready, after: back, timeout: .seconds(10))
            let failbackAfter = primary.time.timeIntervalSince(thawed)
            #expect(
                failbackAfter >= 3 && failbackAfter <= 8, "connection 0 ready \(failbackAfter) s after site A thawed")
            try await log.wait(connection: 1, status: .standby, after: back, timeout: .seconds(5))
            #expect(try await !holdsBinding(.b, lab: lab), "site B holds no binding after the failback")
            print(
                "lab-measure active-standby takeover=\(String(format: "%.2f", takeoverAfter))s failback=\(String(format: "%.2f", failbackAfter))s"
            )
        } catch {
            try? await lab.sites.a.thaw()
            await phone.shutdown()
            throw error
        }
        try? await lab.sites.a.thaw()
        await phone.shutdown()
    }
}
