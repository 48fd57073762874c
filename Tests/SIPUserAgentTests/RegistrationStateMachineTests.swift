import NIOCore
import SIPCore
import Testing

@testable import SIPUserAgent

@Suite("RegistrationStateMachine (RFC 3261 §10, RFC 5626 §4.5)")
struct RegistrationStateMachineTests {
    /// Probes off unless a test is about them, so timer sequences stay short.
    static let noProbes = RegistrationPolicy(probeInterval: .seconds(0))

    @Test("start → registering, REGISTER without credentials; 401 → answered; 200 → ready, refresh at 90 %")
    func challengeThenSuccess() {
        var h = RegistrationHarness(policy: Self.noProbes)
        h.startMachine()
        #expect(h.statuses == [.registering])
        #expect(h.lastRegister?.expires == 3600)
        #expect(h.lastRegister?.challenges.isEmpty == true)

        h.challenge(nonce: "A")
        #expect(h.registers.count == 2)
        #expect(h.lastRegister?.challenges.map { $0.challenge.nonce } == ["A"])
        #expect(h.lastRegister?.challenges.first?.credentialsHeader == .authorization)
        #expect(h.statuses == [.registering], "a challenge is not a status change")

        h.respond(200, expires: 3600)
        #expect(h.statuses == [.registering, .ready])
        #expect(h.reasons.last == .response(statusCode: 200, reasonPhrase: "OK"))
        #expect(h.deadline(of: .refresh) == 3240)
        #expect(h.machine.consecutiveFailures == 0)
    }

    @Test("refresh re-sends the cached challenge up front; stale=true with a new nonce is answered, no failure")
    func staleNonce() {
        var h = RegistrationHarness(policy: Self.noProbes)
        h.startMachine()
        h.challenge(nonce: "A")
        h.respond(200, expires: 600)
        #expect(h.deadline(of: .refresh) == 540)
        h.fire(.refresh)
        #expect(h.lastRegister?.challenges.map { $0.challenge.nonce } == ["A"], "credentials up front (§22.1)")
        #expect(h.lastRegister?.expires == 3600, "asks for the configured lifetime again")
        h.challenge(nonce: "B", stale: true)
        #expect(h.lastRegister?.challenges.map { $0.challenge.nonce } == ["B"])
        h.respond(200, expires: 600)
        #expect(h.statuses == [.registering, .ready], "ready throughout the refresh")
        #expect(h.machine.consecutiveFailures == 0)
        #expect(h.deadline(of: .refresh) == 1080, "540 + 540")
    }

    @Test("an expired cached nonce answered without stale by a new nonce still gets one fresh answer")
    func cachedNonceNotStale() {
        var h = RegistrationHarness(policy: Self.noProbes)
        h.startMachine()
        h.challenge(nonce: "A")
        h.respond(200, expires: 600)
        h.fire(.refresh)
        h.challenge(nonce: "B")
        #expect(h.registers.count == 4)
        h.respond(200, expires: 600)
        #expect(h.status == .ready && h.statuses.count == 2)
    }

    @Test(
        "wrong password: second 401 (same nonce, or a new one as Kamailio sends) → failed once, then back-off, no loop",
        arguments: ["A", "A2"])
    func wrongPassword(secondNonce: String) {
        var h = RegistrationHarness(policy: Self.noProbes, jitter: .fixed(1.0))
        h.startMachine()
        h.challenge(nonce: "A")
        h.challenge(nonce: secondNonce)
        #expect(h.status == .failed)
        #expect(h.reasons.last == .credentialsRejected(statusCode: 401, reasonPhrase: "Unauthorized"))
        #expect(h.reasons.last?.description == "401 Unauthorized (credentials rejected)")
        #expect(h.registers.count == 2, "no tight loop")
        #expect(h.deadline(of: .retry) == 60, "reg_interval 30 · 2^1")
        #expect(h.changes.last?.change.nextRetryAt == h.start + .seconds(60))

        // Each retry fails the same way without another status event; the wait doubles.
        h.fire(.retry)
        #expect(h.registerTimes.last == 60)
        h.challenge(nonce: "C")
        h.challenge(nonce: "C")
        #expect(h.registers.count == 4)
        #expect(h.deadline(of: .retry) == 180, "60 + 120")
        #expect(h.statuses == [.registering, .failed], "failure reported once")
        #expect(h.machine.consecutiveFailures == 2)
    }

    @Test("a server that keeps saying stale=true is cut off after three rounds")
    func staleLoopBounded() {
        var h = RegistrationHarness(policy: Self.noProbes)
        h.startMachine()
        for i in 0..<10 { h.challenge(nonce: "N\(i)", stale: true) }
        #expect(h.registers.count == 1 + RegistrationStateMachine.maximumChallengeRounds)
        #expect(h.status == .failed)
    }

    @Test("407 → answered in Proxy-Authorization; a 401 for the registrar's realm is answered too, both kept")
    func proxyChallenge() {
        var h = RegistrationHarness(policy: Self.noProbes)
        h.startMachine()
        h.challenge(407, nonce: "P", realm: "proxy")
        #expect(h.lastRegister?.challenges.map(\.credentialsHeader) == [.proxyAuthorization])
        h.challenge(401, nonce: "R", realm: "registrar")
        #expect(h.lastRegister?.challenges.map(\.credentialsHeader) == [.proxyAuthorization, .authorization])
        h.respond(200, expires: 3600)
        #expect(h.status == .ready)
    }

    @Test("a 401 without a usable challenge is a failure with its code")
    func unusableChallenge() {
        var h = RegistrationHarness(policy: Self.noProbes)
        h.startMachine()
        var basic = SIPAuthentication(scheme: "Basic")
        basic.set("realm", "r", quoted: true)
        h.respond(
            RegisterResponse(statusCode: 401, challenges: [RegistrationChallenge(kind: .server, challenge: basic)]))
        #expect(h.status == .failed)
        #expect(h.reasons.last == .response(statusCode: 401, reasonPhrase: "Unauthorized"))
    }

    @Test("423 → REGISTER at once with Min-Expires, kept for refreshes; a useless Min-Expires fails")
    func intervalTooBrief() {
        var h = RegistrationHarness(policy: RegistrationPolicy(expires: .seconds(60), probeInterval: .seconds(0)))
        h.startMachine()
        #expect(h.lastRegister?.expires == 60)
        h.respond(423, minExpires: 300)
        #expect(h.registers.count == 2 && h.lastRegister?.expires == 300)
        #expect(h.status == .registering)
        h.respond(200, expires: 300)
        #expect(h.deadline(of: .refresh) == 270)
        h.fire(.refresh)
        #expect(h.lastRegister?.expires == 300)

        var bad = RegistrationHarness(policy: RegistrationPolicy(expires: .seconds(600), probeInterval: .seconds(0)))
        bad.startMachine()
        bad.respond(423, minExpires: 300)
        #expect(bad.status == .failed && bad.registers.count == 1)
        #expect(bad.reasons.last == .response(statusCode: 423, reasonPhrase: "Interval Too Brief"))
    }

    @Test("granted Expires shorter than asked is honoured")
    func shorterGrant() {
        var h = RegistrationHarness(policy: Self.noProbes)
        h.startMachine()
        h.respond(200, expires: 120)
        #expect(h.deadline(of: .refresh) == 108)
        #expect(h.machine.bindingExpiresAt == h.start + .seconds(120))
        h.fire(.refresh)
        #expect(h.lastRegister?.expires == 3600, "keeps asking for the configured lifetime")
        h.respond(200)
        #expect(h.deadline(of: .refresh) == 3348, "108 + 3240: no grant in the response, what we asked")
    }

    @Test("a 2xx granting 0 is a failure, not a refresh loop")
    func zeroGrant() {
        var h = RegistrationHarness(policy: Self.noProbes)
        h.startMachine()
        h.respond(200, expires: 0)
        #expect(h.status == .failed && h.reasons.last == .bindingNotGranted)
        #expect(h.pending[.refresh] == nil)
    }

    @Test(
        "refresh delay = max(g/2, min(0.9·g, g − 5 s))",
        arguments: [(3600, 3240.0), (600, 540.0), (60, 54.0), (30, 25.0), (10, 5.0), (6, 3.0), (4, 2.0), (1, 0.5)])
    func refreshRule(granted: Int, expected: Double) {
        let d = RegistrationPolicy().refreshDelay(granted: granted)
        #expect(Double(d.nanoseconds) / 1e9 == expected)
        #expect(Double(d.nanoseconds) / 1e9 < Double(granted), "always before the end")
    }

    @Test("back-off: min(1800, 30·2^n) × 1.0 and × 0.5; capped; reset by success", arguments: [1.0, 0.5])
    func backoffSequence(fraction: Double) {
        var h = RegistrationHarness(policy: Self.noProbes, jitter: .fixed(fraction))
        h.startMachine()
        var waits: [Double] = []
        for _ in 0..<8 {
            h.respond(503)
            let retryAt = h.deadline(of: .retry) ?? -1
            waits.append(retryAt - h.seconds)
            h.fire(.retry)
        }
        let ceilings: [Double] = [60, 120, 240, 480, 960, 1800, 1800, 1800]
        #expect(waits == ceilings.map { $0 * fraction })
        #expect(h.statuses == [.registering, .failed])
        h.respond(200, expires: 3600)
        #expect(h.status == .ready && h.machine.consecutiveFailures == 0)
        h.fire(.refresh)
        h.respond(503)
        #expect(h.deadline(of: .retry).map { $0 - h.seconds } == 60 * fraction, "back to the first step")
    }

    @Test("seeded jitter stays within 50–100 % of the ceiling")
    func seededJitter() {
        var j = BackoffJitter.seeded(42)
        let values = (0..<1000).map { _ in j.nextFraction() }
        #expect(values.allSatisfy { $0 >= 0.5 && $0 <= 1.0 })
        #expect(Set(values).count > 990)
    }

    @Test("Retry-After is honoured when longer than the back-off, ignored when shorter")
    func retryAfter() {
        var h = RegistrationHarness(policy: Self.noProbes, jitter: .fixed(1.0))
        h.startMachine()
        h.respond(503, retryAfter: 300)
        #expect(h.deadline(of: .retry) == 300)
        #expect(h.changes.last?.change.nextRetryAt == h.start + .seconds(300))
        h.fire(.retry)
        h.respond(503, retryAfter: 10)
        #expect(h.deadline(of: .retry) == 420, "300 + 120")
    }

    @Test("failure kinds: timeout, transport error, 408, 5xx, 6xx, flow lost, 403 → failed with the reason")
    func failureKinds() {
        let cases: [(inout RegistrationHarness) -> Void] = [
            { $0.failRegister(.timeout) },
            { $0.failRegister(.transportError("connection refused")) },
            { $0.respond(408) }, { $0.respond(500) }, { $0.respond(603) }, { $0.respond(403) },
            { $0.perform($0.machine.flowLost(now: $0.now)) },
        ]
        let expected: [RegistrationReason] = [
            .localTimeout, .transportError("connection refused"),
            .response(statusCode: 408, reasonPhrase: "Request Timeout"),
            .response(statusCode: 500, reasonPhrase: "Server Internal Error"),
            .response(statusCode: 603, reasonPhrase: "Decline"),
            .response(statusCode: 403, reasonPhrase: "Forbidden"), .flowLost,
        ]
        for (act, reason) in zip(cases, expected) {
            var h = RegistrationHarness(policy: Self.noProbes)
            h.startMachine()
            act(&h)
            #expect(h.statuses == [.registering, .failed])
            #expect(h.reasons.last == reason)
            #expect(h.deadline(of: .retry) == 60)
        }
    }

    @Test("refresh failing while ready → failed; flow lost while ready → failed")
    func failureWhileReady() {
        var h = RegistrationHarness(policy: Self.noProbes)
        h.startMachine()
        h.respond(200, expires: 3600)
        h.fire(.refresh)
        h.failRegister(.timeout)
        #expect(h.statuses == [.registering, .ready, .failed])
        #expect(h.pending[.refresh] == nil && h.pending[.retry] != nil)

        var f = RegistrationHarness(policy: Self.noProbes)
        f.startMachine()
        f.respond(200, expires: 3600)
        f.perform(f.machine.flowLost(now: f.now))
        #expect(f.statuses == [.registering, .ready, .failed] && f.reasons.last == .flowLost)
    }

    @Test("failed after a timeout: probes run; the first answered probe REGISTERs at once, not at the back-off")
    func probeDrivenRecovery() {
        var h = RegistrationHarness(policy: RegistrationPolicy(probeInterval: .seconds(10)))
        h.startMachine()
        h.failRegister(.timeout)
        #expect(h.status == .failed)
        #expect(h.deadline(of: .retry) == 60)
        #expect(h.deadline(of: .probe) == 10)

        h.fire(.probe)
        #expect(h.probes.map(\.at) == [10])
        h.failProbe()
        #expect(h.registers.count == 1, "site still down")
        h.fire(.probe)
        h.answerProbe(404)  // any response will do
        #expect(h.registers.count == 2)
        #expect(h.registerTimes.last == 20, "within one probe interval, not at 60 s")
        #expect(h.pending[.retry] == nil)
        h.respond(200, expires: 3600)
        #expect(h.statuses == [.registering, .failed, .ready])
        #expect(h.deadline(of: .probe) == 30, "probing goes on while ready")
    }

    @Test("failed by a SIP response: an answered probe does not cut the back-off short")
    func probeDoesNotBypassRejection() {
        var h = RegistrationHarness(policy: RegistrationPolicy(probeInterval: .seconds(10)))
        h.startMachine()
        h.respond(503)
        h.fire(.probe)
        h.answerProbe()
        #expect(h.registers.count == 1)
        #expect(h.deadline(of: .retry) == 60)
    }

    @Test("probe failures reaching options_failure_threshold while ready → failed; an answer resets the count")
    func probeThreshold() {
        var h = RegistrationHarness(policy: RegistrationPolicy(probeInterval: .seconds(10), probeFailureThreshold: 2))
        h.startMachine()
        h.respond(200, expires: 3600)
        h.fire(.probe)
        h.failProbe()
        h.fire(.probe)
        h.answerProbe()
        h.fire(.probe)
        h.failProbe()
        #expect(h.status == .ready, "one failure in a row is below the threshold")
        h.fire(.probe)
        h.failProbe(.transportError("no route"))
        #expect(h.statuses == [.registering, .ready, .failed])
        #expect(h.reasons.last == .probeFailed(.transportError("no route")))
        #expect(h.seconds == 40)
        #expect(h.pending[.refresh] == nil && h.deadline(of: .retry) == 100)
        // The site comes back: the next answered probe registers at once.
        h.fire(.probe)
        h.answerProbe()
        #expect(h.registerTimes.last == 50)
    }

    @Test("a probe still out when the timer fires is not doubled; stale probe results are ignored")
    func oneProbeAtATime() {
        var h = RegistrationHarness(policy: RegistrationPolicy(probeInterval: .seconds(10)))
        h.startMachine()
        h.respond(200, expires: 3600)
        h.fire(.probe)
        let first = h.lastProbe
        h.fire(.probe)
        #expect(h.probes.count == 1)
        h.perform(h.machine.probeFailed(id: 999, .timeout, now: h.now))
        #expect(h.machine.consecutiveProbeFailures == 0)
        h.perform(h.machine.probeAnswered(id: first ?? 0, statusCode: 200, reasonPhrase: "OK", now: h.now))
        h.fire(.probe)
        #expect(h.probes.count == 2)
    }

    @Test("stop while ready → un-REGISTER with Expires 0 → 200 → disabled; timers cancelled")
    func stopUnregisters() {
        var h = RegistrationHarness(policy: RegistrationPolicy(probeInterval: .seconds(10)))
        h.startMachine()
        h.challenge(nonce: "A")
        h.respond(200, expires: 3600)
        h.advance(seconds: 100)
        h.stopMachine()
        #expect(h.status == .unregistering)
        #expect(h.lastRegister?.expires == 0)
        #expect(h.lastRegister?.challenges.map { $0.challenge.nonce } == ["A"], "credentials up front")
        #expect(h.pending.keys.sorted { $0.rawValue < $1.rawValue } == [.unregisterGuard])
        h.respond(200, expires: 0)
        #expect(h.statuses == [.registering, .ready, .unregistering, .disabled])
        #expect(h.pending.isEmpty)
        #expect(h.machine.bindingExpiresAt == nil)
    }

    @Test(
        "stop: the un-REGISTER's challenge is answered once; a server that never answers → disabled after the bounded wait"
    )
    func stopBounded() {
        var h = RegistrationHarness(policy: Self.noProbes)
        h.startMachine()
        h.respond(200, expires: 3600)
        h.stopMachine()
        h.challenge(nonce: "U")
        #expect(h.registers.count == 3 && h.lastRegister?.expires == 0)
        // No answer at all: the guard ends the wait (the transaction's own timeout would too).
        h.fire(.unregisterGuard)
        #expect(h.seconds == 5)
        #expect(h.statuses.last == .disabled && h.reasons.last == .unregisterTimedOut)
        #expect(h.pending.isEmpty)
        // A late answer changes nothing.
        h.respond(200)
        #expect(h.statuses.count == 4)
    }

    @Test("stop with no binding (failed at the first attempt) → disabled at once, no REGISTER")
    func stopWithoutBinding() {
        var h = RegistrationHarness(policy: RegistrationPolicy(probeInterval: .seconds(10)))
        h.startMachine()
        h.respond(503)
        h.stopMachine()
        #expect(h.statuses == [.registering, .failed, .disabled])
        #expect(h.registers.count == 1)
        #expect(h.pending.isEmpty)
    }

    @Test("stop during the first REGISTER un-REGISTERs (a binding may have been made); start during it restarts after")
    func stopWhileRegistering() {
        var h = RegistrationHarness(policy: Self.noProbes)
        h.startMachine()
        let first = h.lastRegister?.id ?? 0
        h.stopMachine()
        #expect(h.status == .unregistering && h.lastRegister?.expires == 0)
        // The first REGISTER's late 200 is for an abandoned request.
        h.perform(
            h.machine.registerResponse(
                RegisterResponse(statusCode: 200, grantedExpires: 3600), requestID: first, now: h.now))
        #expect(h.status == .unregistering)
        h.startMachine()
        #expect(h.status == .unregistering)
        h.failRegister(.timeout)
        #expect(h.statuses == [.registering, .unregistering, .disabled, .registering])
        #expect(h.lastRegister?.expires == 3600)
    }

    @Test("lifetime 0: no REGISTER ever; ready at start with a probe at once; probes move it failed ↔ ready")
    func probeOnly() {
        var h = RegistrationHarness(policy: RegistrationPolicy(expires: .seconds(0), probeInterval: .seconds(10)))
        h.startMachine()
        #expect(h.statuses == [.ready] && h.reasons == [.registrationNotRequired])
        #expect(h.probes.map(\.at) == [0])
        h.failProbe()
        #expect(h.status == .failed)
        #expect(h.pending[.retry] == nil)
        h.fire(.probe)
        h.answerProbe()
        #expect(h.statuses == [.ready, .failed, .ready])
        h.perform(h.machine.flowLost(now: h.now))
        #expect(h.status == .failed && h.pending[.retry] == nil)
        h.stopMachine()
        #expect(h.statuses.last == .disabled)
        #expect(h.registers.isEmpty)
        #expect(h.pending.isEmpty)
    }

    @Test("stale timer fires and responses to old requests change nothing")
    func staleInputs() {
        var h = RegistrationHarness(policy: Self.noProbes)
        h.startMachine()
        #expect(h.machine.timerFired(.refresh, now: h.now).isEmpty)
        #expect(h.machine.registerResponse(RegisterResponse(statusCode: 200), requestID: 12345, now: h.now).isEmpty)
        let current = h.lastRegister?.id ?? 0
        let provisional = h.machine.registerResponse(RegisterResponse(statusCode: 100), requestID: current, now: h.now)
        #expect(provisional.isEmpty)
        #expect(h.machine.start(now: h.now).isEmpty, "already started")
        #expect(h.status == .registering)
    }
}
