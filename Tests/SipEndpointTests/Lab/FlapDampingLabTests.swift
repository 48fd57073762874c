import Foundation
import SIPTestSupport
import SipEndpoint
import Testing

/// Flap damping against the real Kamailio sites: site A (connection 0) swings — silent 2.5 s
/// (SIGSTOP), answering 2 s (SIGCONT) — four times, with probes every second and the damping
/// settings left at their defaults (auto: half-life 10 × `options_interval` = 10 s, at most
/// 30 × = 30 s).
///
/// Expected, from the rule (FlapDampingTests.fourSwings computes it): the first swing's recovery is
/// `ready` at once; from the second the penalty is above 1.5, so each recovery is `recovering`
/// (REGISTERed: the site answered the REGISTER with 200) and the next swing fails it before its
/// hold-down ends; after the fourth the hold-down (≈ 14 s from its failure) runs out and the
/// connection is `ready` ≈ 13 s after A became steady. Connection 0 returns to `ready` at most twice
/// and is ready within 20 s of A being steady; connection 1 (site B) never changes.
///
/// The same swings with damping off (`flap_window` 0) are the baseline: connection 0 follows them
/// swing by swing, `ready` after each (at least three of the four), which is what damping prevents.
@Suite(
    "Flap damping against real Kamailio sites",
    .serialized,
    .enabled(if: labIsRunnable, "Kamailio lab not installed: run Scripts/install-deps"),
    .kamailioSites,
    .timeLimit(.minutes(2))
)
struct FlapDampingLabTests {
    private var sites: KamailioSites {
        get throws { try #require(KamailioSitesTrait.current, "the lab trait did not start the sites") }
    }

    @Test(
        "Four swings of site A: damped, connection 0 is ready at most twice, and ready within 20 s of A being steady",
        arguments: [true, false])
    func fourSwings(damping: Bool) async throws {
        let sites = try sites
        var configuration = ConnectionManagerLabTests.configuration(.udp, sites: sites)
        if !damping { configuration.failover.flapWindowSeconds = 0 }
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        do {
            try await scenario(phone: phone, log: log, sites: sites, damping: damping)
        } catch {
            await ConnectionManagerLabTests.restore(sites.a)
            await phone.shutdown()
            throw error
        }
        await ConnectionManagerLabTests.restore(sites.a)
        await phone.shutdown()
    }

    private func scenario(phone: Phone, log: EventLog, sites: KamailioSites, damping: Bool) async throws {
        try await log.wait(connection: 0, status: .ready, timeout: .seconds(5))
        try await log.wait(connection: 1, status: .ready, timeout: .seconds(5))
        let mark = log.events.count
        var steadyAt = Date()
        for _ in 0..<4 {
            try await sites.a.freeze()
            try await Task.sleep(for: .milliseconds(2500))
            try await sites.a.thaw()
            steadyAt = Date()
            try await Task.sleep(for: .seconds(2))
        }
        // A is steady since the last thaw.
        let ready = try await log.wait(after: mark, timeout: .seconds(25)) { e in
            e.connectionId == 0 && e.status == .ready && e.time >= steadyAt
        }
        let settled = ready.time.timeIntervalSince(steadyAt)
        let zero = log.events.dropFirst(mark).filter { $0.connectionId == 0 }
        let readies = zero.filter { $0.status == .ready }
        let failures = zero.filter { $0.status == .failed }
        let recoverings = zero.filter { $0.status == .recovering }
        let swings = zero.map { "\($0.status.rawValue)" }.joined(separator: " ")
        guard damping else {
            #expect(readies.count >= 3 && recoverings.isEmpty, "undamped, the connection follows each swing: \(swings)")
            print(
                "lab-measure flap damping=off swings=4 failed=\(failures.count) ready=\(readies.count) "
                    + "ready-after-steady=\(ConnectionManagerLabTests.format(settled))s events=\"\(swings)\"")
            return
        }
        #expect(readies.count <= 2, "connection 0 was ready \(readies.count) times: \(swings)")
        #expect(settled <= 20, "ready \(settled) s after A became steady: \(swings)")
        #expect(failures.count >= 3, "each swing's silence is detected: \(swings)")
        #expect(!recoverings.isEmpty, "damping held a recovery down: \(swings)")
        #expect(
            recoverings.allSatisfy { $0.reason.statusCode == 200 && $0.heldDownUntil != nil },
            "recovering = REGISTERed again at once, with the hold-down's end")
        #expect(ready.reason.kind == .holdDownEnded || readies.count == 1, "\(ready.reason)")
        let otherEvents = log.events.dropFirst(mark).filter { $0.connectionId == 1 }
        #expect(otherEvents.isEmpty, "connection 1 must not change: \(otherEvents.map(\.status))")
        #expect(phone.status == .active)
        print(
            "lab-measure flap damping=on swings=4 failed=\(failures.count) recovering=\(recoverings.count) ready=\(readies.count) "
                + "ready-after-steady=\(ConnectionManagerLabTests.format(settled))s events=\"\(swings)\"")
    }
}
