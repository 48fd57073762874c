import NIOCore

/// How late a shard's event loop runs its work, as a value: a probe is due every ``interval``; each
/// time it runs, the time past its deadline is the loop's lag (work queued ahead of it, or a thread
/// that did not get a core). Time is an input; the driver (``PhoneDriver``) schedules the probe at
/// ``due``, records each lag in `sipendpoint_loop_lag_seconds` and logs the warnings.
///
/// Why it matters: everything a line does waits its turn on that loop. A loop 100 ms behind answers
/// later than adaptive T1's floor, so the phone resends requests whose answers are already queued; a
/// loop 500 ms behind ACKs a site's 200 after the far end's T1, so the far end resends it and the site
/// forwards it again (docs/PERFORMANCE.md measured the site spending 40 % more per call behind such a
/// phone). A back end sees it here before calls fail.
///
/// Rules:
/// - The next probe is due ``interval`` after the one that just ran, not after its deadline: a loop
///   stalled for a second counts one probe a second late, not four in a burst.
/// - A lag of ``warningThreshold`` or more is a late probe. A warning names the worst lag and the late
///   probes since the last warning; at most one per ``warningInterval``, so a loop that stays behind
///   writes one line a minute, not four a second.
struct LoopLagMonitor: Hashable, Sendable {
    /// How often the loop is probed: fine enough to see a lag of a fraction of T1 (500 ms), coarse
    /// enough to cost an idle phone nothing (four timer wake-ups a second per loop).
    static let interval = TimeAmount.milliseconds(250)
    /// A lag from here on delays every answer past adaptive T1's 100 ms floor.
    static let warningThreshold = TimeAmount.milliseconds(100)
    /// At most one warning this often.
    static let warningInterval = TimeAmount.seconds(60)

    /// What a warning reports: the worst lag and how many probes were late since the previous one.
    struct Warning: Hashable, Sendable {
        var worstLag: TimeAmount
        var lateProbes: Int
    }

    /// When the next probe is due.
    private(set) var due: NIODeadline
    private var lastWarning: NIODeadline?
    private var lateSinceWarning = 0
    private var worstSinceWarning = TimeAmount.zero

    /// A monitor whose first probe is due ``interval`` after `now`.
    init(now: NIODeadline) {
        due = now + Self.interval
    }

    /// The probe ran at `now`: its lag (zero when on time or early), and a warning to log, if one is due.
    mutating func probeRan(at now: NIODeadline) -> (lag: TimeAmount, warning: Warning?) {
        let lag = max(.zero, now - due)
        due = now + Self.interval
        guard lag >= Self.warningThreshold else { return (lag, nil) }
        lateSinceWarning += 1
        worstSinceWarning = max(worstSinceWarning, lag)
        if let lastWarning, now - lastWarning < Self.warningInterval { return (lag, nil) }
        let warning = Warning(worstLag: worstSinceWarning, lateProbes: lateSinceWarning)
        lastWarning = now
        lateSinceWarning = 0
        worstSinceWarning = .zero
        return (lag, warning)
    }
}
