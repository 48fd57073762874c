import NIOCore

/// The registration and health settings of one connection: the `proxies/proxyN` settings of
/// `SipEndpoint.config`, plus the few timings the registration machine needs that
/// the file does not name. The XML loader only fills this struct.
///
/// Negative values are treated as zero, and a failure threshold below one as one.
package struct RegistrationPolicy: Hashable, Sendable {
    /// `reregister_in_seconds` (alias `reg_timeout`): the registration lifetime asked for, in
    /// seconds; 0 means "do not register" (the connection is then watched by OPTIONS probes only).
    /// Default: 3600.
    package var reregisterInSeconds: Int

    /// `reg_interval`: the back-off base after a failure, in seconds (RFC 5626 §4.5 base-time);
    /// 0 (or less) means the default base, ``defaultRetryBase``. Default: 30.
    package var regInterval: Int

    /// `reg_retry_max`: the back-off cap, in seconds (RFC 5626 §4.5 max-time); a cap below the
    /// base is taken as the base. Default: 1800.
    package var regRetryMax: Int

    /// `options_interval`: seconds between OPTIONS health probes while the connection is ready or
    /// failed; 0 turns probing off. The driver sends one probe per site target for all bindings
    /// on it (``SiteProbeTable``). Default: 10.
    package var optionsInterval: Int

    /// `options_failure_threshold`: consecutive failed probes that make a ready connection
    /// failed. Default: 1.
    package var optionsFailureThreshold: Int

    /// `keepalive_interval`: seconds between CRLF keep-alives on TCP/TLS (RFC 5626 §4.4.1); 0 is
    /// off. The transport sends them; a flow they find dead arrives here as "flow lost".
    /// Default: 30.
    package var keepaliveInterval: Int

    /// How long a stop waits for the answer to its un-REGISTER (Expires 0) before the connection
    /// is disabled anyway, in seconds. Default: 5 (one transaction timeout of 4 s plus a margin).
    package var unregisterWaitSeconds: Int

    /// The refresh goes out at 90 % of the granted lifetime but never later than this many seconds
    /// before the binding ends (and never before half of it), so that a refresh that takes a
    /// whole transaction timeout still lands in time. Default: 5.
    package var refreshMarginSeconds: Int

    /// Creates a policy; every argument defaults to the value documented on its field.
    package init(
        reregisterInSeconds: Int = 3600,
        regInterval: Int = 30,
        regRetryMax: Int = 1800,
        optionsInterval: Int = 10,
        optionsFailureThreshold: Int = 1,
        keepaliveInterval: Int = 30,
        unregisterWaitSeconds: Int = 5,
        refreshMarginSeconds: Int = 5
    ) {
        self.reregisterInSeconds = reregisterInSeconds
        self.regInterval = regInterval
        self.regRetryMax = regRetryMax
        self.optionsInterval = optionsInterval
        self.optionsFailureThreshold = optionsFailureThreshold
        self.keepaliveInterval = keepaliveInterval
        self.unregisterWaitSeconds = unregisterWaitSeconds
        self.refreshMarginSeconds = refreshMarginSeconds
    }

    /// The back-off base used when `reg_interval` is 0 (RFC 5626 §4.5 suggests 30 s for a flow
    /// that failed).
    package static let defaultRetryBase = 30

    /// No registration retry is scheduled sooner than this after a failure, whatever the base, the
    /// jitter or a Retry-After say: a registrar that refuses every REGISTER at once (a wrong
    /// password) then sees at most one attempt a second, never a loop.
    package static let minimumRetryDelay = TimeAmount.seconds(1)

    /// The back-off base in force: `reg_interval`, or ``defaultRetryBase`` when it is 0 or less.
    package var retryBase: Int { regInterval > 0 ? regInterval : Self.defaultRetryBase }

    /// The back-off cap in force: `reg_retry_max`, raised to ``retryBase`` when below it.
    package var retryCap: Int { max(regRetryMax, retryBase) }

    /// Whether the connection registers at all.
    package var registers: Bool { reregisterInSeconds > 0 }

    /// Whether OPTIONS probes run.
    package var probes: Bool { optionsInterval > 0 }

    var lifetime: Int { min(max(0, reregisterInSeconds), Int(UInt32.max)) }
    var probeInterval: TimeAmount { .seconds(Int64(max(0, optionsInterval))) }
    var failureThreshold: Int { max(1, optionsFailureThreshold) }
    var unregisterWait: TimeAmount { .seconds(Int64(max(0, unregisterWaitSeconds))) }

    /// When to refresh a binding granted for `granted` seconds:
    /// `max(granted/2, min(0.9·granted, granted − margin))`.
    ///
    /// 3600 → 3240 s, 60 → 54 s, 30 → 25 s, 10 → 5 s, 4 → 2 s. The half-lifetime floor only
    /// matters for grants of about twice the margin or less, where "margin before the end" would
    /// refresh at once and loop.
    package func refreshDelay(granted: Int) -> TimeAmount {
        let g = Int64(max(1, granted)) * 1000
        let ninety = g * 9 / 10
        let beforeEnd = g - Int64(max(0, refreshMarginSeconds)) * 1000
        return .milliseconds(max(g / 2, min(ninety, beforeEnd)))
    }

    /// The RFC 5626 §4.5 upper bound W = min(max-time, base-time · 2^failures), failures ≥ 1
    /// counting the one just seen, with ``retryBase`` and ``retryCap``. The wait is a random
    /// 50–100 % of it, and never below ``minimumRetryDelay``.
    package func backoffCeiling(consecutiveFailures failures: Int) -> TimeAmount {
        let base = Int64(retryBase)
        let cap = Int64(retryCap)
        let exponent = min(max(0, failures), 32)
        let (scaled, overflow) = base.multipliedReportingOverflow(by: Int64(1) << exponent)
        return .seconds(overflow ? cap : min(cap, scaled))
    }
}
