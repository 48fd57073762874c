import Metrics

/// A phone's media figures through swift-metrics (issue 8), for whatever backend the application
/// bootstrapped (Prometheus, OTel…; nothing is recorded until it does).
///
/// Per call, when it ends: packets and octets each way and lost, and the call's MOS, jitter and
/// round-trip time as recorder samples, so a dashboard shows their distribution over calls. Live: the
/// number of calls carrying media. Labels stay low-cardinality (no call ids).
struct MediaMetrics: Sendable {
    private let packetsSent: Counter
    private let packetsReceived: Counter
    private let packetsLost: Counter
    private let latePackets: Counter
    private let octetsSent: Counter
    private let octetsReceived: Counter
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
        meanOpinionScore = Recorder(label: "sipendpoint_call_mos", factory: factory)
        jitter = Recorder(label: "sipendpoint_call_jitter_milliseconds", factory: factory)
        roundTripTime = Recorder(label: "sipendpoint_call_rtt_milliseconds", factory: factory)
        activeCalls = Meter(label: "sipendpoint_media_sessions", factory: factory)
    }

    func callStarted() { activeCalls.increment() }

    func callEnded(_ s: MediaStatistics) {
        activeCalls.decrement()
        packetsSent.increment(by: Int64(clamping: s.packetsSent))
        packetsReceived.increment(by: Int64(clamping: s.packetsReceived))
        packetsLost.increment(by: max(0, s.packetsLost))
        latePackets.increment(by: Int64(s.latePackets))
        octetsSent.increment(by: Int64(clamping: s.octetsSent))
        octetsReceived.increment(by: Int64(clamping: s.octetsReceived))
        meanOpinionScore.record(s.meanOpinionScore)
        jitter.record(s.jitterMilliseconds)
        if let rtt = s.roundTripTimeMilliseconds { roundTripTime.record(rtt) }
    }
}
