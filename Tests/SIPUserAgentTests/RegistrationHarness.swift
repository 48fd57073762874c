import NIOCore
import SIPCore

@testable import SIPUserAgent

/// A mock driver: a clock moved by hand, the timers the machine armed (one deadline each), and
/// everything it sent and reported, stamped with the time in seconds since the start.
struct RegistrationHarness {
    var machine: RegistrationStateMachine
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    var now: NIODeadline
    private(set) var pending: [RegistrationTimer: NIODeadline] = [:]
    private(set) var registers: [(at: Double, request: RegisterRequest)] = []
    private(set) var probes: [(at: Double, id: UInt64)] = []
    private(set) var changes: [(at: Double, change: RegistrationStatusChange)] = []

    init(
        policy: RegistrationPolicy = RegistrationPolicy(), jitter: BackoffJitter = .fixed(1.0),
        realms: DigestRealmPolicy = DigestRealmPolicy(domain: "site-a", user: "7001", hasPassword: true)
    ) {
        machine = RegistrationStateMachine(policy: policy, jitter: jitter, realms: realms)
        now = start
    }

    var seconds: Double { Double((now - start).nanoseconds) / 1e9 }
    var status: RegistrationStatus { machine.status }
    var lastRegister: RegisterRequest? { registers.last?.request }
    var lastProbe: UInt64? { probes.last?.id }
    var statuses: [RegistrationStatus] { changes.map(\.change.status) }
    var reasons: [RegistrationReason] { changes.map(\.change.reason) }
    var registerTimes: [Double] { registers.map(\.at) }

    func deadline(of timer: RegistrationTimer) -> Double? {
        pending[timer].map { Double(($0 - start).nanoseconds) / 1e9 }
    }

    mutating func perform(_ actions: [RegistrationAction]) {
        for action in actions {
            switch action {
            case .sendRegister(let r): registers.append((seconds, r))
            case .sendProbe(let id): probes.append((seconds, id))
            case .schedule(let t, let at): pending[t] = at
            case .cancel(let t): pending[t] = nil
            case .reportStatus(let c): changes.append((seconds, c))
            }
        }
    }

    mutating func startMachine() { perform(machine.start(now: now)) }
    mutating func stopMachine() { perform(machine.stop(now: now)) }

    /// Answers the last REGISTER.
    mutating func respond(_ response: RegisterResponse) {
        guard let id = lastRegister?.id else { return }
        perform(machine.registerResponse(response, requestID: id, now: now))
    }

    mutating func respond(_ code: Int, expires: Int? = nil, retryAfter: Int? = nil, minExpires: Int? = nil) {
        respond(
            RegisterResponse(statusCode: code, grantedExpires: expires, minExpires: minExpires, retryAfter: retryAfter))
    }

    mutating func challenge(_ code: Int = 401, nonce: String, realm: String = "site-a", stale: Bool = false) {
        var c = SIPAuthentication()
        c.set("realm", realm, quoted: true)
        c.set("nonce", nonce, quoted: true)
        c.set("qop", "auth", quoted: true)
        if stale { c.set("stale", "true", quoted: false) }
        respond(
            RegisterResponse(
                statusCode: code,
                challenges: [RegistrationChallenge(kind: code == 401 ? .server : .proxy, challenge: c)]))
    }

    mutating func failRegister(_ failure: RequestFailure = .timeout) {
        guard let id = lastRegister?.id else { return }
        perform(machine.registerFailed(failure, requestID: id, now: now))
    }

    mutating func answerProbe(_ code: Int = 200) {
        guard let id = lastProbe else { return }
        perform(
            machine.probeAnswered(id: id, statusCode: code, reasonPhrase: SIPStatus.reasonPhrase(for: code), now: now))
    }

    mutating func failProbe(_ failure: RequestFailure = .timeout) {
        guard let id = lastProbe else { return }
        perform(machine.probeFailed(id: id, failure, now: now))
    }

    /// The site answered a probe sent for another binding on it.
    mutating func siteAnswered(_ code: Int = 200) {
        perform(machine.siteProbeAnswered(statusCode: code, reasonPhrase: SIPStatus.reasonPhrase(for: code), now: now))
    }

    /// The site failed a probe sent for another binding on it.
    mutating func siteFailed(_ failure: RequestFailure = .timeout) {
        perform(machine.siteProbeFailed(failure, now: now))
    }

    mutating func advance(seconds s: Double) { now = now + .nanoseconds(Int64(s * 1e9)) }

    /// Moves the clock to `timer`'s deadline and fires it.
    mutating func fire(_ timer: RegistrationTimer) { perform(fireReturningActions(timer)) }

    /// Moves the clock to `timer`'s deadline and fires it, leaving the actions to the caller.
    mutating func fireReturningActions(_ timer: RegistrationTimer) -> [RegistrationAction] {
        guard let at = pending[timer] else { return [] }
        pending[timer] = nil
        if at > now { now = at }
        return machine.timerFired(timer, now: now)
    }

    /// Moves to the earliest pending timer and fires it.
    @discardableResult
    mutating func fireNext() -> RegistrationTimer? {
        guard let (t, _) = pending.min(by: { ($0.value, $0.key.rawValue) < ($1.value, $1.key.rawValue) }) else {
            return nil
        }
        fire(t)
        return t
    }
}
