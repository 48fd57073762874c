import NIOCore

/// The timings of one binding, in the terms of RFC 3261 §10 and RFC 5626 §4.5 (the configuration
/// loader maps `SipEndpoint.config`'s names onto them; this type knows none of those names).
///
/// Negative durations are taken as zero, a probe failure threshold below one as one.
package struct RegistrationPolicy: Hashable, Sendable {
    /// The binding lifetime asked for in Expires (RFC 3261 §10.2.1); zero means "do not register"
    /// (the connection is then watched by OPTIONS probes only). Whole seconds on the wire, at most
    /// 2³²−1. Default: 3600 s.
    package var expires: Duration

    /// RFC 5626 §4.5 base-time: the back-off base after a failed registration; zero means
    /// ``defaultBaseTime``. Default: 30 s.
    package var baseTime: Duration

    /// RFC 5626 §4.5 max-time: the back-off cap; a cap below the base is taken as the base.
    /// Default: 1800 s.
    package var maxTime: Duration

    /// Time between OPTIONS health probes while the connection is ready or failed; zero turns
    /// probing off. The driver sends one probe per site target for all bindings on it
    /// (``SiteProbeTable``). Default: 10 s.
    package var probeInterval: Duration

    /// Consecutive failed probes that make a ready connection failed. Default: 1.
    package var probeFailureThreshold: Int

    /// How long a stop waits for the answer to its un-REGISTER (Expires 0) before the connection
    /// is disabled anyway. Default: 5 s (one transaction timeout of 4 s plus a margin).
    package var unregisterWait: Duration

    /// The refresh goes out at 90 % of the granted lifetime but never later than this before the
    /// binding ends (and never before half of it), so that a refresh that takes a whole transaction
    /// timeout still lands in time. Default: 5 s.
    package var refreshMargin: Duration

    /// Creates a policy; every argument defaults to the value documented on its field.
    package init(
        expires: Duration = .seconds(3600),
        baseTime: Duration = .seconds(30),
        maxTime: Duration = .seconds(1800),
        probeInterval: Duration = .seconds(10),
        probeFailureThreshold: Int = 1,
        unregisterWait: Duration = .seconds(5),
        refreshMargin: Duration = .seconds(5)
    ) {
        self.expires = expires
        self.baseTime = baseTime
        self.maxTime = maxTime
        self.probeInterval = probeInterval
        self.probeFailureThreshold = probeFailureThreshold
        self.unregisterWait = unregisterWait
        self.refreshMargin = refreshMargin
    }

    /// The back-off base used when ``baseTime`` is zero (RFC 5626 §4.5 suggests 30 s for a flow
    /// that failed).
    package static let defaultBaseTime = Duration.seconds(30)

    /// No registration retry is scheduled sooner than this after a failure, whatever the base, the
    /// jitter or a Retry-After say: a registrar that refuses every REGISTER at once (a wrong
    /// password) then sees at most one attempt a second, never a loop.
    package static let minimumRetryDelay = TimeAmount.seconds(1)

    /// The back-off base in force: ``baseTime``, or ``defaultBaseTime`` when it is zero or less.
    package var retryBase: Duration { baseTime > .zero ? baseTime : Self.defaultBaseTime }

    /// The back-off cap in force: ``maxTime``, raised to ``retryBase`` when below it.
    package var retryCap: Duration { max(maxTime, retryBase) }

    /// Whether the connection registers at all.
    package var registers: Bool { expiresSeconds > 0 }

    /// Whether OPTIONS probes run.
    package var probes: Bool { probeInterval > .zero }

    /// ``expires`` as the whole seconds of the Expires header: 0…2³²−1.
    var expiresSeconds: Int { Int(min(max(0, expires.components.seconds), Int64(UInt32.max))) }
    var probePeriod: TimeAmount { TimeAmount(max(.zero, probeInterval)) }
    var failureThreshold: Int { max(1, probeFailureThreshold) }
    var unregisterTimeout: TimeAmount { TimeAmount(max(.zero, unregisterWait)) }

    /// When to refresh a binding granted for `granted` seconds:
    /// `max(granted/2, min(0.9·granted, granted − margin))`.
    ///
    /// 3600 → 3240 s, 60 → 54 s, 30 → 25 s, 10 → 5 s, 4 → 2 s. The half-lifetime floor only
    /// matters for grants of about twice the margin or less, where "margin before the end" would
    /// refresh at once and loop.
    package func refreshDelay(granted: Int) -> TimeAmount {
        let g = Int64(max(1, granted)) * 1000
        let ninety = g * 9 / 10
        let margin = TimeAmount(max(.zero, refreshMargin)).nanoseconds / 1_000_000
        let beforeEnd = g - margin
        return .milliseconds(max(g / 2, min(ninety, beforeEnd)))
    }

    /// The RFC 5626 §4.5 upper bound W = min(max-time, base-time · 2^failures), failures ≥ 1
    /// counting the one just seen, with ``retryBase`` and ``retryCap``. The wait is a random
    /// 50–100 % of it, and never below ``minimumRetryDelay``.
    package func backoffCeiling(consecutiveFailures failures: Int) -> TimeAmount {
        let base = TimeAmount(retryBase).nanoseconds
        let cap = TimeAmount(retryCap).nanoseconds
        let exponent = min(max(0, failures), 32)
        let (scaled, overflow) = base.multipliedReportingOverflow(by: Int64(1) << exponent)
        return .nanoseconds(overflow ? cap : min(cap, scaled))
    }
}
