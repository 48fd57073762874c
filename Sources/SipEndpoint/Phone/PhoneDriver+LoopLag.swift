import NIOCore

/// The shard's loop-lag probe (``LoopLagMonitor`` holds the rules): a task scheduled on the loop at
/// the monitor's deadline, whose lateness is recorded in `sipendpoint_loop_lag_seconds` and, when it
/// reaches the monitor's threshold, logged (at most once a minute).
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
        let (lag, warning) = monitor.probeRan(at: eventLoop.now)
        lagProbe = (monitor, scheduleLagProbe(at: monitor.due))
        hub.loopLag.recordNanoseconds(lag.nanoseconds)
        if let warning {
            logger.warning(
                "the phone's event loop \(shard) ran \(warning.worstLag.nanoseconds / 1_000_000) ms late (\(warning.lateProbes) late checks since the last warning): answers and ACKs wait as long, so sites resend; move blocking work off the phone's loops or give the phone more of them (docs/HOSTING.md)"
            )
        }
    }
}
