import NIOCore
import SIPCore
import Testing

@testable import SIPUserAgent

/// Every accepted retry setting is safe (RFC 5626 §4.5 back-off with a floor): a registrar that
/// refuses every password at once never gets a REGISTER loop, whatever `reg_interval` says.
@Suite("Registration retry floor")
struct RegistrationRetryFloorTests {
    /// Runs `seconds` of virtual time against a registrar that challenges every REGISTER with a
    /// fresh nonce and never accepts the answer (a wrong password on Kamailio), firing every
    /// timer when due; returns how many REGISTERs went out.
    static func registersAgainstRejectingRegistrar(
        policy: RegistrationPolicy, jitter: BackoffJitter, seconds: Double
    ) -> (count: Int, harness: RegistrationHarness) {
        var h = RegistrationHarness(policy: policy, jitter: jitter)
        h.startMachine()
        var answered = 0
        var steps = 0
        while steps < 100_000 {
            steps += 1
            if h.registers.count > answered {
                answered = h.registers.count
                h.challenge(nonce: "N\(answered)")
                continue
            }
            guard let next = h.pending.values.min(), Double((next - h.start).nanoseconds) / 1e9 <= seconds else {
                break
            }
            h.fireNext()
        }
        return (h.registers.count, h)
    }

    @Test(
        "reg_interval 0 and a registrar that rejects every password: at most 6 REGISTERs in 10 s",
        arguments: [0.5, 1.0])
    func zeroIntervalRejectedPassword(fraction: Double) {
        let policy = RegistrationPolicy(baseTime: .seconds(0), maxTime: .seconds(0), probeInterval: .seconds(0))
        let (count, h) = Self.registersAgainstRejectingRegistrar(policy: policy, jitter: .fixed(fraction), seconds: 10)
        #expect(count <= 6, "\(count) REGISTERs in 10 s")
        #expect(count >= 2, "the challenge was answered once")
        #expect(h.status == .failed)
        // The default base (30 s) is in force, and the cap of 0 is raised to it: the first retry
        // is 50–100 % of min(30, 30 · 2^1).
        #expect(h.deadline(of: .retry) == 30 * fraction)
    }

    @Test("the smallest settings (base 1 s, cap 1 s, jitter 50 %) still wait at least 1 s between attempts")
    func floorAfterJitter() {
        let policy = RegistrationPolicy(baseTime: .seconds(1), maxTime: .seconds(1), probeInterval: .seconds(0))
        let (count, h) = Self.registersAgainstRejectingRegistrar(policy: policy, jitter: .fixed(0.5), seconds: 10)
        // Two REGISTERs per attempt (the unauthenticated one and the answer), one attempt a second.
        #expect(count <= 2 * 11, "\(count) REGISTERs in 10 s")
        let starts = zip(h.registerTimes, h.registerTimes.dropFirst()).map { $1 - $0 }.filter { $0 > 0 }
        #expect(!starts.isEmpty && starts.allSatisfy { $0 >= 1 }, "gaps \(starts)")
    }

    @Test("a 503 with Retry-After 0 and reg_interval 0 waits the default back-off, not zero")
    func retryAfterZero() {
        var h = RegistrationHarness(
            policy: RegistrationPolicy(baseTime: .seconds(0), maxTime: .seconds(0), probeInterval: .seconds(0)),
            jitter: .fixed(0.5))
        h.startMachine()
        h.respond(503, retryAfter: 0)
        #expect(h.deadline(of: .retry) == 15, "50 % of min(cap 30, 30 · 2)")
    }

    @Test("policy: 0 means the 30 s base, a cap below the base is the base")
    func effectiveBaseAndCap() {
        #expect(RegistrationPolicy(baseTime: .seconds(0)).retryBase == .seconds(30))
        #expect(RegistrationPolicy(baseTime: .seconds(-5)).retryBase == .seconds(30))
        #expect(RegistrationPolicy(baseTime: .seconds(7)).retryBase == .seconds(7))
        #expect(RegistrationPolicy(baseTime: .seconds(60), maxTime: .seconds(10)).retryCap == .seconds(60))
        #expect(
            RegistrationPolicy(baseTime: .seconds(0), maxTime: .seconds(0)).backoffCeiling(consecutiveFailures: 1)
                == .seconds(30))
        #expect(
            RegistrationPolicy(baseTime: .seconds(10), maxTime: .seconds(1800)).backoffCeiling(consecutiveFailures: 3)
                == .seconds(80))
    }
}
