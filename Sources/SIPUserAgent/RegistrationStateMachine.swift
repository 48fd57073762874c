import NIOCore

/// One binding of one connection (RFC 3261 §10.2, RFC 5626 §4.2 and §4.5), with the phone's health
/// policy, as a value: events in, actions out, time and randomness as inputs. The driver sends what
/// ``RegistrationAction/sendRegister(_:)`` and ``RegistrationAction/sendProbe(id:)`` ask for, arms
/// the timers, and feeds back responses, failures and timer fires. No I/O, no tasks, no clocks here.
///
/// ```
///                 start (lifetime 0: straight to ready, probes decide ready <-> failed)
///  +----------+ -------------------> +-------------+  401/407 answered once per nonce,
///  | disabled |                      | registering |  423 retried with Min-Expires
///  +----------+                      +-------------+  (same status, same Call-ID)
///     ^    ^                 2xx       |         | timeout, transport error, flow lost,
///     |    |        +------------------+         | 3xx-6xx, credentials rejected
///     |    |        v                            v
///     |    |   +---------+  refresh fails,  +--------+ <-+ retry timer or first probe
///     |    |   |  ready  | ---------------> | failed |   | answered after unreachability:
///     |    |   +---------+  flow lost,      +--------+ --+ REGISTER again (stays failed;
///     |    |     |    ^     N probes fail       |          back-off grows on each failure)
///     |    |     |    +-------------------------+
///     |    |     |  refresh timer: REGISTER        2xx to a retry
///     |    |     |  (stays ready)
///     |    |     | stop (from any status; with a binding or a REGISTER out)
///     |    |     v
///     |    | +---------------+  final response, timeout, transport error,
///     |    +-| unregistering |  flow lost, guard timer
///     |      +---------------+
///     +-- stop with no binding: disabled at once
///
///  "probe" above: this binding's own, or one its site target answered or failed for another
///  binding on it (siteProbeAnswered / siteProbeFailed), which counts the same.
/// ```
///
/// Rules, with where they come from:
/// - Lifetime asked = `reregister_in_seconds`; granted = our Contact's `expires`, else the
///   Expires header, else what we asked (§10.2.4). A 2xx granting 0 is a failure.
/// - Refresh at ``RegistrationPolicy/refreshDelay(granted:)``: 90 % of the grant but at least
///   ``RegistrationPolicy/refreshMargin`` before the end, never before half of it.
/// - 423 (§10.2.8): REGISTER again at once with Expires = Min-Expires, and keep asking for that
///   on refreshes; at most two 423s per attempt, and a Min-Expires not above what we asked is a
///   failure (it cannot succeed).
/// - 401/407 (§22.2, §22.3; RFC 7616 §3.3): answer the strongest usable challenge per realm,
///   for the realms ``DigestRealmPolicy`` lets the password answer (any realm of the registrar
///   until one is accepted with a 2xx, then the connection's own); with none left, or without a
///   password, the attempt fails with the refusal as its reason and backs off.
///   A challenge that is not `stale=true` for a realm whose challenge we already answered in this
///   attempt (same nonce or a new one) means the credentials are wrong: failure, once, then
///   back-off. A stale challenge is answered without counting a failure. At most three
///   challenge rounds per attempt, so a server that keeps saying stale cannot loop us.
///   Challenges are kept after a 2xx and answered up front in refreshes (§22.1 caching; the
///   authenticator advances nc), and dropped on any failure.
/// - Failure (timeout, transport error, flow lost, any other final response, probes, rejected
///   or refused credentials) → `failed` with the reason, then wait a random 50–100 % of
///   min(`reg_retry_max`, `reg_interval`·2^failures) (RFC 5626 §4.5, failures ≥ 1), or
///   Retry-After when longer, and never less than ``RegistrationPolicy/minimumRetryDelay`` (1 s).
///   `reg_interval` 0 means the 30 s default base and a cap below the base is the base
///   (``RegistrationPolicy/retryBase``, ``RegistrationPolicy/retryCap``), so no setting makes the
///   retries a loop. Retries go on until success or stop.
/// - Probes: every `options_interval` while ready or failed, one at a time. While ready,
///   `options_failure_threshold` failures in a row make it failed. While failed after the site
///   was unreachable (timeout, transport error, flow lost, probe failure), the first probe that
///   gets any response REGISTERs at once instead of waiting out the back-off.
/// - Probes belong to the site (RFC 3263 target: transport + address), not the binding: the driver
///   sends one OPTIONS per target for all bindings on it, and hands its result to each of them:
///   with the probe's id to those that asked (``probeAnswered(id:statusCode:reasonPhrase:now:)``,
///   ``probeFailed(id:_:now:)``), without one to the others (``siteProbeAnswered(statusCode:reasonPhrase:now:)``,
///   ``siteProbeFailed(_:now:)``), which take it as their own probe's result and restart their probe
///   interval from it. So a site that stops answering makes every ready binding on it count a failed
///   probe at once, and a site that answers again after it was unreachable makes every failed
///   binding on it REGISTER at once.
/// - Stop (§10.2.2): un-REGISTER with Expires 0 when a binding may exist, answering one challenge
///   round, waiting at most ``RegistrationPolicy/unregisterWait``; then disabled.
///
/// Deviations and choices where the RFCs are silent:
/// - Retries while failed keep the status `failed` (no registering/failed flapping on every
///   back-off); `registering` is only the first attempt after start.
/// - A probe answer does not cut the back-off short when the last failure was a SIP response
///   (wrong password, 403, 503 …): the site is reachable and said no, so the back-off stands.
/// - A refresh that fails makes the connection failed at once, although the old binding may
///   still have seconds to run: a site that cannot refresh is not one to route calls to.
/// - Status codes below 200 are ignored (provisional responses end nothing).
package struct RegistrationStateMachine: Hashable, Sendable {
    /// The REGISTER whose answer we wait for.
    private struct InFlight: Hashable, Sendable {
        var id: UInt64
        var expires: Int
        /// The realms whose challenge arrived during this attempt and was answered; credentials
        /// sent up front from an earlier exchange are not in it.
        var challengedRealms: Set<RegistrationChallenge.RealmKey>
        /// Challenge rounds and 423 rounds so far in this attempt.
        var challengeRounds: Int
        var intervalRounds: Int
    }

    /// Challenge rounds (401/407 answered) per attempt before it counts as a failure.
    package static let maximumChallengeRounds = 3
    /// 423 rounds per attempt before it counts as a failure.
    package static let maximumIntervalRounds = 2

    package let policy: RegistrationPolicy
    /// Which challenges the password answers; a 2xx adds the realms its REGISTER answered.
    package private(set) var realms: DigestRealmPolicy

    /// The status reported last.
    package private(set) var status: RegistrationStatus = .disabled
    /// Why the status is what it is: the reason reported with it, or while failed the latest
    /// failure (retries fail without a status change).
    package private(set) var reason: RegistrationReason = .stopped
    /// The lifetime the next REGISTER asks for (raised by 423).
    package private(set) var requestedExpires: Int
    /// When the binding the registrar last granted runs out, nil when there is none.
    package private(set) var bindingExpiresAt: NIODeadline?
    /// Failures since the last success (the exponent of the back-off).
    package private(set) var consecutiveFailures = 0
    /// When the retry timer fires, while failed.
    package private(set) var nextRetryAt: NIODeadline?
    /// Failed probes in a row.
    package private(set) var consecutiveProbeFailures = 0
    /// When the site last answered this binding (any final response to its REGISTER, or an answer to
    /// a probe of the site); nil until it first does. A failure's detection time is measured from it.
    package private(set) var lastAnsweredAt: NIODeadline?

    private var jitter: BackoffJitter
    private var inFlight: InFlight?
    /// Answered up front in the next REGISTER.
    private var challenges: [RegistrationChallenge] = []
    private var reachabilityLost = false
    private var probeInFlight: UInt64?
    private var pending = RegistrationTimerSet()
    private var restartAfterUnregister = false
    private var nextID: UInt64 = 1

    /// A stopped registration; nothing happens until ``start(now:)``. `realms`: which challenges
    /// the connection's password answers (``BindingConfiguration/realmPolicy``).
    package init(policy: RegistrationPolicy = RegistrationPolicy(), jitter: BackoffJitter, realms: DigestRealmPolicy) {
        self.policy = policy
        self.realms = realms
        self.jitter = jitter
        self.requestedExpires = policy.expiresSeconds
    }

    /// Whether a REGISTER (or un-REGISTER) is out.
    package var isRequestInFlight: Bool { inFlight != nil }

    // MARK: Events

    /// Enable: register now (or, with a lifetime of 0, be ready and start probing). During an
    /// un-REGISTER the start is remembered and happens when it ends.
    package mutating func start(now: NIODeadline) -> [RegistrationAction] {
        var actions: [RegistrationAction] = []
        switch status {
        case .unregistering:
            restartAfterUnregister = true
            return actions
        case .registering, .ready, .failed:
            return actions
        case .disabled:
            break
        }
        consecutiveFailures = 0
        consecutiveProbeFailures = 0
        reachabilityLost = false
        challenges.removeAll(keepingCapacity: true)
        requestedExpires = policy.expiresSeconds
        if policy.registers {
            report(.registering, .started, into: &actions)
            sendRegister(expires: requestedExpires, newAttempt: true, into: &actions)
        } else {
            report(.ready, .registrationNotRequired, into: &actions)
            if policy.probes {
                // Nothing else tells us whether the site is there: ask now.
                sendProbe(into: &actions)
                schedule(.probe, at: now + policy.probePeriod, into: &actions)
            }
        }
        return actions
    }

    /// Disable or remove: un-REGISTER (Expires 0) when a binding may exist, with a bounded wait;
    /// otherwise disabled at once.
    package mutating func stop(now: NIODeadline) -> [RegistrationAction] {
        var actions: [RegistrationAction] = []
        switch status {
        case .disabled:
            return actions
        case .unregistering:
            restartAfterUnregister = false
            return actions
        case .registering, .ready, .failed:
            break
        }
        cancel(.refresh, into: &actions)
        cancel(.retry, into: &actions)
        cancel(.probe, into: &actions)
        probeInFlight = nil
        nextRetryAt = nil
        let bindingMayExist = inFlight != nil || (bindingExpiresAt.map { $0 > now } ?? false)
        guard policy.registers, bindingMayExist else {
            inFlight = nil
            bindingExpiresAt = nil
            report(.disabled, .stopped, into: &actions)
            return actions
        }
        report(.unregistering, .stopped, into: &actions)
        sendRegister(expires: 0, newAttempt: true, into: &actions)
        schedule(.unregisterGuard, at: now + policy.unregisterTimeout, into: &actions)
        return actions
    }

    /// A final response to the REGISTER with this id.
    package mutating func registerResponse(_ response: RegisterResponse, requestID: UInt64, now: NIODeadline)
        -> [RegistrationAction]
    {
        var actions: [RegistrationAction] = []
        guard let current = inFlight, current.id == requestID, response.statusCode >= 200 else { return actions }
        lastAnsweredAt = now
        let code = response.statusCode
        let phrase = response.reasonPhrase

        if code == 401 || code == 407 {
            switch answerChallenges(response, current) {
            case .answer(let realms):
                sendRegister(expires: current.expires, newAttempt: false, into: &actions)
                inFlight?.challengeRounds = current.challengeRounds + 1
                inFlight?.intervalRounds = current.intervalRounds
                inFlight?.challengedRealms = current.challengedRealms.union(realms)
                return actions
            case .rejected:
                finish(.credentialsRejected(statusCode: code, reasonPhrase: phrase), now: now, into: &actions)
                return actions
            case .refused(let refusal):
                finish(.challengeRefused(statusCode: code, reasonPhrase: phrase, refusal), now: now, into: &actions)
                return actions
            case .unusable:
                break
            }
        }

        if status == .unregistering {
            finishUnregister(.response(statusCode: code, reasonPhrase: phrase), now: now, into: &actions)
            return actions
        }

        switch code {
        case 200..<300:
            let granted = response.grantedExpires ?? current.expires
            guard granted > 0 else {
                fail(.bindingNotGranted, unreachable: false, retryAfter: nil, now: now, into: &actions)
                return actions
            }
            succeed(granted: granted, code: code, phrase: phrase, now: now, into: &actions)
        case 423:
            if let minimum = response.minExpires, minimum > current.expires,
                current.intervalRounds < Self.maximumIntervalRounds
            {
                requestedExpires = min(minimum, Int(UInt32.max))
                sendRegister(expires: requestedExpires, newAttempt: false, into: &actions)
                inFlight?.intervalRounds = current.intervalRounds + 1
                inFlight?.challengeRounds = current.challengeRounds
                inFlight?.challengedRealms = current.challengedRealms
            } else {
                fail(
                    .response(statusCode: code, reasonPhrase: phrase), unreachable: false, retryAfter: nil, now: now,
                    into: &actions)
            }
        default:
            fail(
                .response(statusCode: code, reasonPhrase: phrase), unreachable: false, retryAfter: response.retryAfter,
                now: now, into: &actions)
        }
        return actions
    }

    /// The REGISTER with this id got no response: its transaction timed out or the transport
    /// could not send it.
    package mutating func registerFailed(_ failure: RequestFailure, requestID: UInt64, now: NIODeadline)
        -> [RegistrationAction]
    {
        var actions: [RegistrationAction] = []
        guard inFlight?.id == requestID else { return actions }
        let reason: RegistrationReason =
            switch failure {
            case .timeout: .localTimeout
            case .transportError(let detail): .transportError(detail)
            case .unavailable(let code, let phrase): .response(statusCode: code, reasonPhrase: phrase)
            }
        finish(reason, now: now, into: &actions)
        return actions
    }

    /// The TCP/TLS flow the registration uses broke (RFC 5626 §4.4: failed keep-alive, reset).
    package mutating func flowLost(now: NIODeadline) -> [RegistrationAction] {
        var actions: [RegistrationAction] = []
        switch status {
        case .disabled:
            break
        case .unregistering:
            finishUnregister(.flowLost, now: now, into: &actions)
        case .ready where !policy.registers:
            report(.failed, .flowLost, into: &actions)
        case .failed where inFlight == nil:
            // Already failed and waiting: the flow was not in use; only note the site is unreachable.
            reachabilityLost = true
        case .registering, .ready, .failed:
            finish(.flowLost, now: now, into: &actions)
        }
        return actions
    }

    /// A timer the machine scheduled fired. Fires of cancelled or replaced timers are ignored.
    package mutating func timerFired(_ timer: RegistrationTimer, now: NIODeadline) -> [RegistrationAction] {
        var actions: [RegistrationAction] = []
        guard pending.remove(timer) != nil else { return actions }
        switch (timer, status) {
        case (.refresh, .ready) where inFlight == nil:
            sendRegister(expires: requestedExpires, newAttempt: true, into: &actions)
        case (.retry, .failed) where inFlight == nil:
            nextRetryAt = nil
            sendRegister(expires: requestedExpires, newAttempt: true, into: &actions)
        case (.probe, .ready), (.probe, .failed):
            if probeInFlight == nil { sendProbe(into: &actions) }
            schedule(.probe, at: now + policy.probePeriod, into: &actions)
        case (.unregisterGuard, .unregistering):
            finishUnregister(.unregisterTimedOut, now: now, into: &actions)
        default:
            break
        }
        return actions
    }

    /// Something outside the registration (a call's INVITE timing out or failing to connect) saw the
    /// site fail: probe it now rather than at the next interval, so the status catches up before the
    /// next call pays the same timeout. Nothing happens while a probe is out, or when probes are off
    /// or the connection is not ready or failed.
    package mutating func troubleReported(now: NIODeadline) -> [RegistrationAction] {
        var actions: [RegistrationAction] = []
        guard policy.probes, status == .ready || status == .failed, probeInFlight == nil else { return actions }
        sendProbe(into: &actions)
        return actions
    }

    /// The OPTIONS probe with this id got a response, whatever its status code: the site is there.
    package mutating func probeAnswered(id: UInt64, statusCode: Int, reasonPhrase: String, now: NIODeadline)
        -> [RegistrationAction]
    {
        var actions: [RegistrationAction] = []
        guard probeInFlight == id, statusCode >= 200 else { return actions }
        probeInFlight = nil
        lastAnsweredAt = now
        takeProbeAnswer(statusCode: statusCode, reasonPhrase: reasonPhrase, into: &actions)
        return actions
    }

    /// The OPTIONS probe with this id got no response.
    package mutating func probeFailed(id: UInt64, _ failure: RequestFailure, now: NIODeadline) -> [RegistrationAction] {
        var actions: [RegistrationAction] = []
        guard probeInFlight == id else { return actions }
        probeInFlight = nil
        takeProbeFailure(failure, now: now, into: &actions)
        return actions
    }

    /// The site this binding uses answered a probe the driver sent for another binding on it (one
    /// probe per site target serves every binding there): as ``probeAnswered(id:statusCode:reasonPhrase:now:)``
    /// without the id check, and this binding's next probe is due one interval from now. A probe
    /// of its own that is out stays out and is answered by its id.
    package mutating func siteProbeAnswered(statusCode: Int, reasonPhrase: String, now: NIODeadline)
        -> [RegistrationAction]
    {
        var actions: [RegistrationAction] = []
        guard acceptsSiteProbe, statusCode >= 200 else { return actions }
        lastAnsweredAt = now
        takeProbeAnswer(statusCode: statusCode, reasonPhrase: reasonPhrase, into: &actions)
        schedule(.probe, at: now + policy.probePeriod, into: &actions)
        return actions
    }

    /// The site this binding uses did not answer a probe the driver sent for another binding on it:
    /// as ``probeFailed(id:_:now:)`` without the id check (a ready binding counts a failed probe now),
    /// and this binding's next probe is due one interval from now.
    package mutating func siteProbeFailed(_ failure: RequestFailure, now: NIODeadline) -> [RegistrationAction] {
        var actions: [RegistrationAction] = []
        guard acceptsSiteProbe else { return actions }
        takeProbeFailure(failure, now: now, into: &actions)
        // `fail` may have armed the probe already; this keeps one deadline, one interval from now.
        schedule(.probe, at: now + policy.probePeriod, into: &actions)
        return actions
    }

    // MARK: Transitions

    /// Site results count only where probes run: ready or failed, with probes on.
    private var acceptsSiteProbe: Bool { policy.probes && (status == .ready || status == .failed) }

    private mutating func takeProbeAnswer(
        statusCode: Int, reasonPhrase: String, into actions: inout [RegistrationAction]
    ) {
        consecutiveProbeFailures = 0
        guard status == .failed else { return }
        if !policy.registers {
            report(.ready, .response(statusCode: statusCode, reasonPhrase: reasonPhrase), into: &actions)
        } else if reachabilityLost, inFlight == nil {
            // RFC 5626 §4.5 waits blindly; a site that answers again is used at once.
            reachabilityLost = false
            cancel(.retry, into: &actions)
            nextRetryAt = nil
            sendRegister(expires: requestedExpires, newAttempt: true, into: &actions)
        }
    }

    private mutating func takeProbeFailure(
        _ failure: RequestFailure, now: NIODeadline, into actions: inout [RegistrationAction]
    ) {
        consecutiveProbeFailures += 1
        switch status {
        case .ready where consecutiveProbeFailures >= policy.failureThreshold:
            if policy.registers {
                inFlight = nil
                fail(.probeFailed(failure), unreachable: true, retryAfter: nil, now: now, into: &actions)
            } else {
                report(.failed, .probeFailed(failure), into: &actions)
            }
        case .failed:
            reachabilityLost = true
        default:
            break
        }
    }

    private enum ChallengeVerdict {
        case answer(Set<RegistrationChallenge.RealmKey>)
        case rejected
        /// Nothing the password may answer (``DigestRealmPolicy``).
        case refused(DigestRefusal)
        case unusable
    }

    /// Decides a 401/407: answer it, or the credentials were rejected, or nothing usable.
    private mutating func answerChallenges(_ response: RegisterResponse, _ current: InFlight) -> ChallengeVerdict {
        let kind: RegistrationChallenge.Kind = response.statusCode == 401 ? .server : .proxy
        let offered = response.challenges.filter { $0.kind == kind }
        let answerable = DigestAuthenticator.preferredChallenges(offered.map(\.challenge))
            .map { RegistrationChallenge(kind: kind, challenge: $0) }
        guard !answerable.isEmpty else { return .unusable }
        // Only the connection's realms get an answer; when none is left, the request ends here.
        let realmPolicy = realms
        let usable = answerable.filter { realmPolicy.refusal(of: $0.challenge, registering: true) == nil }
        if usable.isEmpty,
            let refusal = answerable.lazy.compactMap({ realmPolicy.refusal(of: $0.challenge, registering: true) }).first
        {
            return .refused(refusal)
        }
        // RFC 7616 §3.3: without stale=true the server says the credentials themselves are wrong.
        // Servers differ in whether they repeat the nonce (the RFC 3261 §22 reading) or mint a new
        // one (Kamailio), so the realm decides, not the nonce. Up-front credentials from an earlier
        // exchange are not in `challengedRealms` and get one fresh answer.
        let repeated = usable.contains { !$0.challenge.isStale && current.challengedRealms.contains($0.realmKey) }
        if repeated { return .rejected }
        guard current.challengeRounds < Self.maximumChallengeRounds else { return .rejected }
        challenges.removeAll { old in usable.contains { $0.realmKey == old.realmKey } }
        challenges.append(contentsOf: usable)
        // The response's own list when it is the same: the driver shares one among its bindings.
        if challenges == response.challenges { challenges = response.challenges }
        return .answer(Set(usable.map(\.realmKey)))
    }

    private mutating func succeed(
        granted: Int, code: Int, phrase: String, now: NIODeadline, into actions: inout [RegistrationAction]
    ) {
        inFlight = nil
        // The registrar accepted the credentials this REGISTER carried: their realms are ours.
        for challenge in challenges { realms.accepted(realm: challenge.challenge.realm ?? "") }
        consecutiveFailures = 0
        reachabilityLost = false
        nextRetryAt = nil
        bindingExpiresAt = now + .seconds(Int64(granted))
        cancel(.retry, into: &actions)
        if status != .ready {
            report(.ready, .response(statusCode: code, reasonPhrase: phrase), into: &actions)
        }
        schedule(.refresh, at: now + policy.refreshDelay(granted: granted), into: &actions)
        startProbing(now: now, into: &actions)
    }

    /// A failure of the current REGISTER (or un-REGISTER).
    private mutating func finish(
        _ reason: RegistrationReason, now: NIODeadline, into actions: inout [RegistrationAction]
    ) {
        if status == .unregistering {
            finishUnregister(reason, now: now, into: &actions)
            return
        }
        let unreachable: Bool =
            switch reason {
            case .localTimeout, .transportError, .flowLost, .probeFailed: true
            default: false
            }
        fail(reason, unreachable: unreachable, retryAfter: nil, now: now, into: &actions)
    }

    private mutating func fail(
        _ reason: RegistrationReason, unreachable: Bool, retryAfter: Int?, now: NIODeadline,
        into actions: inout [RegistrationAction]
    ) {
        inFlight = nil
        challenges.removeAll(keepingCapacity: true)
        consecutiveFailures += 1
        reachabilityLost = unreachable
        let ceiling = policy.backoffCeiling(consecutiveFailures: consecutiveFailures)
        var wait = TimeAmount.nanoseconds(Int64(Double(ceiling.nanoseconds) * jitter.nextFraction()))
        if let retryAfter, TimeAmount.seconds(Int64(retryAfter)) > wait { wait = .seconds(Int64(retryAfter)) }
        // The floor comes last: no base, jitter or Retry-After makes the retry a loop.
        wait = max(wait, RegistrationPolicy.minimumRetryDelay)
        let retryAt = now + wait
        nextRetryAt = retryAt
        cancel(.refresh, into: &actions)
        if status != .failed {
            report(.failed, reason, into: &actions)
        } else {
            self.reason = reason
        }
        schedule(.retry, at: retryAt, into: &actions)
        startProbing(now: now, into: &actions)
    }

    private mutating func finishUnregister(
        _ reason: RegistrationReason, now: NIODeadline, into actions: inout [RegistrationAction]
    ) {
        inFlight = nil
        bindingExpiresAt = nil
        challenges.removeAll(keepingCapacity: true)
        cancel(.unregisterGuard, into: &actions)
        report(.disabled, reason, into: &actions)
        if restartAfterUnregister {
            restartAfterUnregister = false
            actions.append(contentsOf: start(now: now))
        }
    }

    // MARK: Actions

    private mutating func sendRegister(expires: Int, newAttempt: Bool, into actions: inout [RegistrationAction]) {
        let id = nextID
        nextID &+= 1
        inFlight = InFlight(id: id, expires: expires, challengedRealms: [], challengeRounds: 0, intervalRounds: 0)
        actions.append(.sendRegister(RegisterRequest(id: id, expires: expires, challenges: challenges)))
    }

    private mutating func sendProbe(into actions: inout [RegistrationAction]) {
        let id = nextID
        nextID &+= 1
        probeInFlight = id
        actions.append(.sendProbe(id: id))
    }

    private mutating func startProbing(now: NIODeadline, into actions: inout [RegistrationAction]) {
        guard policy.probes, !pending.contains(.probe) else { return }
        schedule(.probe, at: now + policy.probePeriod, into: &actions)
    }

    private mutating func report(
        _ new: RegistrationStatus, _ why: RegistrationReason, into actions: inout [RegistrationAction]
    ) {
        let change = RegistrationStatusChange(
            previous: status, status: new, reason: why, nextRetryAt: new == .failed ? nextRetryAt : nil,
            lastAnsweredAt: lastAnsweredAt)
        status = new
        reason = why
        actions.append(.reportStatus(change))
    }

    private mutating func schedule(
        _ timer: RegistrationTimer, at deadline: NIODeadline, into actions: inout [RegistrationAction]
    ) {
        pending.insert(timer)
        actions.append(.schedule(timer, at: deadline))
    }

    private mutating func cancel(_ timer: RegistrationTimer, into actions: inout [RegistrationAction]) {
        if pending.remove(timer) != nil { actions.append(.cancel(timer)) }
    }
}
