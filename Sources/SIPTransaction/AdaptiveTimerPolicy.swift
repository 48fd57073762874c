import NIOCore

/// How a client transaction's retransmission interval (T1) and a dial's give-up time follow the
/// round-trip time learned for its target (``RoundTripEstimator``), as a value: no I/O, no clock.
///
/// Rules:
/// - **Per-target T1** (unreliable transports only): the target's RTO clamped to
///   [``t1Floor``, ``t1Ceiling``] = [100 ms, 1 s]. RFC 3261 §17.1.1.1 allows a T1 below 500 ms only
///   "in closed, private networks that do not allow general Internet connection": a contact
///   centre's links to its own SIP sites are such a network, so this is the default; with
///   ``adaptiveT1`` false (`policy/failover/adaptive_t1 = false`) T1 is the configured one
///   (500 ms), as RFC 3261 has it. Only the first retransmission interval of Timers A and E
///   moves; every lifetime the RFC defines as a multiple of T1 (64·T1 for Timers B, F, H, J, M,
///   the CANCEL guard) keeps the configured T1, so a small T1 never shortens how long a
///   transaction listens.
/// - **Back-off** (RFC 6298 §5.5): after a retransmission that was not needed
///   (``SpuriousRetransmissionDetector``, or an answer too soon after the last copy) the floored
///   T1 doubles, up to the ceiling, until the target's next valid sample. This is what keeps a
///   phone whose loop falls behind its socket from retransmitting requests whose answers already
///   wait there: the samples that would show the delay come only from requests answered within
///   T1, so without it the estimate never sees a delay longer than T1.
/// - **No sample yet** (a target never answered a request sent once): T1 is the configured T1
///   (500 ms) and the RTO is taken to be that T1 too.
/// - **Give-up** (`invite_timeout = auto`): long enough for ``transmissionsBeforeGiveUp`` = 4
///   transmissions of the INVITE at that T1 (sent at 0, T1, 3·T1, 7·T1, Timer A doubling) plus one
///   RTO for the answer to the last of them: 7·T1 + RTO, clamped to
///   [``giveUpFloor`` = 800 ms, the configured transaction timeout (`sip_transaction_timeout`,
///   4 s)]. On a link with loss p in each direction a live site then goes unanswered for a whole
///   give-up with probability about (1 − (1 − p)²)⁴ (0.13 % at 10 % loss). On loopback the floor
///   decides: a silent site costs 800 ms. With no sample it is 7·500 + 500 = 4 s, the old fixed
///   value. Any response, a provisional one included, ends the give-up: a ringing callee is
///   never a failure (the session's rule).
package struct AdaptiveTimerPolicy: Hashable, Sendable {
    /// The lowest per-target T1: 100 ms, so a server that takes a few tens of milliseconds to
    /// answer (a registrar checking a password, a loaded host) is not sent retransmissions, and a
    /// LAN site's give-up (7·100 + 100 ms) meets the give-up floor.
    package static let t1Floor = TimeAmount.milliseconds(100)
    /// The highest per-target T1: 1 s (RFC 3261 §17.1.1.1 lets T1 grow on slow links).
    package static let t1Ceiling = TimeAmount.seconds(1)
    /// The shortest automatic give-up: 800 ms, so that a busy server's 100 Trying has time to come.
    package static let giveUpFloor = TimeAmount.milliseconds(800)
    /// How many transmissions of the INVITE the automatic give-up waits for: 4.
    package static let transmissionsBeforeGiveUp = 4

    /// Whether T1 follows the target's round-trip time (`policy/failover/adaptive_t1`). Default: true.
    package var adaptiveT1: Bool

    package init(adaptiveT1: Bool = true) {
        self.adaptiveT1 = adaptiveT1
    }

    /// The T1 for a new client transaction toward a target with this estimate; `configured` is the
    /// configured T1 (500 ms by default).
    package func t1(for estimate: RoundTripEstimator?, configured: TimeAmount) -> TimeAmount {
        guard adaptiveT1, let estimate else { return configured }
        return Self.boundedTimeout(estimate)
    }

    /// The dial's automatic give-up for an INVITE toward a target with this estimate: 7·T1 + RTO,
    /// clamped to [800 ms, `transactionTimeout`] (the ceiling wins if it is below the floor).
    package func giveUp(
        for estimate: RoundTripEstimator?, configured: TimeAmount, transactionTimeout: TimeAmount
    ) -> TimeAmount {
        let t1 = t1(for: estimate, configured: configured)
        let rto = estimate.map(Self.boundedTimeout) ?? configured
        let lastTransmission = Int64((1 << (Self.transmissionsBeforeGiveUp - 1)) - 1)
        let wanted = lastTransmission * t1 + rto
        return min(max(wanted, Self.giveUpFloor), transactionTimeout)
    }

    /// The estimate's RTO between the floor and the ceiling, its back-off applied after the floor
    /// (RFC 6298 §5.5 doubles the RTO the timer used, floor included): a loopback RTO of 15 ms
    /// backed off once is 200 ms, not 30 ms raised to the 100 ms floor.
    private static func boundedTimeout(_ estimate: RoundTripEstimator) -> TimeAmount {
        let floored = clamp(estimate.unbackedRetransmissionTimeout, t1Floor, t1Ceiling)
        return min(.nanoseconds(floored.nanoseconds << estimate.backoff), t1Ceiling)
    }

    private static func clamp(_ value: TimeAmount, _ low: TimeAmount, _ high: TimeAmount) -> TimeAmount {
        min(max(value, low), high)
    }
}
