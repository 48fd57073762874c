import Metrics

/// A phone's media figures through swift-metrics (issue 8), for whatever backend the application
/// bootstrapped (Prometheus, OTel…; nothing is recorded until it does).
///
/// Per call, when it ends: packets and octets each way and lost, and the call's MOS, jitter and
/// round-trip time as recorder samples, so a dashboard shows their distribution over calls. Live: the
/// number of calls carrying media. Labels stay low-cardinality (no call ids).
struct MediaMetrics: Sendable {
    private let packetsSent = Counter(label: "sipendpoint_rtp_packets_sent_total")
    private let packetsReceived = Counter(label: "sipendpoint_rtp_packets_received_total")
    private let packetsLost = Counter(label: "sipendpoint_rtp_packets_lost_total")
    private let latePackets = Counter(label: "sipendpoint_rtp_packets_late_total")
    private let octetsSent = Counter(label: "sipendpoint_rtp_octets_sent_total")
    private let octetsReceived = Counter(label: "sipendpoint_rtp_octets_received_total")
    private let meanOpinionScore = Recorder(label: "sipendpoint_call_mos")
    private let jitter = Recorder(label: "sipendpoint_call_jitter_milliseconds")
    private let roundTripTime = Recorder(label: "sipendpoint_call_rtt_milliseconds")
    private let activeCalls = Meter(label: "sipendpoint_media_sessions")

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
