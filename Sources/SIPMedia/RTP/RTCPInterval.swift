/// How long to wait before the next RTCP compound packet (RFC 3550 §6.3.1, the `rtcp_interval()` of
/// Appendix A.7). Pure: the random factor is an input, so the session draws it and tests fix it.
///
/// - §6.2: RTCP gets 5 % of the session bandwidth; §6.2 / A.7 give senders a quarter of that when they
///   are at most a quarter of the members, so a receiver-only crowd cannot starve the senders' reports.
/// - §6.2: a 5 s minimum, halved for the first report so a new member is heard from quickly.
/// - §6.3.1: the result is scaled by a factor uniform in [0.5, 1.5] so members do not synchronise, then
///   divided by e − 3/2 to compensate for the timer reconsideration pulling the average down (§6.3.3).
///
/// Deviation: a non-positive or non-finite bandwidth uses the minimum interval instead of dividing by
/// it; members below one count as one, senders below zero as zero, and the factor is clamped into
/// [0.5, 1.5].
package enum RTCPInterval {
    /// §6.2: Tmin.
    package static let minimumSeconds: Double = 5
    /// §6.2: the share of the session bandwidth RTCP may use.
    package static let rtcpBandwidthFraction = 0.05
    /// A.7: RTCP_SENDER_BW_FRACTION; receivers get the other 0.75.
    package static let senderBandwidthFraction = 0.25
    /// A.7: COMPENSATION, e − 3/2.
    package static let compensation = 2.718_281_828_459_045 - 1.5

    /// The deterministic interval before randomisation, Td of §6.3.1, in seconds.
    ///
    /// - Parameters:
    ///   - members: Members of the session, us included.
    ///   - senders: Members that sent RTP since the last two reports, us included if `weSent`.
    ///   - averagePacketSize: avg_rtcp_size of §6.3.3, bytes, lower-layer headers included.
    ///   - sessionBandwidth: Session bandwidth in bytes per second (64,000 × 1.05 / 8 for G.711, say).
    package static func deterministicInterval(
        members: Int,
        senders: Int,
        weSent: Bool,
        averagePacketSize: Double,
        sessionBandwidth: Double,
        initial: Bool
    ) -> Double {
        let minimum = initial ? minimumSeconds / 2 : minimumSeconds
        var bandwidth = sessionBandwidth * rtcpBandwidthFraction
        var n = Double(max(members, 1))
        let senderCount = Double(max(senders, 0))
        if senderCount <= n * senderBandwidthFraction {
            if weSent {
                bandwidth *= senderBandwidthFraction
                n = senderCount
            } else {
                bandwidth *= 1 - senderBandwidthFraction
                n -= senderCount
            }
        }
        guard bandwidth.isFinite, bandwidth > 0, averagePacketSize.isFinite else { return minimum }
        return max(averagePacketSize * n / bandwidth, minimum)
    }

    /// §6.3.1 / A.7: the interval to the next report, in seconds.
    /// - Parameter randomFactor: Uniform in 0.5…1.5, drawn by the caller for each interval.
    package static func interval(
        members: Int,
        senders: Int,
        weSent: Bool,
        averagePacketSize: Double,
        sessionBandwidth: Double,
        initial: Bool,
        randomFactor: Double
    ) -> Double {
        let td = deterministicInterval(
            members: members, senders: senders, weSent: weSent, averagePacketSize: averagePacketSize,
            sessionBandwidth: sessionBandwidth, initial: initial)
        let factor = randomFactor.isFinite ? min(max(randomFactor, 0.5), 1.5) : 1
        return td * factor / compensation
    }
}
