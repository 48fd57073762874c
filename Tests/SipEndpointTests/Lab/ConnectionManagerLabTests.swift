import Foundation
import SIPTestSupport
import SipEndpoint
import Testing

/// Real-server tests: the ConnectionManager against the two Kamailio sites of the lab
/// (site A 127.0.0.2, site B 127.0.0.3), connection 0 = 7001 on A, connection 1 = 7001 on B.
///
/// The timings, and why (every bound below is derived from them):
/// - `options_interval` = 1 s: a dead site is probed at most 1 s after it dies, and a returning
///   one at most 1 s after it answers again.
/// - `sip_transaction_timeout` = 1000 ms: a probe nobody answers is a failure 1 s after it left.
/// - `reg_interval` = 30 s (`reg_retry_max` 60 s): the first retry after a failure is 30–60 s away
///   (RFC 5626 §4.5: a random 50–100 % of min(60, 30·2¹)), outside every bound,
///   so a connection that is ready again in time was brought back by a probe (a site that answers
///   again is used as soon as it is reachable, not when the back-off runs out).
/// - `keepalive_interval` = 30 s (TLS): the CRLF keep-alive can only detect a frozen site earlier
///   than the probe, never later, so the probe's bound holds either way.
/// - `margin` = 1 s: scheduling slack on a loaded two-core machine.
///
/// Detection: failed within `options_interval + sip_transaction_timeout + margin` = 3 s of the kill
/// or freeze. Recovery: ready within `options_interval + margin` = 2 s of the site answering again
/// (after a restart Kamailio has no registrations left, so "ready" means the SDK REGISTERed anew).
/// The kill/freeze comes right after both connections are ready, so the first probe to the dead site
/// leaves a full interval later: the detection measured is the worst case. Recovery's worst case is
/// `options_interval + sip_transaction_timeout`, not one interval: the probe timer skips a beat
/// while an earlier probe is still waiting for its timeout, so a site that returns just after a
/// probe went to it dead waits for the next-but-one; at these values the margin covers that.
@Suite(
    "ConnectionManager against real Kamailio sites",
    .serialized,
    .enabled(if: labIsRunnable, "Kamailio lab not installed: run Scripts/install-deps"),
    .kamailioSites,
    .timeLimit(.minutes(3))
)
struct ConnectionManagerLabTests {
    static let optionsInterval = 1
    static let transactionTimeoutMilliseconds = 1000
    static let margin = Duration.seconds(1)
    static var detectionBound: Duration {
        .seconds(optionsInterval) + .milliseconds(transactionTimeoutMilliseconds) + margin
    }
    static var recoveryBound: Duration { .seconds(optionsInterval) + margin }

    enum Outage: String, CaseIterable, Sendable {
        /// SIGKILL, then a fresh start: sockets close (TCP/TLS peers see the flow end), state is gone.
        case killAndRestart
        /// SIGSTOP, then SIGCONT: sockets stay open and silent, state survives.
        case freezeAndThaw
    }

    private var sites: KamailioSites {
        get throws { try #require(KamailioSitesTrait.current, "the lab trait did not start the sites") }
    }

    @Test(
        "Site A goes down: connection 0 fails in time, connection 1 stays ready; site A returns: ready again",
        arguments: [SIPTransportKind.udp, .tls], Outage.allCases)
    func siteOutage(transport: SIPTransportKind, outage: Outage) async throws {
        let sites = try sites
        let phone = Phone.onOwnThread(configuration: Self.configuration(transport, sites: sites))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        do {
            try await outageScenario(phone: phone, log: log, sites: sites, transport: transport, outage: outage)
        } catch {
            await Self.restore(sites.a)
            await phone.shutdown()
            throw error
        }
        await Self.restore(sites.a)
        await phone.shutdown()
    }

    private func outageScenario(
        phone: Phone, log: EventLog, sites: KamailioSites, transport: SIPTransportKind, outage: Outage
    ) async throws {
        let port = transport.defaultPort
        let ready0 = try await log.wait(connection: 0, status: .ready, timeout: .seconds(5))
        let ready1 = try await log.wait(connection: 1, status: .ready, timeout: .seconds(5))
        #expect(ready0.target == "127.0.0.2:\(port)" && ready1.target == "127.0.0.3:\(port)")
        #expect(ready0.reason.statusCode == 200, "Kamailio's 401 was answered")

        let mark = log.events.count
        let wentDown = Date()
        switch outage {
        case .killAndRestart: await sites.a.kill()
        case .freezeAndThaw: try await sites.a.freeze()
        }
        let failed = try await log.wait(
            connection: 0, status: .failed, after: mark, timeout: Self.detectionBound + .seconds(3))
        let detection = failed.time.timeIntervalSince(wentDown)
        #expect(
            detection <= Self.detectionBound.seconds,
            "\(transport) \(outage): failed after \(detection) s, bound \(Self.detectionBound) (\(failed.reason))")

        switch outage {
        case .killAndRestart: try await sites.a.start()  // returns once the site answers OPTIONS
        case .freezeAndThaw: try await sites.a.thaw()
        }
        let cameBack = Date()
        let ready = try await log.wait(
            connection: 0, status: .ready, after: mark, timeout: Self.recoveryBound + .seconds(3))
        let recovery = ready.time.timeIntervalSince(cameBack)
        #expect(
            recovery <= Self.recoveryBound.seconds,
            "\(transport) \(outage): ready after \(recovery) s, bound \(Self.recoveryBound)")
        #expect(ready.reason.statusCode == 200)

        let otherEvents = log.events.dropFirst(mark).filter { $0.connectionId == 1 }
        #expect(otherEvents.isEmpty, "connection 1 must not change: \(otherEvents.map { "\($0.status) \($0.reason)" })")
        #expect(phone.connectionManager.connection(1)?.status == .ready)
        print(
            "lab-measure transport=\(transport.rawValue) outage=\(outage.rawValue) "
                + "failed-after=\(Self.format(detection))s reason=\"\(failed.reason)\" "
                + "ready-after=\(Self.format(recovery))s")
    }

    @Test("A wrong password is reported once as credentials rejected, with no retry loop")
    func wrongPassword() async throws {
        let sites = try sites
        let siteLog = sites.a.logFile
        let logStart = (try? Data(contentsOf: siteLog).count) ?? 0
        var connection = Self.connection(user: "7005", host: "127.0.0.2", transport: .udp)
        connection.password = "not-pass7005"
        let phone = Phone.onOwnThread(configuration: Self.configuration([connection], sites: sites))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        do {
            let failed = try await log.wait(connection: 0, status: .failed, timeout: .seconds(5))
            #expect(failed.reason.kind == .credentialsRejected && failed.reason.statusCode == 401, "\(failed.reason)")
            // reg_interval 30: the retry is a random 50–100 % of 60 s (RFC 5626 §4.5, one failure).
            let retryIn = failed.nextRetry.map { $0.timeIntervalSince(failed.time) } ?? 0
            #expect(retryIn >= 29, "next retry in \(retryIn) s")
            // Three probe intervals: the site answers every probe, and that must not cut the back-off
            // short after a rejection (the site is reachable and said no).
            try await Task.sleep(for: .seconds(3))
            #expect(log.events.map(\.status) == [.registering, .failed])
            let text = String(decoding: (try Data(contentsOf: siteLog)).dropFirst(logStart), as: UTF8.self)
            let registers = text.components(separatedBy: "lab: REGISTER user=7005 ").count - 1
            #expect(registers == 2, "one REGISTER, one answer to the challenge, then silence; saw \(registers)")
            print(
                "lab-measure wrong-password registers=\(registers) reason=\"\(failed.reason)\" next-retry-in=\(Self.format(retryIn))s"
            )
        } catch {
            await phone.shutdown()
            throw error
        }
        await phone.shutdown()
    }

    @Test(
        "reg_interval 0 with a wrong password: at most 6 REGISTERs reach Kamailio in 10 s (the default base, not a loop)"
    )
    func zeroIntervalWrongPassword() async throws {
        let sites = try sites
        let siteLog = sites.a.logFile
        let logStart = (try? Data(contentsOf: siteLog).count) ?? 0
        var connection = Self.connection(user: "7006", host: "127.0.0.2", transport: .udp)
        connection.password = "not-pass7006"
        connection.regInterval = 0
        connection.regRetryMax = 0
        let phone = Phone.onOwnThread(configuration: Self.configuration([connection], sites: sites))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        do {
            let failed = try await log.wait(connection: 0, status: .failed, timeout: .seconds(5))
            #expect(failed.reason.kind == .credentialsRejected, "\(failed.reason)")
            try await Task.sleep(for: .seconds(10))
            let text = String(decoding: (try Data(contentsOf: siteLog)).dropFirst(logStart), as: UTF8.self)
            let registers = text.components(separatedBy: "lab: REGISTER user=7006 ").count - 1
            #expect(registers >= 2 && registers <= 6, "saw \(registers) REGISTERs in 10 s")
            print("lab-measure zero-interval wrong-password registers-in-10s=\(registers)")
        } catch {
            await phone.shutdown()
            throw error
        }
        await phone.shutdown()
    }

    // MARK: Setup

    static func connection(user: String, host: String, transport: SIPTransportKind) -> ConnectionConfiguration {
        // domain: nil, so the AOR's domain (and Kamailio's realm, the To domain) is the site address.
        ConnectionConfiguration(
            user: user, server: ServerAddress(host: host, port: transport.defaultPort), transport: transport,
            password: "pass\(user)", reregisterInSeconds: 300, regInterval: 30, regRetryMax: 60,
            optionsInterval: optionsInterval, optionsFailureThreshold: 1, keepaliveInterval: 30)
    }

    static func configuration(_ transport: SIPTransportKind, sites: KamailioSites) -> SipEndpointConfiguration {
        configuration(
            [
                connection(user: "7001", host: "127.0.0.2", transport: transport),
                connection(user: "7001", host: "127.0.0.3", transport: transport),
            ],
            sites: sites)
    }

    static func configuration(_ connections: [ConnectionConfiguration], sites: KamailioSites)
        -> SipEndpointConfiguration
    {
        SipEndpointConfiguration(
            connections: connections,
            endpoint: EndpointPolicy(
                sipTransactionTimeoutMilliseconds: transactionTimeoutMilliseconds, localAddress: "127.0.0.1"),
            security: SecurityConfiguration(tlsCAFile: sites.certificates.caCertificate.path))
    }

    /// Leaves site A running and thawed for the next test, whatever this one did to it.
    static func restore(_ site: KamailioSite) async {
        try? await site.thaw()
        if await !site.isRunning { try? await site.start() }
    }

    static func format(_ seconds: TimeInterval) -> String { String(format: "%.2f", seconds) }
}

extension Duration {
    var seconds: TimeInterval {
        let (s, attoseconds) = components
        return TimeInterval(s) + TimeInterval(attoseconds) / 1e18
    }
}
