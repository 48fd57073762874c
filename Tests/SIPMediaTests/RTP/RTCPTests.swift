import SIPCore
import Testing

@testable import SIPMedia

@Suite("RTCP SR and RR (RFC 3550 §6.4)")
struct RTCPTests {
    static let block = RTCPReportBlock(
        ssrc: 0x1111_2222, fractionLost: 64, cumulativeLost: 1_234, extendedHighestSequenceNumber: 0x0001_0005,
        interarrivalJitter: 37, lastSenderReport: 0xABCD_EF01, delaySinceLastSenderReport: 65_536)

    static let senderReport = RTCPSenderReport(
        ssrc: 0xCAFE_BABE, ntpTimestamp: 0xE8F1_2345_8000_0000, rtpTimestamp: 160_000, packetCount: 1_000,
        octetCount: 160_000, reportBlocks: [block])

    @Test func aSenderReportIsWrittenWordByWord() throws {
        let bytes = RTCPCompoundPacket(reports: [.senderReport(Self.senderReport)]).serialized()
        #expect(bytes.count == 4 + 24 + 24)
        #expect(Array(bytes.prefix(4)) == [0x81, 200, 0, 12])  // RC=1, length = 13 words − 1
        #expect(Array(bytes[8..<16]) == [0xE8, 0xF1, 0x23, 0x45, 0x80, 0, 0, 0])
        #expect(Array(bytes[32..<36]) == [64, 0, 0x04, 0xD2])  // fraction lost, 24-bit cumulative
        let read = try RTCPCompoundPacket(parsing: bytes)
        #expect(read.reports == [.senderReport(Self.senderReport)])
        #expect(read.skippedPacketTypes.isEmpty)
    }

    @Test func aReceiverReportWithSeveralBlocksAndANegativeLossRoundTrips() throws {
        var second = Self.block
        second.ssrc = 7
        second.cumulativeLost = -3
        let report = RTCPReceiverReport(ssrc: 99, reportBlocks: [Self.block, second])
        let bytes = RTCPCompoundPacket(reports: [.receiverReport(report)]).serialized()
        #expect(Array(bytes.prefix(4)) == [0x82, 201, 0, 13])
        #expect(Array(bytes[36..<40]) == [64, 0xFF, 0xFF, 0xFD])
        #expect(try RTCPCompoundPacket(parsing: bytes).reports == [.receiverReport(report)])
        #expect(
            try RTCPCompoundPacket(
                parsing: RTCPCompoundPacket(reports: [.receiverReport(RTCPReceiverReport(ssrc: 1))]).serialized()
            ).reports.count == 1)
    }

    @Test func cumulativeLossIsClampedTo24Bits() throws {
        var block = Self.block
        block.cumulativeLost = 10_000_000
        let high = RTCPReceiverReport(ssrc: 1, reportBlocks: [block])
        block.cumulativeLost = -10_000_000
        let low = RTCPReceiverReport(ssrc: 1, reportBlocks: [block])
        let read = try RTCPCompoundPacket(
            parsing: RTCPCompoundPacket(reports: [.receiverReport(high), .receiverReport(low)]).serialized())
        guard case .receiverReport(let readHigh) = read.reports[0], case .receiverReport(let readLow) = read.reports[1]
        else {
            Issue.record("expected two RRs")
            return
        }
        #expect(readHigh.reportBlocks[0].cumulativeLost == 8_388_607)
        #expect(readLow.reportBlocks[0].cumulativeLost == -8_388_608)
    }

    /// SR, then SDES and BYE as a real stack sends them, then an RR; a padded APP packet last, skipped.
    @Test func unknownPacketsAreSkippedByLength() throws {
        var bytes = RTCPCompoundPacket(reports: [.senderReport(Self.senderReport)]).serialized()
        bytes += [0x81, 202, 0, 3, 0xCA, 0xFE, 0xBA, 0xBE, 1, 4, 0x61, 0x40, 0x62, 0x63, 0, 0]  // SDES CNAME
        bytes += [0x81, 203, 0, 1, 0xCA, 0xFE, 0xBA, 0xBE]  // BYE
        bytes += RTCPCompoundPacket(reports: [.receiverReport(RTCPReceiverReport(ssrc: 5))]).serialized()
        bytes += [0xA0, 204, 0, 3, 0, 0, 0, 5, 0x6E, 0x61, 0x6D, 0x65, 0, 0, 0, 4]  // APP with 4 bytes padding
        let read = try RTCPCompoundPacket(parsing: bytes)
        #expect(read.reports == [.senderReport(Self.senderReport), .receiverReport(RTCPReceiverReport(ssrc: 5))])
        #expect(read.sourceDescriptions == [RTCPSourceDescription(ssrc: 0xCAFE_BABE, cname: "a@bc")])
        #expect(read.goodbye == RTCPGoodbye(ssrcs: [0xCAFE_BABE]))
        #expect(read.skippedPacketTypes == [204])
    }

    @Test func profileExtensionsAfterTheBlocksAreSkipped() throws {
        var bytes = RTCPCompoundPacket(reports: [
            .receiverReport(RTCPReceiverReport(ssrc: 5, reportBlocks: [Self.block]))
        ]).serialized()
        bytes[3] += 2
        bytes += [1, 2, 3, 4, 5, 6, 7, 8]
        #expect(
            try RTCPCompoundPacket(parsing: bytes).reports == [
                .receiverReport(RTCPReceiverReport(ssrc: 5, reportBlocks: [Self.block]))
            ])
    }

    @Test func invalidCompoundPacketsAreTypedErrors() throws {
        let valid = RTCPCompoundPacket(reports: [.senderReport(Self.senderReport)]).serialized()
        for length in 0..<valid.count {
            #expect(throws: RTCPParseError.self) { try RTCPCompoundPacket(parsing: Array(valid.prefix(length))) }
        }
        #expect(throws: RTCPParseError(.tooShort, "")) { try RTCPCompoundPacket(parsing: []) }
        #expect(throws: RTCPParseError(.invalidLength, "")) { try RTCPCompoundPacket(parsing: Array(valid.prefix(20))) }
        #expect(throws: RTCPParseError(.tooShort, "")) { try RTCPCompoundPacket(parsing: valid + [0x80, 201]) }

        var version1 = valid
        version1[0] = 0x41
        #expect(throws: RTCPParseError(.unsupportedVersion, "")) { try RTCPCompoundPacket(parsing: version1) }

        let bye: [UInt8] = [0x81, 203, 0, 1, 0, 0, 0, 1]
        #expect(throws: RTCPParseError(.firstPacketNotReport, "")) { try RTCPCompoundPacket(parsing: bye + valid) }

        // RC=2 in a packet whose length holds one block.
        var overCount = valid
        overCount[0] = 0x82
        #expect(throws: RTCPParseError(.truncatedReport, "")) { try RTCPCompoundPacket(parsing: overCount) }

        // Padding on a packet that is not last, a zero count, a count larger than the packet.
        var paddedFirst = valid
        paddedFirst[0] |= 0x20
        #expect(throws: RTCPParseError(.invalidPadding, "")) { try RTCPCompoundPacket(parsing: paddedFirst + bye) }
        let rr: [UInt8] = [0xA0, 201, 0, 2, 0, 0, 0, 1]
        #expect(throws: RTCPParseError(.invalidPadding, "")) { try RTCPCompoundPacket(parsing: rr + [0, 0, 0, 0]) }
        #expect(throws: RTCPParseError(.invalidPadding, "")) { try RTCPCompoundPacket(parsing: rr + [0, 0, 0, 9]) }
        #expect(throws: RTCPParseError(.truncatedReport, "")) { try RTCPCompoundPacket(parsing: rr + [0, 0, 0, 8]) }
        #expect(
            try RTCPCompoundPacket(parsing: rr + [0, 0, 0, 4]).reports == [.receiverReport(RTCPReceiverReport(ssrc: 1))]
        )

        #expect(throws: RTCPParseError(.tooLarge, "")) {
            try RTCPCompoundPacket(parsing: valid, limits: RTPParserLimits(maximumPacketSize: 40))
        }
        let many = valid + Array([[UInt8]](repeating: bye, count: 3).joined())
        #expect(throws: RTCPParseError(.tooManyPackets, "")) {
            try RTCPCompoundPacket(parsing: many, limits: RTPParserLimits(maximumRTCPPacketCount: 3))
        }
        #expect(
            try RTCPCompoundPacket(parsing: many, limits: RTPParserLimits(maximumRTCPPacketCount: 4)).goodbye?.ssrcs
                == [1, 1, 1])
    }

    @Test func pseudoRandomDatagramsNeverTrap() {
        var generator = SeededRandom(seed: 3550)
        let valid = RTCPCompoundPacket(reports: [.senderReport(Self.senderReport)]).serialized()
        for _ in 0..<5_000 {
            var bytes = valid
            for _ in 0..<3 {
                let index = Int(generator.next() % UInt64(bytes.count))
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count + 1))))
            _ = try? RTCPCompoundPacket(parsing: bytes)
        }
    }
}
