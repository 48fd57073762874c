import Foundation
import NIOCore

/// Route-flap damping for one connection (or any up/down resource), after BGP's (RFC 2439 §4.2–4.4):
/// a value machine with time as an input, no I/O.
///
/// The rule:
/// - **Penalty.** Each failure adds 1 to a penalty that decays exponentially: it halves every
///   ``Policy/halfLife`` (`flap_window`). The penalty never exceeds the ceiling that would take
///   ``Policy/maximumHoldDown`` (`flap_hold_down_max`) to decay to the reuse level (RFC 2439's
///   "maximum suppress time"), so no failure history holds a site down longer than that.
/// - **Suppress.** A failure that takes the penalty above 1.5 suppresses the resource: with one
///   failure per call that means a second failure within one half-life of the first. A single
///   outage (penalty 1) never suppresses, so the first recovery after it is immediate.
/// - **Reuse.** A suppressed resource that recovers stays *held down* (``Verdict/holdDown(until:)``:
///   the connection is `recovering`) until the penalty has decayed to 1 — no worse than one fresh
///   outage — and then it is usable again (``Verdict/usable``), unless it failed again meanwhile.
///
/// Why a penalty rather than a hold-down that doubles per flap: a doubling hold-down long enough
/// to outlast the gap between two swings of a fast flap is four times that long two flaps later,
/// while the penalty adds up what recent failures say and forgets them with time. With failures
/// `p` apart, the hold-down after the n-th grows like `halfLife · log2(1 + a + … + aⁿ⁻¹)`,
/// `a = 2^(−p/halfLife)`: it lengthens with each flap, at most to ``Policy/maximumHoldDown``, and
/// shortens with every stable moment.
///
/// Generic on purpose: it knows failures, recoveries and time only, so the active/standby
/// failback hold-down can use it as connections do.
package struct FlapDamping: Sendable, Hashable {
    package struct Policy: Sendable, Hashable {
        /// The penalty's half-life; also the window within which a second failure suppresses. Zero:
        /// damping off (every recovery is immediate).
        package var halfLife: TimeAmount
        /// The longest any history holds a recovered resource down.
        package var maximumHoldDown: TimeAmount

        package init(halfLife: TimeAmount, maximumHoldDown: TimeAmount) {
            self.halfLife = halfLife
            self.maximumHoldDown = maximumHoldDown
        }

        package var isEnabled: Bool { halfLife > .zero && maximumHoldDown > .zero }
    }

    /// What the resource's state should be reported as.
    package enum Verdict: Sendable, Hashable {
        /// Usable: report it as it is (ready when it answers).
        case usable
        /// Answering, but held down until the deadline (report `recovering`); ask again then.
        case holdDown(until: NIODeadline)
    }

    /// Added per failure (RFC 2439's figure of merit, scaled so one failure is 1).
    package static let failurePenalty = 1.0
    /// A failure that takes the penalty above this suppresses.
    package static let suppressThreshold = 1.5
    /// A suppressed resource is usable again once the penalty has decayed to this.
    package static let reuseThreshold = 1.0

    package let policy: Policy
    /// The penalty as of ``updatedAt``.
    private(set) var recordedPenalty = 0.0
    private(set) var updatedAt: NIODeadline?
    /// Suppressed: the last failure took the penalty above the suppress threshold, and it has not yet
    /// decayed to the reuse threshold.
    private(set) var isSuppressed = false

    package init(policy: Policy) {
        self.policy = policy
    }

    /// The penalty at `now`, decayed since the last update.
    package func penalty(at now: NIODeadline) -> Double {
        guard let updatedAt, policy.isEnabled else { return 0 }
        let elapsed = Double(max(0, (now - updatedAt).nanoseconds))
        return recordedPenalty * exp2(-elapsed / Double(policy.halfLife.nanoseconds))
    }

    /// The ceiling: the penalty that decays to the reuse threshold in exactly the maximum hold-down.
    private var ceiling: Double {
        Self.reuseThreshold * exp2(Double(policy.maximumHoldDown.nanoseconds) / Double(policy.halfLife.nanoseconds))
    }

    /// The resource failed at `now` (it was usable or held down, and stopped answering).
    package mutating func failed(now: NIODeadline) {
        guard policy.isEnabled else { return }
        if isSuppressed, penalty(at: now) <= Self.reuseThreshold { isSuppressed = false }
        recordedPenalty = min(ceiling, penalty(at: now) + Self.failurePenalty)
        updatedAt = now
        if recordedPenalty > Self.suppressThreshold { isSuppressed = true }
    }

    /// The resource answers at `now`: may it be used, or is it held down, and until when?
    /// Ask again at the deadline of a hold-down (the driver's timer); a verdict of ``Verdict/usable``
    /// ends the suppression.
    package mutating func verdict(now: NIODeadline) -> Verdict {
        guard policy.isEnabled, isSuppressed else { return .usable }
        let current = penalty(at: now)
        guard current > Self.reuseThreshold else {
            isSuppressed = false
            return .usable
        }
        // penalty · 2^(−t/halfLife) = reuse ⇔ t = halfLife · log2(penalty / reuse). Rounded up, so the
        // deadline is never a moment early.
        let nanoseconds = Double(policy.halfLife.nanoseconds) * log2(current / Self.reuseThreshold)
        return .holdDown(until: now + .nanoseconds(Int64(nanoseconds.rounded(.up)) + 1))
    }

    /// Whether nothing is remembered that could still matter at `now` (the driver may drop the
    /// machine): not suppressed and the penalty decayed below a hundredth of a failure.
    package func isForgettable(at now: NIODeadline) -> Bool {
        !isSuppressed && penalty(at: now) < 0.01
    }
}

extension FailoverPolicy {
    /// The flap damping of a connection probing every `optionsInterval` seconds (0: not probing):
    /// `flap_window` and `flap_hold_down_max`, or their auto values scaled to the probe interval (a
    /// connection can only see a site swing as fast as it probes it).
    func flapDamping(optionsInterval: Int) -> FlapDamping.Policy {
        let interval = optionsInterval > 0 ? optionsInterval : 10
        let window = flapWindowSeconds ?? 10 * interval
        let maximum = flapHoldDownMaxSeconds ?? 30 * interval
        return FlapDamping.Policy(
            halfLife: .seconds(Int64(max(0, window))), maximumHoldDown: .seconds(Int64(max(0, maximum))))
    }
}
