/// The reports this layer understands inside a compound RTCP packet.
package enum RTCPReport: Sendable, Hashable {
    case senderReport(RTCPSenderReport)
    case receiverReport(RTCPReceiverReport)
}

/// One RTCP datagram: packets stacked back to back, each with its own common header (RFC 3550 §6.1).
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |V=2|P|   count |      PT       |   length (32-bit words − 1)   |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///
/// Reading applies the header checks of Appendix A.2: version 2 throughout, the first packet an SR or RR,
/// padding only on the last packet, and lengths that add up to the datagram. SR and RR are decoded;
/// every other type (SDES, BYE, APP, feedback…) is skipped by its length and its type noted, so a peer
/// that sends more than we read is not an error.
package struct RTCPCompoundPacket: Sendable, Hashable {
    package var reports: [RTCPReport]
    /// Packet types skipped while reading, in order (202 SDES, 203 BYE, …); empty when building.
    package var skippedPacketTypes: [UInt8]

    package init(reports: [RTCPReport], skippedPacketTypes: [UInt8] = []) {
        self.reports = reports
        self.skippedPacketTypes = skippedPacketTypes
    }

    package init(parsing bytes: [UInt8], limits: RTPParserLimits = .default) throws(RTCPParseError) {
        guard bytes.count <= limits.maximumPacketSize else {
            throw RTCPParseError(.tooLarge, "\(bytes.count) bytes, limit \(limits.maximumPacketSize)")
        }
        guard !bytes.isEmpty else { throw RTCPParseError(.tooShort, "empty datagram") }

        var reports: [RTCPReport] = []
        var skipped: [UInt8] = []
        var offset = 0
        var packetIndex = 0
        while offset < bytes.count {
            guard packetIndex < limits.maximumRTCPPacketCount else {
                throw RTCPParseError(.tooManyPackets, "more than \(limits.maximumRTCPPacketCount) packets")
            }
            guard let lengthWords = bytes.networkUInt16(at: offset + 2) else {
                throw RTCPParseError(.tooShort, "\(bytes.count - offset) bytes left for a 4-byte header")
            }
            let first = bytes[offset]
            let packetType = bytes[offset + 1]
            guard first >> 6 == 2 else { throw RTCPParseError(.unsupportedVersion, "version \(first >> 6)") }
            let end = offset + (Int(lengthWords) + 1) * 4
            guard end <= bytes.count else {
                throw RTCPParseError(.invalidLength, "packet \(packetIndex) ends at \(end) of \(bytes.count)")
            }
            var bodyEnd = end
            if first & 0x20 != 0 {
                // Only the last packet of a compound may be padded (Appendix A.2); the count includes itself.
                let padding = Int(bytes[end - 1])
                guard end == bytes.count, padding > 0, padding <= end - offset - 4 else {
                    throw RTCPParseError(.invalidPadding, "padding \(padding) on packet \(packetIndex)")
                }
                bodyEnd = end - padding
            }
            let isReport = packetType == RTCPSenderReport.packetType || packetType == RTCPReceiverReport.packetType
            if packetIndex == 0, !isReport {
                throw RTCPParseError(.firstPacketNotReport, "first packet type \(packetType)")
            }
            let body = (offset + 4)..<bodyEnd
            let reportCount = Int(first & 0x1F)
            switch packetType {
            case RTCPSenderReport.packetType:
                let report = try RTCPSenderReport(body: bytes, range: body, reportCount: reportCount)
                reports.append(.senderReport(report))
            case RTCPReceiverReport.packetType:
                let report = try RTCPReceiverReport(body: bytes, range: body, reportCount: reportCount)
                reports.append(.receiverReport(report))
            default:
                skipped.append(packetType)
            }
            offset = end
            packetIndex += 1
        }
        self.init(reports: reports, skippedPacketTypes: skipped)
    }

    /// The reports back to back, unpadded. RFC 3550 §6.1 also wants an SDES CNAME in every compound
    /// packet; that is the session's to add, not this value's.
    package func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        for report in reports {
            switch report {
            case .senderReport(let report): report.append(to: &bytes)
            case .receiverReport(let report): report.append(to: &bytes)
            }
        }
        return bytes
    }
}
