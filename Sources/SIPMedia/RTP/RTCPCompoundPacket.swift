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
/// padding only on the last packet, and lengths that add up to the datagram. SR, RR, SDES (its CNAMEs)
/// and BYE are decoded; every other type (APP, feedback, XR…) is skipped by its length and its type
/// noted, so a peer that sends more than we read is not an error.
///
/// Building writes the order §6.1 asks for: the reports (the first an SR or RR), then one SDES packet
/// with the CNAMEs, then the BYE last. A compound packet the session sends should always carry our
/// CNAME (§6.1), and a BYE still goes behind a report and the SDES (§6.1, §6.6).
package struct RTCPCompoundPacket: Sendable, Hashable {
    package var reports: [RTCPReport]
    /// SDES chunks, from every SDES packet read, in order. Written as one SDES packet after the reports,
    /// none when empty.
    package var sourceDescriptions: [RTCPSourceDescription]
    /// The sources leaving. Several BYE packets read are merged into one (sources in order, the first
    /// reason). Written last.
    package var goodbye: RTCPGoodbye?
    /// Packet types skipped while reading, in order (204 APP, 205/206 feedback, …); ignored when building.
    package var skippedPacketTypes: [UInt8]

    package init(
        reports: [RTCPReport],
        sourceDescriptions: [RTCPSourceDescription] = [],
        goodbye: RTCPGoodbye? = nil,
        skippedPacketTypes: [UInt8] = []
    ) {
        self.reports = reports
        self.sourceDescriptions = sourceDescriptions
        self.goodbye = goodbye
        self.skippedPacketTypes = skippedPacketTypes
    }

    package init(parsing bytes: [UInt8], limits: RTPParserLimits = .default) throws(RTCPParseError) {
        guard bytes.count <= limits.maximumPacketSize else {
            throw RTCPParseError(.tooLarge, "\(bytes.count) bytes, limit \(limits.maximumPacketSize)")
        }
        guard !bytes.isEmpty else { throw RTCPParseError(.tooShort, "empty datagram") }

        var reports: [RTCPReport] = []
        var sourceDescriptions: [RTCPSourceDescription] = []
        var goodbye: RTCPGoodbye?
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
            case RTCPSourceDescription.packetType:
                sourceDescriptions += try RTCPSourceDescription.chunks(
                    body: bytes, range: body, chunkCount: reportCount)
            case RTCPGoodbye.packetType:
                let read = try RTCPGoodbye(body: bytes, range: body, sourceCount: reportCount)
                if var merged = goodbye {
                    merged.ssrcs += read.ssrcs
                    merged.reason = merged.reason ?? read.reason
                    goodbye = merged
                } else {
                    goodbye = read
                }
            default:
                skipped.append(packetType)
            }
            offset = end
            packetIndex += 1
        }
        self.init(
            reports: reports, sourceDescriptions: sourceDescriptions, goodbye: goodbye, skippedPacketTypes: skipped)
    }

    /// The reports, the SDES packet (when there are chunks) and the BYE (when there is one), back to back
    /// and unpadded.
    package func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        for report in reports {
            switch report {
            case .senderReport(let report): report.append(to: &bytes)
            case .receiverReport(let report): report.append(to: &bytes)
            }
        }
        if !sourceDescriptions.isEmpty { RTCPSourceDescription.append(sourceDescriptions, to: &bytes) }
        goodbye?.append(to: &bytes)
        return bytes
    }
}
