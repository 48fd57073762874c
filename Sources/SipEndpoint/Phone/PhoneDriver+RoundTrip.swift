import NIOCore
import SIPTransaction
import SIPTransport

extension PhoneDriver {
    /// What the phone has learned of the round trip to connection `id`'s first server target: how
    /// many samples its estimate has, and the give-up a dial there would use now
    /// (`invite_timeout = auto`, ``SIPTransactionLayer/inviteGiveUp(toward:)``). Nil before the
    /// site was resolved. Call on `eventLoop`; for tests and diagnostics.
    func learnedRoundTrip(connection id: Int) -> (samples: Int, giveUp: Duration)? {
        eventLoop.assertInEventLoop()
        guard let target = engine.targets(of: id).targets.first else { return nil }
        let samples = transactions.roundTripEstimate(for: target)?.sampleCount ?? 0
        return (samples, .nanoseconds(transactions.inviteGiveUp(toward: target).nanoseconds))
    }
}
