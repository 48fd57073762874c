import NIOCore

/// The shard's loop-lag probe (``LoopLagMonitor`` holds the rules): a task scheduled on the loop at
/// the monitor's deadline, whose lateness is recorded in `sipendpoint_loop_lag_seconds`; on the
/// listeners' loop (the first shard's) it also records the bytes unread in their UDP sockets in
/// `sipendpoint_sip_unread_bytes`. Past the monitor's thresholds it logs (at most once a minute).
extension PhoneDriver {
    /// Starts probing (on the loop, as the shard starts).
    func startLagProbe() {
        let monitor = LoopLagMonitor(now: eventLoop.now)
        lagProbe = (monitor, scheduleLagProbe(at: monitor.due))
    }

    /// Stops probing (on the loop, as the shard shuts down).
    func stopLagProbe() {
        lagProbe?.task.cancel()
        lagProbe = nil
    }

    private func scheduleLagProbe(at deadline: NIODeadline) -> Scheduled<Void> {
        eventLoop.scheduleTask(deadline: deadline) { [weak self] in self?.lagProbeRan() }
    }

    private func lagProbeRan() {
        guard isRunning, var monitor = lagProbe?.monitor else { return }
        var unread = 0
        if hub.listeners.eventLoop === eventLoop, let bytes = hub.listeners.unreadDatagramBytes() {
            unread = bytes
            hub.unreadDatagrams.record(bytes)
        }
        let (lag, warning) = monitor.probeRan(at: eventLoop.now, unreadBytes: unread)
        lagProbe = (monitor, scheduleLagProbe(at: monitor.due))
        hub.loopLag.recordNanoseconds(lag.nanoseconds)
        if let warning {
            logger.warning(
                "the phone's event loop \(shard) is behind: it ran up to \(warning.worstLag.nanoseconds / 1_000_000) ms late and its SIP sockets held up to \(warning.mostUnreadBytes / 1024) KiB unread (\(warning.lateProbes) such checks since the last warning); answers and ACKs wait as long, so sites resend. Move blocking work off the phone's loops, or give the phone the CPU its load needs (docs/HOSTING.md)"
            )
        }
    }
}
