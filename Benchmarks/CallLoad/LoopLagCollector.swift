import CoreMetrics
import Synchronization

/// The phone's loop-lag samples (`sipendpoint_loop_lag_seconds`, docs/METRICS.md) during a run: their
/// maximum and how many reached 100 ms, the lag from which the phone answers after adaptive T1's floor;
/// and the most bytes its SIP socket held unread (`sipendpoint_sip_unread_bytes`). Every other metric
/// is dropped. Shows, beside the call rate, whether the phone fell behind its loop or its socket.
final class LoopLagCollector: MetricsFactory, Sendable {
    private let state = Mutex<(maximum: Int64, late: Int, unread: Int64)>((0, 0, 0))

    /// The largest lag recorded.
    var maximum: Duration { .nanoseconds(state.withLock { $0.maximum }) }
    /// Lags of 100 ms or more.
    var lateProbes: Int { state.withLock { $0.late } }
    /// The most bytes the SIP socket held unread at a probe.
    var mostUnreadBytes: Int { Int(state.withLock { $0.unread }) }

    fileprivate func record(_ nanoseconds: Int64) {
        state.withLock {
            $0.maximum = max($0.maximum, nanoseconds)
            if nanoseconds >= 100_000_000 { $0.late += 1 }  // the SDK's warning threshold (LoopLagMonitor)
        }
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        label == "sipendpoint_loop_lag_seconds" ? Lag(collector: self) : NOOPMetricsHandler.instance
    }
    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        NOOPMetricsHandler.instance
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        label == "sipendpoint_sip_unread_bytes" ? Unread(collector: self) : NOOPMetricsHandler.instance
    }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    private final class Unread: RecorderHandler, Sendable {
        let collector: LoopLagCollector
        init(collector: LoopLagCollector) { self.collector = collector }
        func record(_ value: Int64) { collector.state.withLock { $0.unread = max($0.unread, value) } }
        func record(_ value: Double) {
            // The phone records whole bytes; a Double from elsewhere is taken only when it fits.
            guard let bytes = Int64(exactly: value.rounded()) else { return }
            record(bytes)
        }
    }

    private final class Lag: TimerHandler, Sendable {
        let collector: LoopLagCollector
        init(collector: LoopLagCollector) { self.collector = collector }
        func recordNanoseconds(_ duration: Int64) { collector.record(duration) }
    }
}
