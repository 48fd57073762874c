import SIPCore
import Testing

@testable import SIPMedia

@Suite("RTCP SDES CNAME and BYE (RFC 3550 §6.5, §6.6)")
struct RTCPSourceDescriptionAndGoodbyeTests {
    static let receiverReport = RTCPReceiverReport(ssrc: 0x0102_0304)
    static let rrBytes = RTCPCompoundPacket(reports: [.receiverReport(receiverReport)]).serialized()

    @Test func aCNAMEChunkIsWrittenWithItsTerminatorAndPadding() throws {
        let packet = RTCPCompoundPacket(
            reports: [.receiverReport(Self.receiverReport)],
            sourceDescriptions: [RTCPSourceDescription(ssrc: 0x0102_0304, cname: "ab@c")])
        let bytes = packet.serialized()
        let sdes = Array(bytes[8...])
        // Header, SSRC, CNAME=1 len=4 "ab@c", the null octet that ends the chunk and one more to reach 32 bits.
        #expect(sdes == [0x81, 202, 0, 3, 1, 2, 3, 4, 1, 4, 0x61, 0x62, 0x40, 0x63, 0, 0])
        #expect(sdes.count % 4 == 0)
        #expect(try RTCPCompoundPacket(parsing: bytes) == packet)
    }

    @Test func cnamesOfEveryLengthRoundTrip() throws {
        for length in 0...20 {
            let cname = String(repeating: "x", count: length)
            let packet = RTCPCompoundPacket(
                reports: [.receiverReport(Self.receiverReport)],
                sourceDescriptions: [
                    RTCPSourceDescription(ssrc: 9, cname: cname), RTCPSourceDescription(ssrc: 10, cname: nil),
                ])
            let bytes = packet.serialized()
            #expect(bytes.count % 4 == 0)
            #expect(try RTCPCompoundPacket(parsing: bytes) == packet)
        }
    }

    @Test func aLongCNAMEIsCutAtAWholeCharacterWithin255Bytes() throws {
        let cname = String(repeating: "é", count: 200)  // 400 bytes of UTF-8
        let packet = RTCPCompoundPacket(
            reports: [.receiverReport(Self.receiverReport)],
            sourceDescriptions: [RTCPSourceDescription(ssrc: 9, cname: cname)])
        let read = try RTCPCompoundPacket(parsing: packet.serialized())
        #expect(read.sourceDescriptions.first?.cname == String(repeating: "é", count: 127))
    }

    @Test func otherItemsAreSkippedAndTheFirstCNAMEKept() throws {
        // Chunk: SSRC 7, NAME "Al", CNAME "h", TOOL "t", null; 4 + 4 + 3 + 3 + 1 = 15 → 16 bytes.
        let chunk: [UInt8] = [0, 0, 0, 7, 2, 2, 0x41, 0x6C, 1, 1, 0x68, 6, 1, 0x74, 0, 0]
        let bytes = Self.rrBytes + [0x81, 202, 0, 4] + chunk
        let read = try RTCPCompoundPacket(parsing: bytes)
        #expect(read.sourceDescriptions == [RTCPSourceDescription(ssrc: 7, cname: "h")])
        #expect(read.skippedPacketTypes.isEmpty)
    }

    @Test func chunksFromSeveralSDESPacketsAreCollectedInOrder() throws {
        var bytes = Self.rrBytes
        RTCPSourceDescription.append([RTCPSourceDescription(ssrc: 1, cname: "one")], to: &bytes)
        RTCPSourceDescription.append(
            [RTCPSourceDescription(ssrc: 2, cname: "two"), RTCPSourceDescription(ssrc: 3, cname: "3")], to: &bytes)
        let read = try RTCPCompoundPacket(parsing: bytes)
        #expect(read.sourceDescriptions.map(\.ssrc) == [1, 2, 3])
        #expect(read.sourceDescriptions.map(\.cname) == ["one", "two", "3"])
    }

    @Test func aGoodbyeIsWrittenLastAndRoundTrips() throws {
        let packet = RTCPCompoundPacket(
            reports: [.receiverReport(Self.receiverReport)],
            sourceDescriptions: [RTCPSourceDescription(ssrc: 0x0102_0304, cname: "c")],
            goodbye: RTCPGoodbye(ssrcs: [0x0102_0304]))
        let bytes = packet.serialized()
        #expect(Array(bytes.suffix(8)) == [0x81, 203, 0, 1, 1, 2, 3, 4])
        #expect(try RTCPCompoundPacket(parsing: bytes) == packet)
    }

    @Test func aGoodbyeWithAReasonIsPaddedAndRoundTrips() throws {
        let goodbye = RTCPGoodbye(ssrcs: [5, 6], reason: "bye")
        let packet = RTCPCompoundPacket(reports: [.receiverReport(Self.receiverReport)], goodbye: goodbye)
        let bytes = packet.serialized()
        #expect(Array(bytes[8...]) == [0x82, 203, 0, 3, 0, 0, 0, 5, 0, 0, 0, 6, 3, 0x62, 0x79, 0x65])
        #expect(try RTCPCompoundPacket(parsing: bytes).goodbye == goodbye)

        let padded = RTCPCompoundPacket(
            reports: [.receiverReport(Self.receiverReport)], goodbye: RTCPGoodbye(ssrcs: [5], reason: "leaving"))
        #expect(padded.serialized().count % 4 == 0)
        #expect(try RTCPCompoundPacket(parsing: padded.serialized()).goodbye?.reason == "leaving")
    }

    @Test func aGoodbyeWithNoSourcesRoundTrips() throws {
        let packet = RTCPCompoundPacket(
            reports: [.receiverReport(Self.receiverReport)], goodbye: RTCPGoodbye(ssrcs: []))
        #expect(try RTCPCompoundPacket(parsing: packet.serialized()) == packet)
    }

    @Test func severalGoodbyesAreMerged() throws {
        var bytes = Self.rrBytes
        RTCPGoodbye(ssrcs: [1]).append(to: &bytes)
        RTCPGoodbye(ssrcs: [2, 3], reason: "why").append(to: &bytes)
        #expect(try RTCPCompoundPacket(parsing: bytes).goodbye == RTCPGoodbye(ssrcs: [1, 2, 3], reason: "why"))
    }

    // Scripts/fuzz-media: compound packets a peer may send whose parsed value trapped or changed when
    // written back.

    /// Two BYEs of 31 and 1 sources merged into 32, and the writer's 5-bit SC trapped.
    @Test func moreThan31GoodbyeSourcesAreWrittenAsSeveralPacketsAndReadBackMerged() throws {
        let first: [UInt8] = [0x80 | 31, 203, 0, 31] + (0..<31).flatMap { [0, 0, 0, UInt8($0)] as [UInt8] }
        let second: [UInt8] = [0x81, 203, 0, 1, 0, 0, 0, 99]
        let read = try RTCPCompoundPacket(parsing: Self.rrBytes + first + second)
        #expect(read.goodbye?.ssrcs.count == 32)
        let written = read.serialized()
        #expect(try RTCPCompoundPacket(parsing: written) == read)
        let reasoned = RTCPCompoundPacket(
            reports: [.receiverReport(Self.receiverReport)], goodbye: RTCPGoodbye(ssrcs: Array(0..<70), reason: "moved")
        )
        #expect(
            try RTCPCompoundPacket(parsing: reasoned.serialized()) == reasoned, "31 + 31 + 8, the reason on the first")
    }

    /// Two SDES packets of 31 and 1 chunks collected into 32, and the writer's 5-bit SC trapped.
    @Test func moreThan31SDESChunksAreWrittenAsSeveralPackets() throws {
        func sdes(_ count: Int) -> [UInt8] {
            [0x80 | UInt8(count), 202, 0, UInt8(2 * count)]
                + (0..<count).flatMap { [0, 0, 0, UInt8($0), 0, 0, 0, 0] as [UInt8] }
        }
        let read = try RTCPCompoundPacket(parsing: Self.rrBytes + sdes(31) + sdes(1))
        #expect(read.sourceDescriptions.count == 32)
        #expect(try RTCPCompoundPacket(parsing: read.serialized()) == read)
    }

    /// 255 bytes that are not UTF-8 read as 255 U+FFFD (765 bytes), which the writer cut to 85: the value
    /// read is now already cut, so it writes back unchanged. The same for a BYE reason.
    @Test func invalidUTF8InACNAMEOrReasonReadsAsTextThatWritesBackUnchanged() throws {
        var chunk: [UInt8] = [0, 0, 0, 5, 1, 255] + [UInt8](repeating: 0xFF, count: 255) + [0]
        while chunk.count % 4 != 0 { chunk.append(0) }
        let sdes: [UInt8] = [0x81, 202, 0, UInt8(chunk.count / 4)] + chunk
        var bye: [UInt8] = [0, 0, 0, 5, 255] + [UInt8](repeating: 0xC0, count: 255)
        while bye.count % 4 != 0 { bye.append(0) }
        let read = try RTCPCompoundPacket(parsing: Self.rrBytes + sdes + [0x81, 203, 0, UInt8(bye.count / 4)] + bye)
        let cname = try #require(read.sourceDescriptions.first?.cname)
        let reason = try #require(read.goodbye?.reason)
        #expect(cname.utf8.count <= 255 && reason.utf8.count <= 255)
        #expect(try RTCPCompoundPacket(parsing: read.serialized()) == read)
    }

    @Test func malformedSourceDescriptionsAreTypedErrors() {
        let error = RTCPParseError(.malformedSourceDescription, "")
        // SC=2 with room for one chunk.
        let oneChunk: [UInt8] = [0x82, 202, 0, 2, 0, 0, 0, 7, 1, 1, 0x68, 0]
        #expect(throws: error) { try RTCPCompoundPacket(parsing: Self.rrBytes + oneChunk) }
        // A chunk cut inside its SSRC: SC=1, the packet's length holds only... the header.
        #expect(throws: error) { try RTCPCompoundPacket(parsing: Self.rrBytes + [0x81, 202, 0, 0]) }
        // An item whose length runs past the packet.
        let pastEnd: [UInt8] = [0x81, 202, 0, 2, 0, 0, 0, 7, 1, 9, 0x68, 0]
        #expect(throws: error) { try RTCPCompoundPacket(parsing: Self.rrBytes + pastEnd) }
        // An item type in the last byte, with no room for its length.
        let noLength: [UInt8] = [0x81, 202, 0, 2, 0, 0, 0, 7, 1, 1, 0x68, 2]
        #expect(throws: error) { try RTCPCompoundPacket(parsing: Self.rrBytes + noLength) }
        // Items that fill the packet with no null octet to end the chunk.
        let noTerminator: [UInt8] = [0x81, 202, 0, 2, 0, 0, 0, 7, 1, 2, 0x68, 0x69]
        #expect(throws: error) { try RTCPCompoundPacket(parsing: Self.rrBytes + noTerminator) }
        // The same, where padding of the packet (P bit) hides the bytes that would have ended it.
        let paddedAway: [UInt8] = [0xA1, 202, 0, 3, 0, 0, 0, 7, 1, 2, 0x68, 0x69, 0, 0, 0, 4]
        #expect(throws: error) { try RTCPCompoundPacket(parsing: Self.rrBytes + paddedAway) }
        // The well-formed packet the cases above break.
        let valid: [UInt8] = [0x81, 202, 0, 2, 0, 0, 0, 7, 1, 1, 0x68, 0]
        #expect(
            (try? RTCPCompoundPacket(parsing: Self.rrBytes + valid))?.sourceDescriptions == [
                RTCPSourceDescription(ssrc: 7, cname: "h")
            ])
    }

    @Test func malformedGoodbyesAreTypedErrors() {
        let error = RTCPParseError(.malformedGoodbye, "")
        // SC=3 with room for two sources.
        #expect(throws: error) {
            try RTCPCompoundPacket(parsing: Self.rrBytes + [0x83, 203, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2])
        }
        // A reason whose length runs past the packet.
        #expect(throws: error) {
            try RTCPCompoundPacket(parsing: Self.rrBytes + [0x81, 203, 0, 2, 0, 0, 0, 1, 9, 0x61, 0, 0])
        }
        // A zero length byte is padding, not a reason.
        #expect(
            (try? RTCPCompoundPacket(parsing: Self.rrBytes + [0x81, 203, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0]))?.goodbye
                == RTCPGoodbye(ssrcs: [1]))
    }

    /// Cut between two packets the rest is a valid compound; cut anywhere else it is an error.
    @Test func everyTruncationInsideAPacketIsATypedError() throws {
        let bytes = RTCPCompoundPacket(
            reports: [.receiverReport(Self.receiverReport)],
            sourceDescriptions: [RTCPSourceDescription(ssrc: 1, cname: "someone@example.invalid")],
            goodbye: RTCPGoodbye(ssrcs: [1], reason: "done")
        ).serialized()
        let sdesEnd = 8 + 4 + 4 + 2 + 23 + 3  // the chunk: SSRC, item header, text, null octets to 32 bits
        #expect(bytes[sdesEnd + 1] == 203)
        for length in 0..<bytes.count where length != 8 && length != sdesEnd {
            #expect(throws: RTCPParseError.self) { try RTCPCompoundPacket(parsing: Array(bytes.prefix(length))) }
        }
        #expect(try RTCPCompoundPacket(parsing: Array(bytes.prefix(sdesEnd))).goodbye == nil)
    }

    @Test func pseudoRandomSDESAndBYENeverTrap() {
        var generator = SeededRandom(seed: 3_5506)
        let valid = RTCPCompoundPacket(
            reports: [.receiverReport(Self.receiverReport)],
            sourceDescriptions: [
                RTCPSourceDescription(ssrc: 1, cname: "a@b"), RTCPSourceDescription(ssrc: 2, cname: "c"),
            ],
            goodbye: RTCPGoodbye(ssrcs: [1, 2], reason: "r")
        ).serialized()
        for _ in 0..<5_000 {
            var bytes = valid
            for _ in 0..<3 {
                let index = 8 + Int(generator.next() % UInt64(bytes.count - 8))
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            _ = try? RTCPCompoundPacket(parsing: bytes)
        }
    }
}
