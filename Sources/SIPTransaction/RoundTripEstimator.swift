import NIOCore

/// A smoothed round-trip time and its variance for one target, as RFC 6298 §2 keeps them for TCP,
/// fed with the time from a request's first transmission to its first response.
///
/// Rules (RFC 6298 §2):
/// - The first sample R sets SRTT = R and RTTVAR = R/2.
/// - Each later sample R' sets RTTVAR = (1 − β)·RTTVAR + β·|SRTT − R'| first, then
///   SRTT = (1 − α)·SRTT + α·R', with α = 1/8 and β = 1/4.
/// - RTO = SRTT + max(G, K·RTTVAR), K = 4, G = ``clockGranularity``.
///
/// Karn's rule (RFC 6298 §3) is the caller's: a response to a request that was retransmitted says
/// nothing about which transmission it answers, so it must not be added (the transaction layer
/// only samples a client transaction whose request went out once). An ambiguous answer that shows
/// the RTO was too short, or an answer repeated after a retransmission
/// (``SpuriousRetransmissionDetector``), backs it off instead (RFC 6298 §5.5, §5.7; ``RoundTripTable`` decides):
/// it doubles, up to 16 times the estimate, until the next valid sample. A request that got no
/// answer at all backs nothing off: silence says nothing about the round trip. The RFC's 1 s floor and 60 s
/// ceiling on the RTO are not applied here: what a timer does with the RTO is
/// ``AdaptiveTimerPolicy``'s rule.
package struct RoundTripEstimator: Hashable, Sendable {
    /// G of RFC 6298: the granularity of the timers that act on the estimate (the event loop's
    /// scheduling under load, not its nanosecond clock), so a very steady link does not give an
    /// RTO equal to its SRTT. 10 ms.
    package static let clockGranularity = TimeAmount.milliseconds(10)

    /// SRTT, in nanoseconds.
    package private(set) var smoothedNanoseconds: Int64
    /// RTTVAR, in nanoseconds.
    package private(set) var varianceNanoseconds: Int64
    /// How many samples were added.
    package private(set) var sampleCount: Int
    /// How many times the RTO was doubled since the last valid sample (0…``maximumBackoff``).
    package private(set) var backoff = 0
    /// The most doublings kept: 4 (16 times the RTO).
    package static let maximumBackoff = 4

    /// An estimator from its first sample (RFC 6298 §2.2).
    package init(firstSample: TimeAmount) {
        let r = max(0, firstSample.nanoseconds)
        smoothedNanoseconds = r
        varianceNanoseconds = r / 2
        sampleCount = 1
    }

    /// Adds a round-trip sample (RFC 6298 §2.3): the variance first, from the old SRTT.
    package mutating func add(_ sample: TimeAmount) {
        let r = max(0, sample.nanoseconds)
        let deviation = abs(smoothedNanoseconds - r)
        // β = 1/4, α = 1/8, in integer nanoseconds (no overflow below 2^60 ns).
        varianceNanoseconds = (3 * varianceNanoseconds + deviation) / 4
        smoothedNanoseconds = (7 * smoothedNanoseconds + r) / 8
        sampleCount += 1
        backoff = 0
    }

    /// A response came only after the request was retransmitted (Karn's rule: no sample): double
    /// the RTO until the next valid sample (RFC 6298 §5.5).
    package mutating func backOff() {
        backoff = min(backoff + 1, Self.maximumBackoff)
    }

    /// SRTT.
    package var smoothed: TimeAmount { .nanoseconds(smoothedNanoseconds) }
    /// RTTVAR.
    package var variance: TimeAmount { .nanoseconds(varianceNanoseconds) }

    /// RTO = SRTT + max(G, 4·RTTVAR) (RFC 6298 §2.2, §2.3), doubled ``backoff`` times, before any
    /// floor or ceiling.
    package var retransmissionTimeout: TimeAmount {
        .nanoseconds(unbackedRetransmissionTimeout.nanoseconds << backoff)
    }

    /// RTO = SRTT + max(G, 4·RTTVAR) without the back-off: ``AdaptiveTimerPolicy`` floors this
    /// first and doubles the floored value.
    package var unbackedRetransmissionTimeout: TimeAmount {
        .nanoseconds(smoothedNanoseconds + max(Self.clockGranularity.nanoseconds, 4 * varianceNanoseconds))
    }
}
