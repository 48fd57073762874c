import NIOCore

/// The RTCP side of one stream (RFC 3550 §6): when to report, what to put in our reports, and what
/// the peer's reports tell us — the round-trip time and how our packets fare on their side.
///
/// Round-trip time (§6.4.1, figure 2): the peer's report block echoes the middle 32 bits of our last
/// SR's NTP time (LSR) and how long it held it (DLSR); `A − LSR − DLSR` at arrival is the round trip.
/// So an RTT appears only once we have sent an SR and the peer has reported on it.
///
/// Interval (§6.3, A.7): two-party sessions at G.711 rate, randomised 0.5–1.5 around the 5 s minimum
/// (2.5 s before the first report); the random factor is an input so tests are repeatable.
package struct RTCPReporting: Sendable {
    package let ssrc: UInt32
    package let cname: String
    private var nextReport: NIODeadline
    private var isInitial = true
    private var packetCountAtLastReport: UInt32 = 0
    /// The peer's last SR: the middle 32 bits of its NTP time, and when it arrived.
    private var lastSenderReport: (middle32: UInt32, arrival: NIODeadline)?
    /// From the last report block about our SSRC.
    package private(set) var roundTripTime: Double?
    package private(set) var remoteReport: RTCPReportBlock?
    package private(set) var reportsSent = 0
    package private(set) var reportsReceived = 0
    /// The peer said BYE (§6.6).
    package private(set) var peerSaidBye = false
    private var averagePacketSize: Double = 100

    /// G.711 is 64 kbit/s; with IP/UDP/RTP headers at 50 packets a second about 80 kbit/s, of which RTCP
    /// may take 5 % (§6.2). Bytes per second.
    private static let sessionBandwidth = 80_000.0 / 8

    package init(ssrc: UInt32, cname: String, now: NIODeadline) {
        self.ssrc = ssrc
        self.cname = cname
        self.nextReport = now + .milliseconds(Int64(2500))
    }

    package func isDue(now: NIODeadline) -> Bool { now >= nextReport }

    /// Reads one compound packet; false when it is not valid RTCP (A.2).
    package mutating func receive(_ bytes: [UInt8], now: NIODeadline, wallClock: NTPTimestamp) -> Bool {
        guard let compound = try? RTCPCompoundPacket(parsing: bytes) else { return false }
        reportsReceived += 1
        averagePacketSize += (Double(bytes.count + 28) - averagePacketSize) / 16  // A.7: avg_rtcp_size
        for report in compound.reports {
            let blocks: [RTCPReportBlock]
            switch report {
            case .senderReport(let sr):
                lastSenderReport = (NTPTimestamp(rawValue: sr.ntpTimestamp).middle32, now)
                blocks = sr.reportBlocks
            case .receiverReport(let rr):
                blocks = rr.reportBlocks
            }
            for block in blocks where block.ssrc == ssrc {
                remoteReport = block
                if let rtt = RoundTripTime.seconds(
                    arrival: wallClock, lastSenderReport: block.lastSenderReport,
                    delaySinceLastSenderReport: block.delaySinceLastSenderReport)
                {
                    roundTripTime = rtt
                }
            }
        }
        if compound.goodbye != nil { peerSaidBye = true }
        return true
    }

    /// Our compound packet: SR when we sent since the last report, else RR; one report block about the
    /// peer when it has sent; SDES CNAME always (§6.1); BYE when leaving (§6.6).
    package mutating func makeReport(
        now: NIODeadline, wallClock: NTPTimestamp, randomFactor: Double, sender: RTPSender,
        reception: (ssrc: UInt32, report: ReceptionReport)?, bye: Bool
    ) -> [UInt8] {
        var blocks: [RTCPReportBlock] = []
        if let reception {
            var lsr: UInt32 = 0
            var dlsr: UInt32 = 0
            if let last = lastSenderReport {
                lsr = last.middle32
                let held = max(0, (now - last.arrival).nanoseconds)
                dlsr = UInt32(clamping: held * 65536 / 1_000_000_000)
            }
            blocks.append(
                RTCPReportBlock(
                    ssrc: reception.ssrc, fractionLost: reception.report.fractionLost,
                    cumulativeLost: reception.report.cumulativeLost,
                    extendedHighestSequenceNumber: reception.report.extendedHighestSequence,
                    interarrivalJitter: reception.report.jitter, lastSenderReport: lsr, delaySinceLastSenderReport: dlsr
                ))
        }
        let weSent = sender.packetCount != packetCountAtLastReport
        packetCountAtLastReport = sender.packetCount
        let report: RTCPReport =
            weSent
            ? .senderReport(
                RTCPSenderReport(
                    ssrc: ssrc, ntpTimestamp: wallClock.rawValue, rtpTimestamp: sender.timestamp,
                    packetCount: sender.packetCount, octetCount: sender.octetCount, reportBlocks: blocks))
            : .receiverReport(RTCPReceiverReport(ssrc: ssrc, reportBlocks: blocks))
        let bytes = RTCPCompoundPacket(
            reports: [report], sourceDescriptions: [RTCPSourceDescription(ssrc: ssrc, cname: cname)],
            goodbye: bye ? RTCPGoodbye(ssrcs: [ssrc]) : nil
        ).serialized()
        reportsSent += 1
        averagePacketSize += (Double(bytes.count + 28) - averagePacketSize) / 16
        let interval = RTCPInterval.interval(
            members: 2, senders: weSent ? 2 : 1, weSent: weSent, averagePacketSize: averagePacketSize,
            sessionBandwidth: Self.sessionBandwidth, initial: isInitial, randomFactor: randomFactor)
        isInitial = false
        nextReport = now + .nanoseconds(Int64(interval * 1e9))
        return bytes
    }
}
