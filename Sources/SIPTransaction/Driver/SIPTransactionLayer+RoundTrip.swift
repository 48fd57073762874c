import NIOCore
import SIPTransport

/// The transaction layer's round-trip estimates (``RoundTripTable``) and what they set: the T1 of
/// new client transactions and a dial's automatic give-up (``AdaptiveTimerPolicy``).
extension SIPTransactionLayer {
    /// The round-trip estimate for `target`, nil before its first sample. Call on `eventLoop`.
    package func roundTripEstimate(for target: SIPTransportTarget) -> RoundTripEstimator? {
        eventLoop.assertInEventLoop()
        return roundTrips.estimate(for: target)
    }

    /// The T1 a new client transaction toward `target` retransmits at (nil on a reliable transport,
    /// which never retransmits, and when it is the configured T1).
    func retransmissionT1(toward target: SIPTransportTarget) -> TimeAmount? {
        guard !target.transport.isReliable else { return nil }
        let t1 = adaptiveTimers.t1(for: roundTrips.estimate(for: target), configured: timerConfiguration.t1)
        return t1 == timerConfiguration.t1 ? nil : t1
    }

    /// A dial's automatic give-up (`invite_timeout = auto`) for an INVITE sent to `target` now:
    /// ``AdaptiveTimerPolicy/giveUp(for:configured:transactionTimeout:)`` with this target's
    /// estimate, between 800 ms and the configured transaction timeout. Call on `eventLoop`.
    package func inviteGiveUp(toward target: SIPTransportTarget) -> TimeAmount {
        eventLoop.assertInEventLoop()
        return adaptiveTimers.giveUp(
            for: roundTrips.estimate(for: target), configured: timerConfiguration.t1,
            transactionTimeout: timerConfiguration.transactionTimeout)
    }
}
