import Metrics
import NIOCore

/// A phone's media figures through swift-metrics, for whatever backend the application
/// bootstrapped (Prometheus, OTel…; nothing is recorded until it does).
///
/// Counters (packets and octets each way, lost, late) move every ``publishInterval`` while calls run
/// and once more when each ends; the call's MOS, jitter and round-trip time are recorded once, at its
/// end, so a dashboard shows their distribution over calls. Live: the number of calls carrying media.
/// Labels stay low-cardinality (no call ids).
struct MediaMetrics: Sendable {
    private let packetsSent: Counter
    private let packetsReceived: Counter
    private let packetsLost: Counter
    private let latePackets: Counter
    private let octetsSent: Counter
    private let octetsReceived: Counter
    /// SRTP/SRTCP packets dropped for a bad tag or a replay: forged or misrouted media, worth an alert.
    private let srtpRejected: Counter
    private let meanOpinionScore: Recorder
    private let jitter: Recorder
    private let roundTripTime: Recorder
    private let activeCalls: Meter

    /// - Parameter factory: the backend; nil: the one bootstrapped in `MetricsSystem`.
    init(factory: (any MetricsFactory)? = nil) {
        let factory = factory ?? MetricsSystem.factory
        packetsSent = Counter(label: "sipendpoint_rtp_packets_sent_total", factory: factory)
        packetsReceived = Counter(label: "sipendpoint_rtp_packets_received_total", factory: factory)
        packetsLost = Counter(label: "sipendpoint_rtp_packets_lost_total", factory: factory)
        latePackets = Counter(label: "sipendpoint_rtp_packets_late_total", factory: factory)
        octetsSent = Counter(label: "sipendpoint_rtp_octets_sent_total", factory: factory)
        octetsReceived = Counter(label: "sipendpoint_rtp_octets_received_total", factory: factory)
        srtpRejected = Counter(label: "sipendpoint_srtp_rejected_packets_total", factory: factory)
        meanOpinionScore = Recorder(label: "sipendpoint_call_mos", factory: factory)
        jitter = Recorder(label: "sipendpoint_call_jitter_milliseconds", factory: factory)
        roundTripTime = Recorder(label: "sipendpoint_call_rtt_milliseconds", factory: factory)
        activeCalls = Meter(label: "sipendpoint_media_sessions", factory: factory)
    }

    /// How often a live call's counters move: often enough for a dashboard, rare enough to cost nothing.
    static let publishInterval = TimeAmount.seconds(5)

    func callStarted() { activeCalls.increment() }

    /// Adds what a call counted since `previous` (its last publication, nil for none) to the counters.
    func publish(_ s: MediaStatistics, since previous: MediaStatistics?) {
        func delta(_ now: UInt64, _ before: UInt64?) -> Int64 { Int64(clamping: now &- min(now, before ?? 0)) }
        packetsSent.increment(by: delta(s.packetsSent, previous?.packetsSent))
        packetsReceived.increment(by: delta(s.packetsReceived, previous?.packetsReceived))
        octetsSent.increment(by: delta(s.octetsSent, previous?.octetsSent))
        octetsReceived.increment(by: delta(s.octetsReceived, previous?.octetsReceived))
        packetsLost.increment(by: max(0, s.packetsLost - max(0, previous?.packetsLost ?? 0)))
        latePackets.increment(by: Int64(max(0, s.latePackets - (previous?.latePackets ?? 0))))
        srtpRejected.increment(
            by: delta(
                s.authenticationFailures + s.replayedPackets,
                previous.map { $0.authenticationFailures + $0.replayedPackets }))
    }

    /// The call's last counts, and its quality as one sample each.
    func callEnded(_ s: MediaStatistics, since previous: MediaStatistics?) {
        activeCalls.decrement()
        publish(s, since: previous)
        meanOpinionScore.record(s.meanOpinionScore)
        jitter.record(s.jitterMilliseconds)
        if let rtt = s.roundTripTimeMilliseconds { roundTripTime.record(rtt) }
    }
}
