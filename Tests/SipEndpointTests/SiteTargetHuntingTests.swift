import Foundation
import SIPTestSupport
import SipEndpoint
import Testing

/// "Within a site first" (RFC 3263 §4.3): a connection whose server is a name resolves it
/// through DNS SRV, here a dnsmasq on loopback serving `_sip._udp.site-a.test` with two targets,
/// priority 10 → in-process peer P1 and priority 20 → peer P2, both A records 127.0.0.1. When the
/// best target is silent the connection registers with the next one before it reports anything,
/// and the status event names the target in use.
@Suite(
    "RFC 3263 target hunting within a site",
    .enabled(if: DNSMasq.shouldRun, Comment(rawValue: DNSMasq.skipReason)),
    .timeLimit(.minutes(1))
)
struct SiteTargetHuntingTests {
    static let transactionTimeoutMilliseconds = 600

    @Test func theSitesNextTargetIsRegisteredBeforeAnyFailureIsReported() async throws {
        try await withSite({ first, _ in first.on(.register, .silent) }) { phone, log, first, second in
            let secondPort = try #require(try second.address(.udp).port)
            let ready = try await log.wait(connection: 0, status: .ready, timeout: .seconds(15))
            #expect(ready.target == "127.0.0.1:\(secondPort)")
            #expect(ready.server == "site-a.test")
            #expect(!first.requests(.register).isEmpty, "the priority-10 target was tried first")
            #expect(!second.requests(.register).isEmpty)
            #expect(!log.events.contains { $0.status == .failed }, "\(log.events.map { "\($0.status) \($0.reason)" })")
            #expect(phone.connectionManager.connection(0)?.target == "127.0.0.1:\(secondPort)")
        }
    }

    @Test func whenEveryTargetIsSilentItFailsOnceAfterTryingThemAll() async throws {
        let started = ContinuousClock.now
        try await withSite({ first, second in
            first.on(.register, .silent)
            second.on(.register, .silent)
        }) { _, log, first, second in
            let failed = try await log.wait(connection: 0, status: .failed, timeout: .seconds(15))
            let elapsed = ContinuousClock.now - started
            #expect(failed.reason.kind == .localTimeout)
            // One transaction timeout per target, one after the other.
            #expect(elapsed >= .milliseconds(2 * Self.transactionTimeoutMilliseconds - 100), "failed after \(elapsed)")
            #expect(!first.requests(.register).isEmpty && !second.requests(.register).isEmpty)
            // reg_interval 30 s: nothing more happens soon; the failure is reported once.
            try await Task.sleep(for: .milliseconds(500))
            #expect(log.events.filter { $0.status == .failed }.count == 1)
        }
    }

    @Test("A dial starts at the target the registration uses, not at SRV target 0")
    func aDialStartsAtTheRegistrationsTarget() async throws {
        try await withSite({ first, second in
            first.on(.register, .silent)
            first.on(.invite, .respond(statusCode: 486))
            second.on(.invite, .respond(statusCode: 486))
        }) { phone, log, first, second in
            try await log.wait(connection: 0, status: .ready, timeout: .seconds(15))
            let started = ContinuousClock.now
            let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
            let calls = SessionLog(session.statusChanges)
            let ended = try await calls.wait(for: .disconnected)
            #expect(ended.reason.statusCode == 486)
            let took = ContinuousClock.now - started
            print("measure dead-srv-target dial-to-final=\(took)")
            // No dead air on target 0: no INVITE went there, so no transaction timeout was waited out.
            #expect(first.requests(.invite).isEmpty, "the silent SRV target 0 is skipped")
            #expect(second.requests(.invite).count == 1)
        }
    }

    @Test(
        "Probes reach every SRV target; an OPTIONS answered 503 with Retry-After marks its target down, and dials and the registration move on"
    )
    func serviceUnavailableMarksTheTargetDown() async throws {
        try await withSite(
            { first, second in
                first.on(.options, .respond(statusCode: 503, headers: [SIPPeerHeader("Retry-After", "120")]))
                first.on(.invite, .respond(statusCode: 486))
                second.on(.invite, .respond(statusCode: 486))
            }, optionsInterval: 1
        ) { phone, log, first, second in
            let secondPort = try #require(try second.address(.udp).port)
            let ready = try await log.wait(connection: 0, status: .ready, timeout: .seconds(15))
            let readyAt = ContinuousClock.now
            #expect(
                ready.target?.hasSuffix(":\(try first.address(.udp).port ?? 0)") == true, "registered at target 0 first"
            )
            // The first probe (one interval later) gets 503: the registration moves to target 1.
            let moved = try await log.wait(timeout: .seconds(15)) {
                $0.connectionId == 0 && $0.status == .ready && $0.target == "127.0.0.1:\(secondPort)"
            }
            #expect(moved.reason.statusCode == 200)
            print(
                "measure srv-target-503 registration-moved-after=\(ContinuousClock.now - readyAt) (one probe interval is 1 s)"
            )
            try await Task.sleep(for: .milliseconds(1500))
            #expect(!first.requests(.options).isEmpty && !second.requests(.options).isEmpty, "every target is probed")
            let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
            let calls = SessionLog(session.statusChanges)
            _ = try await calls.wait(for: .disconnected)
            #expect(first.requests(.invite).isEmpty, "the 503 target is down for its Retry-After")
            #expect(second.requests(.invite).count == 1)
        }
    }

    /// Two peers, dnsmasq serving the site's SRV records, and a phone whose one connection names
    /// `site-a.test` without a port; everything is stopped (dnsmasq by PID) whatever `body` does.
    private func withSite(
        _ script: (SIPTestPeer, SIPTestPeer) -> Void, optionsInterval: Int = 0,
        _ body: (Phone, EventLog, SIPTestPeer, SIPTestPeer) async throws -> Void
    ) async throws {
        let first = try await SIPTestPeer.start()
        let second = try await SIPTestPeer.start()
        script(first, second)
        var dnsmasq: DNSMasq?
        var phone: Phone?
        do {
            let firstPort = try #require(try first.address(.udp).port)
            let secondPort = try #require(try second.address(.udp).port)
            let dns = try await DNSMasq.start(
                domain: "site-a.test", localTTL: 60,
                records: [
                    "--host-record=p1.site-a.test,127.0.0.1",
                    "--host-record=p2.site-a.test,127.0.0.1",
                    "--srv-host=_sip._udp.site-a.test,p1.site-a.test,\(firstPort),10,0",
                    "--srv-host=_sip._udp.site-a.test,p2.site-a.test,\(secondPort),20,0",
                ])
            dnsmasq = dns
            let connection = ConnectionConfiguration(
                user: "7001", server: ServerAddress(host: "site-a.test"), transport: .udp,
                reregisterInSeconds: 60, regInterval: 30, regRetryMax: 60, optionsInterval: optionsInterval)
            let configured = Phone.onOwnThread(
                configuration: SipEndpointConfiguration(
                    connections: [connection],
                    endpoint: EndpointPolicy(
                        sipTransactionTimeoutMilliseconds: Self.transactionTimeoutMilliseconds,
                        localAddress: "127.0.0.1", dnsServers: [ServerAddress(host: "127.0.0.1", port: Int(dns.port))]))
            )
            phone = configured
            let log = EventLog(configured.connectionManager.statusChanges)
            try await configured.start()
            try await body(configured, log, first, second)
        } catch {
            await phone?.shutdown()
            await dnsmasq?.stop()
            try? await first.stop()
            try? await second.stop()
            throw error
        }
        await phone?.shutdown()
        await dnsmasq?.stop()
        try await first.stop()
        try await second.stop()
    }
}
