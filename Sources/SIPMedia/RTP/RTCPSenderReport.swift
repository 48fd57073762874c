/// An RTCP sender report, packet type 200 (RFC 3550 §6.4.1): sent by a participant that sent RTP since
/// its previous report. Profile-specific extensions after the report blocks are skipped on reading.
///
///     |V=2|P|    RC   |   PT=SR=200   |             length            |
///     |                         SSRC of sender                        |
///     |              NTP timestamp, most significant word             |
///     |             NTP timestamp, least significant word             |
///     |                         RTP timestamp                         |
///     |                     sender's packet count                     |
///     |                      sender's octet count                     |
///     |                    report blocks (RC × 24 bytes)              |
package struct RTCPSenderReport: Sendable, Hashable {
    package var ssrc: UInt32
    /// Wallclock when the report was sent, NTP format: seconds since 1900 in the top 32 bits, fraction below.
    package var ntpTimestamp: UInt64
    /// The same instant on the RTP media clock, so a receiver can map between them.
    package var rtpTimestamp: UInt32
    package var packetCount: UInt32
    /// Payload octets sent, headers and padding excluded.
    package var octetCount: UInt32
    /// At most 31 (the RC field is 5 bits).
    package var reportBlocks: [RTCPReportBlock]

    package init(
        ssrc: UInt32,
        ntpTimestamp: UInt64,
        rtpTimestamp: UInt32,
        packetCount: UInt32,
        octetCount: UInt32,
        reportBlocks: [RTCPReportBlock] = []
    ) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reportBlocks = reportBlocks
    }

    static let packetType: UInt8 = 200
    /// SSRC, NTP (8), RTP timestamp, packet and octet counts: the sender info after the common header.
    static let fixedBodySize = 24

    /// Reads the body (after the 4-byte common header) of one SR.
    init(body bytes: [UInt8], range: Range<Int>, reportCount: Int) throws(RTCPParseError) {
        let start = range.lowerBound
        guard range.count >= Self.fixedBodySize + reportCount * RTCPReportBlock.size,
            let ssrc = bytes.networkUInt32(at: start),
            let ntpHigh = bytes.networkUInt32(at: start + 4),
            let ntpLow = bytes.networkUInt32(at: start + 8),
            let rtpTimestamp = bytes.networkUInt32(at: start + 12),
            let packetCount = bytes.networkUInt32(at: start + 16),
            let octetCount = bytes.networkUInt32(at: start + 20)
        else { throw RTCPParseError(.truncatedReport, "SR of \(range.count) bytes with \(reportCount) blocks") }
        var blocks: [RTCPReportBlock] = []
        blocks.reserveCapacity(reportCount)
        for index in 0..<reportCount {
            guard let block = RTCPReportBlock(bytes, at: start + Self.fixedBodySize + index * RTCPReportBlock.size)
            else { throw RTCPParseError(.truncatedReport, "SR report block \(index) cut short") }
            blocks.append(block)
        }
        self.init(
            ssrc: ssrc,
            ntpTimestamp: UInt64(ntpHigh) << 32 | UInt64(ntpLow),
            rtpTimestamp: rtpTimestamp,
            packetCount: packetCount,
            octetCount: octetCount,
            reportBlocks: blocks
        )
    }

    /// - Precondition: at most 31 report blocks (the caller's values).
    func append(to bytes: inout [UInt8]) {
        precondition(reportBlocks.count <= 31, "an SR carries at most 31 report blocks")
        let size = 4 + Self.fixedBodySize + reportBlocks.count * RTCPReportBlock.size
        bytes.append(2 << 6 | UInt8(reportBlocks.count))
        bytes.append(Self.packetType)
        bytes.appendNetworkUInt16(UInt16(size / 4 - 1))
        bytes.appendNetworkUInt32(ssrc)
        bytes.appendNetworkUInt32(UInt32(truncatingIfNeeded: ntpTimestamp >> 32))
        bytes.appendNetworkUInt32(UInt32(truncatingIfNeeded: ntpTimestamp))
        bytes.appendNetworkUInt32(rtpTimestamp)
        bytes.appendNetworkUInt32(packetCount)
        bytes.appendNetworkUInt32(octetCount)
        for block in reportBlocks { block.append(to: &bytes) }
    }
}
