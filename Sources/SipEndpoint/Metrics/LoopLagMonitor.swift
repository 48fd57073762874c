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
/// A loop can also fall behind its socket while every tick stays short: NIO reads a bounded number of
/// datagrams per tick, so a loop without the CPU for its load keeps its timers on time while the
/// datagrams queue in the kernel (docs/PERFORMANCE.md measured 23–26 ms of lag beside 6.7–7.3 MiB
/// unread). So the probe on the listeners' loop also takes the bytes waiting in their UDP receive
/// queues (`unreadBytes`).
///
/// Rules:
/// - The next probe is due ``interval`` after the one that just ran, not after its deadline: a loop
///   stalled for a second counts one probe a second late, not four in a burst.
/// - A lag of ``warningThreshold`` or more, or ``unreadWarningBytes`` or more unread, is a late probe.
///   A warning names the worst lag, the most bytes unread and the late probes since the last warning;
///   at most one per ``warningInterval``, so a loop that stays behind writes one line a minute, not
///   four a second.
struct LoopLagMonitor: Hashable, Sendable {
    /// How often the loop is probed: fine enough to see a lag of a fraction of T1 (500 ms), coarse
    /// enough to cost an idle phone nothing (four timer wake-ups a second per loop).
    static let interval = TimeAmount.milliseconds(250)
    /// A lag from here on delays every answer past adaptive T1's 100 ms floor.
    static let warningThreshold = TimeAmount.milliseconds(100)
    /// Unread datagram bytes from here on: a quarter of the 4 MiB receive buffer the listeners ask
    /// for, hundreds of messages, well before the kernel drops any.
    static let unreadWarningBytes = 1 << 20
    /// At most one warning this often.
    static let warningInterval = TimeAmount.seconds(60)

    /// What a warning reports: the worst lag, the most bytes unread and how many probes were late
    /// since the previous one.
    struct Warning: Hashable, Sendable {
        var worstLag: TimeAmount
        var mostUnreadBytes = 0
        var lateProbes: Int
    }

    /// When the next probe is due.
    private(set) var due: NIODeadline
    private var lastWarning: NIODeadline?
    private var lateSinceWarning = 0
    private var worstSinceWarning = TimeAmount.zero
    private var mostUnreadSinceWarning = 0

    /// A monitor whose first probe is due ``interval`` after `now`.
    init(now: NIODeadline) {
        due = now + Self.interval
    }

    /// The probe ran at `now` and found `unreadBytes` waiting in the listeners' sockets (0 on a loop
    /// without them): its lag (zero when on time or early), and a warning to log, if one is due.
    mutating func probeRan(at now: NIODeadline, unreadBytes: Int = 0) -> (lag: TimeAmount, warning: Warning?) {
        let lag = max(.zero, now - due)
        due = now + Self.interval
        guard lag >= Self.warningThreshold || unreadBytes >= Self.unreadWarningBytes else { return (lag, nil) }
        lateSinceWarning += 1
        worstSinceWarning = max(worstSinceWarning, lag)
        mostUnreadSinceWarning = max(mostUnreadSinceWarning, unreadBytes)
        if let lastWarning, now - lastWarning < Self.warningInterval { return (lag, nil) }
        let warning = Warning(
            worstLag: worstSinceWarning, mostUnreadBytes: mostUnreadSinceWarning, lateProbes: lateSinceWarning)
        lastWarning = now
        lateSinceWarning = 0
        worstSinceWarning = .zero
        mostUnreadSinceWarning = 0
        return (lag, warning)
    }
}
