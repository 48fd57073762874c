import SIPCore
import Testing

@testable import SIPMedia

@Suite("RTP packet (RFC 3550 §5.1)")
struct RTPPacketTests {
    /// A PCMU packet as a softphone sends it: marker on the first of a talkspurt, 160 samples.
    @Test func readsTheFixedHeaderOfAPCMUPacket() throws {
        var bytes: [UInt8] = [0x80, 0x80, 0x12, 0x34, 0x00, 0x00, 0x0A, 0x00, 0xDE, 0xAD, 0xBE, 0xEF]
        bytes += [UInt8](repeating: 0xFF, count: 160)
        let packet = try RTPPacket(parsing: bytes)
        #expect(packet.marker)
        #expect(packet.payloadType == 0)
        #expect(packet.sequenceNumber == 0x1234)
        #expect(packet.timestamp == 2_560)
        #expect(packet.ssrc == 0xDEAD_BEEF)
        #expect(packet.csrcs.isEmpty)
        #expect(packet.headerExtension == nil)
        #expect(packet.paddingCount == 0)
        #expect(packet.payload == [UInt8](repeating: 0xFF, count: 160))
        #expect(packet.serialized() == bytes)
    }

    @Test func paddingIsStrippedFromThePayloadAndWrittenBack() throws {
        let packet = RTPPacket(
            payloadType: 8, sequenceNumber: 7, timestamp: 160, ssrc: 1, payload: [1, 2, 3], paddingCount: 5)
        let bytes = packet.serialized()
        #expect(bytes.count == 12 + 3 + 5)
        #expect(bytes[0] == 0xA0)
        #expect(bytes.suffix(5) == [0, 0, 0, 0, 5])
        let read = try RTPPacket(parsing: bytes)
        #expect(read == packet)
        #expect(read.payload == [1, 2, 3])
    }

    @Test func csrcsAndAHeaderExtensionComeBeforeThePayload() throws {
        let packet = RTPPacket(
            payloadType: 101, sequenceNumber: 65_535, timestamp: .max, ssrc: 42, csrcs: [10, 20, 30],
            headerExtension: RTPHeaderExtension(profileData: 0xBEDE, data: [0x10, 0xAA, 0, 0, 1, 2, 3, 4]),
            payload: [9, 8, 7, 6])
        let bytes = packet.serialized()
        #expect(bytes[0] == 0x93)  // V=2, X, CC=3
        #expect(bytes.count == 12 + 12 + 4 + 8 + 4)
        let read = try RTPPacket(parsing: bytes)
        #expect(read == packet)
        #expect(read.payload == [9, 8, 7, 6])
    }

    @Test func anEmptyExtensionAndAnEmptyPayloadAreValid() throws {
        let packet = RTPPacket(
            payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 1,
            headerExtension: RTPHeaderExtension(profileData: 1, data: []), payload: [])
        #expect(try RTPPacket(parsing: packet.serialized()) == packet)
    }

    @Test func shortAndInvalidDatagramsAreTypedErrors() throws {
        let valid = RTPPacket(
            payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 1, csrcs: [5, 6],
            headerExtension: RTPHeaderExtension(profileData: 1, data: [1, 2, 3, 4]), payload: [0xFF]
        ).serialized()
        // Every truncation of a valid packet fails without trapping.
        for length in 0..<(12 + 8 + 8) {
            #expect(throws: RTPParseError.self) { try RTPPacket(parsing: Array(valid.prefix(length))) }
        }
        #expect(throws: RTPParseError(.tooShort, "")) { try RTPPacket(parsing: Array(valid.prefix(11))) }
        #expect(throws: RTPParseError(.truncatedCSRCList, "")) { try RTPPacket(parsing: Array(valid.prefix(16))) }
        #expect(throws: RTPParseError(.truncatedExtension, "")) { try RTPPacket(parsing: Array(valid.prefix(22))) }
        #expect(throws: RTPParseError(.truncatedExtension, "")) { try RTPPacket(parsing: Array(valid.prefix(26))) }

        var version1 = valid
        version1[0] = version1[0] & 0x3F | 0x40
        #expect(throws: RTPParseError(.unsupportedVersion, "")) { try RTPPacket(parsing: version1) }

        let header: [UInt8] = [0xA0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]
        #expect(throws: RTPParseError(.invalidPadding, "")) { try RTPPacket(parsing: header + [1, 2, 0]) }
        #expect(throws: RTPParseError(.invalidPadding, "")) { try RTPPacket(parsing: header + [1, 2, 4]) }
        #expect(try RTPPacket(parsing: header + [1, 2, 3]).payload == [])

        #expect(throws: RTPParseError(.tooLarge, "")) {
            try RTPPacket(
                parsing: valid + [UInt8](repeating: 0, count: 100), limits: RTPParserLimits(maximumPacketSize: 100))
        }
    }

    /// Any byte string either parses or throws; a parsed one re-serialises to the same bytes.
    @Test func pseudoRandomDatagramsNeverTrap() {
        var generator = SeededRandom(seed: 8)
        for _ in 0..<5_000 {
            let length = Int(generator.next() % 64)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if !bytes.isEmpty { bytes[0] = bytes[0] & 0x3F | 0x80 }
            if let packet = try? RTPPacket(parsing: bytes) {
                // Padding octets before the count are written as zero, so compare all but those.
                let written = packet.serialized()
                #expect(written.count == bytes.count)
                #expect(
                    written.prefix(bytes.count - Int(packet.paddingCount))
                        == bytes.prefix(bytes.count - Int(packet.paddingCount)))
            }
        }
    }
}
