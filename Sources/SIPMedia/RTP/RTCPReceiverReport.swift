/// An RTCP receiver report, packet type 201 (RFC 3550 §6.4.2): the SR without sender info, sent by a
/// participant that has not sent RTP since its previous report. Profile-specific extensions after the
/// report blocks are skipped on reading.
///
///     |V=2|P|    RC   |   PT=RR=201   |             length            |
///     |                     SSRC of packet sender                     |
///     |                    report blocks (RC × 24 bytes)              |
package struct RTCPReceiverReport: Sendable, Hashable {
    package var ssrc: UInt32
    /// At most 31 (the RC field is 5 bits).
    package var reportBlocks: [RTCPReportBlock]

    package init(ssrc: UInt32, reportBlocks: [RTCPReportBlock] = []) {
        self.ssrc = ssrc
        self.reportBlocks = reportBlocks
    }

    static let packetType: UInt8 = 201

    /// Reads the body (after the 4-byte common header) of one RR.
    init(body bytes: [UInt8], range: Range<Int>, reportCount: Int) throws(RTCPParseError) {
        let start = range.lowerBound
        guard range.count >= 4 + reportCount * RTCPReportBlock.size, let ssrc = bytes.networkUInt32(at: start) else {
            throw RTCPParseError(.truncatedReport, "RR of \(range.count) bytes with \(reportCount) blocks")
        }
        var blocks: [RTCPReportBlock] = []
        blocks.reserveCapacity(reportCount)
        for index in 0..<reportCount {
            guard let block = RTCPReportBlock(bytes, at: start + 4 + index * RTCPReportBlock.size) else {
                throw RTCPParseError(.truncatedReport, "RR report block \(index) cut short")
            }
            blocks.append(block)
        }
        self.init(ssrc: ssrc, reportBlocks: blocks)
    }

    /// - Precondition: at most 31 report blocks (the caller's values).
    func append(to bytes: inout [UInt8]) {
        precondition(reportBlocks.count <= 31, "an RR carries at most 31 report blocks")
        let size = 8 + reportBlocks.count * RTCPReportBlock.size
        bytes.append(2 << 6 | UInt8(reportBlocks.count))
        bytes.append(Self.packetType)
        bytes.appendNetworkUInt16(UInt16(size / 4 - 1))
        bytes.appendNetworkUInt32(ssrc)
        for block in reportBlocks { block.append(to: &bytes) }
    }
}
