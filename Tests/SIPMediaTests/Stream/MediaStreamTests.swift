import NIOCore
import Testing

@testable import SIPMedia

/// The stream machine wired to itself or fed by hand, with a mock clock: no sockets, no sleeps.
@Suite("Media stream")
struct MediaStreamTests {
    static func at(_ ms: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(1_000_000_000 + ms * 1_000_000)) }
    static let peer = try! SocketAddress(ipAddress: "127.0.0.2", port: 40000)
    static let peerRTCP = try! SocketAddress(ipAddress: "127.0.0.2", port: 40001)

    static func configuration(
        direction: MediaDirection = .sendrecv, events: UInt8? = 101, timeout: TimeAmount? = nil,
        codec: RTPPayloadFormat = .pcmu
    ) -> MediaStreamConfiguration {
        MediaStreamConfiguration(
            codec: codec, telephoneEventPayloadType: events, direction: direction, remoteRTP: peer,
            remoteRTCP: peerRTCP,
            cname: "test@example", inactivityTimeout: timeout)
    }

    static func stream(_ configuration: MediaStreamConfiguration = configuration(), ssrc: UInt32 = 0x1111)
        -> MediaStream
    {
        MediaStream(configuration: configuration, ssrc: ssrc, sequenceNumber: 65534, timestamp: 0xFFFF_FF00, now: at(0))
    }

    /// The bytes of the packet `slot` asks for, with `samples` of a constant level.
    static func bytes(_ slot: MediaStream.Slot, codec: G711Codec = .pcmu, level: Int16 = 1000) -> [UInt8]? {
        var buffer = ByteBuffer()
        switch slot {
        case .none: return nil
        case .audio(let header, let count):
            header.write(into: &buffer)
            codec.encode([Int16](repeating: level, count: count), into: &buffer)
        case .event(let header, let event):
            header.write(into: &buffer)
            buffer.writeBytes(event.serialized())
        }
        return Array(buffer.readableBytesView)
    }

    @Test func audioPacketsAreNumberedAndTheFirstIsMarked() throws {
        var stream = Self.stream()
        var packets: [RTPPacket] = []
        for _ in 0..<4 { packets.append(try RTPPacket(parsing: try #require(Self.bytes(stream.nextSlot())))) }
        #expect(packets.map(\.sequenceNumber) == [65534, 65535, 0, 1], "sequence numbers wrap")
        #expect(packets.map(\.timestamp) == [0xFFFF_FF00, 0xFFFF_FFA0, 0x40, 0xE0], "160 samples a packet, wrapping")
        #expect(packets.map(\.marker) == [true, false, false, false])
        #expect(packets.allSatisfy { $0.payloadType == 0 && $0.ssrc == 0x1111 && $0.payload.count == 160 })
    }

    @Test func holdSendsNothingAndRetrieveStartsATalkspurt() throws {
        var stream = Self.stream()
        _ = stream.nextSlot()
        stream.update(Self.configuration(direction: .recvonly), now: Self.at(20))
        #expect(stream.nextSlot() == .none, "recvonly (we are held) sends nothing")
        #expect(stream.nextSlot() == .none)
        stream.update(Self.configuration(direction: .sendrecv), now: Self.at(60))
        let resumed = try RTPPacket(parsing: try #require(Self.bytes(stream.nextSlot())))
        #expect(resumed.marker, "a new talkspurt")
        #expect(resumed.sequenceNumber == 65535, "sequence numbers count packets sent only")
        #expect(resumed.timestamp == UInt32(0xFFFF_FF00) &+ 3 * 160, "the timestamp kept time through the pause")
        #expect(stream.statistics(now: Self.at(80)).packetsSent == 2)
    }

    @Test func dtmfReplacesAudioWithEventPacketsAndTheOtherSideReportsEachDigitOnce() throws {
        var sender = Self.stream()
        var receiver = Self.stream(ssrc: 0x2222)
        let queued = sender.sendDTMF([.digit1, .pound])
        #expect(queued)
        var digits: [DTMFEvent] = []
        var eventPackets = 0
        for slot in 0..<40 {
            guard let bytes = Self.bytes(sender.nextSlot()) else { continue }
            let packet = try RTPPacket(parsing: bytes)
            if packet.payloadType == 101 { eventPackets += 1 }
            if case .dtmf(let digit) = receiver.receiveRTP(bytes, from: Self.peer, now: Self.at(Int64(slot) * 20)) {
                digits.append(digit.event)
            }
        }
        #expect(digits == [.digit1, .pound])
        #expect(eventPackets >= 2 * (100 / 20 + 2), "each 100 ms event plus its repeated end packets")
        #expect(!sender.isSendingDTMF)
        #expect(sender.statistics(now: Self.at(800)).dtmfSent == 2)
        #expect(receiver.statistics(now: Self.at(800)).dtmfReceived == 2)
    }

    @Test func withoutTelephoneEventsDTMFIsRefusedForSIPInfo() {
        var stream = Self.stream(Self.configuration(events: nil))
        let queued = stream.sendDTMF([.digit5])
        #expect(!queued)
    }

    @Test func receivedAudioPlaysOutDecodedAfterTheInitialDelay() throws {
        var sender = Self.stream()
        var receiver = Self.stream(ssrc: 0x2222)
        var played: [MediaStream.Playout] = []
        for slot in Int64(0)..<10 {
            let bytes = try #require(Self.bytes(sender.nextSlot(), level: 4000))
            #expect(receiver.receiveRTP(bytes, from: Self.peer, now: Self.at(slot * 20)) == .audio)
            played.append(receiver.playout(now: Self.at(slot * 20)))
        }
        #expect(played.prefix(3).allSatisfy { $0 == .nothing }, "60 ms initial delay")
        guard case .samples(let samples) = played[5] else {
            Issue.record("expected audio, got \(played[5])")
            return
        }
        #expect(samples.count == 160)
        #expect(samples.allSatisfy { abs(Int($0) - 4000) < 200 }, "µ-law round trip")
    }

    @Test func injectedLossShowsInTheStatistics() throws {
        var sender = Self.stream()
        var receiver = Self.stream(ssrc: 0x2222)
        for slot in Int64(0)..<200 {
            let bytes = try #require(Self.bytes(sender.nextSlot()))
            if slot % 10 == 3 { continue }  // every tenth packet lost
            _ = receiver.receiveRTP(bytes, from: Self.peer, now: Self.at(slot * 20))
            _ = receiver.playout(now: Self.at(slot * 20))
        }
        let s = receiver.statistics(now: Self.at(4000))
        #expect(s.packetsReceived == 180)
        #expect(s.packetsLost == 20, "the last gap (slot 193) counts too: later packets came")
        #expect(abs(s.lossRatio - 0.1) < 0.01)
        #expect(s.meanOpinionScore < 4.0, "10 % loss is audible")
        let clean = Self.stream(ssrc: 3)
        #expect(clean.statistics(now: Self.at(0)).packetsLost == 0)
    }

    /// Scripts/fuzz-media: three packets, the last 255 sequence numbers on, reported a MOS of 0.99995 —
    /// below the scale's floor. Nearly total loss now scores exactly 1.
    @Test func aStreamThatLosesNearlyEverythingScoresOneNotLess() {
        var stream = Self.stream()
        for (n, sequenceNumber) in [UInt16(0), 1, 256].enumerated() {
            let packet = RTPPacket(
                payloadType: 0, sequenceNumber: sequenceNumber, timestamp: UInt32(sequenceNumber) * 160,
                ssrc: 0x2222, payload: [UInt8](repeating: 0xFF, count: 160))
            _ = stream.receiveRTP(packet.serialized(), from: Self.peer, now: Self.at(Int64(n) * 20))
        }
        let s = stream.statistics(now: Self.at(60))
        #expect(s.lossRatio > 0.98)
        #expect(s.meanOpinionScore == 1)
    }

    @Test func unknownPayloadTypesAndGarbageAreDiscarded() {
        var receiver = Self.stream()
        let video = RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 1, ssrc: 9, payload: [1, 2, 3])
            .serialized()
        #expect(receiver.receiveRTP(video, from: Self.peer, now: Self.at(0)) == .discarded)
        #expect(receiver.receiveRTP([0xFF, 0x00], from: Self.peer, now: Self.at(0)) == .discarded)
        #expect(receiver.receiveRTP([], from: Self.peer, now: Self.at(0)) == .discarded)
        let s = receiver.statistics(now: Self.at(0))
        #expect(s.discarded == 3)
        #expect(s.packetsReceived == 0)
        #expect(receiver.rtpTarget == Self.peer, "garbage does not move the latch")
    }

    @Test func symmetricRTPFollowsAnotherPortOfTheSignalledAddressAfterThreePacketsAndNeverAStranger() throws {
        var sender = Self.stream()
        var receiver = Self.stream(ssrc: 0x2222)
        let nat = try SocketAddress(ipAddress: "127.0.0.2", port: 50000)
        let spoof = try SocketAddress(ipAddress: "127.0.0.66", port: 6666)
        for slot in Int64(0)..<2 {
            let reception = receiver.receiveRTP(
                try #require(Self.bytes(sender.nextSlot())), from: nat, now: Self.at(slot * 20))
            #expect(reception == .audio, "the signalled host, another port: played")
        }
        #expect(receiver.rtpTarget == Self.peer, "two packets do not move the latch")
        _ = receiver.receiveRTP(try #require(Self.bytes(sender.nextSlot())), from: nat, now: Self.at(40))
        #expect(receiver.rtpTarget == nat, "RFC 4961: three in a row, answer where the packets come from")
        #expect(
            receiver.rtcpTarget == (try SocketAddress(ipAddress: "127.0.0.2", port: 50001)),
            "RTCP follows to the next port")
        for slot in Int64(3)..<13 {
            let reception = receiver.receiveRTP(
                try #require(Self.bytes(sender.nextSlot())), from: spoof, now: Self.at(slot * 20))
            #expect(reception == .discarded)
        }
        #expect(receiver.rtpTarget == nat, "another host never steers the audio, however many packets it sends")
        let s = receiver.statistics(now: Self.at(260))
        #expect(s.packetsReceived == 3)
        #expect(s.rejectedSource == 10)
    }

    @Test func inactivityIsReportedOnlyWhileMediaIsExpected() throws {
        var receiver = Self.stream(Self.configuration(timeout: .seconds(2)))
        #expect(!receiver.isInactive(now: Self.at(1999)))
        #expect(receiver.isInactive(now: Self.at(2000)))
        var sender = Self.stream(ssrc: 9)
        _ = receiver.receiveRTP(try #require(Self.bytes(sender.nextSlot())), from: Self.peer, now: Self.at(2500))
        #expect(!receiver.isInactive(now: Self.at(4000)))
        #expect(receiver.isInactive(now: Self.at(4500)))
        receiver.update(Self.configuration(direction: .sendonly, timeout: .seconds(2)), now: Self.at(4500))
        #expect(!receiver.isInactive(now: Self.at(9000)), "on hold we expect nothing")
        receiver.update(Self.configuration(direction: .sendrecv, timeout: .seconds(2)), now: Self.at(9000))
        #expect(!receiver.isInactive(now: Self.at(10000)), "the timer restarts when media is expected again")
        #expect(receiver.isInactive(now: Self.at(11000)))
    }

    @Test func rtcpReportsCarryReceptionAndGiveTheRoundTripTime() throws {
        var a = Self.stream(ssrc: 0xA)
        var b = Self.stream(ssrc: 0xB)
        // Both send for 3 s; a reports at 2.5 s (initial), b answers 100 ms later, a reads the RTT.
        for slot in Int64(0)..<150 {
            let now = Self.at(slot * 20)
            _ = b.receiveRTP(try #require(Self.bytes(a.nextSlot())), from: Self.peer, now: now)
            _ = a.receiveRTP(try #require(Self.bytes(b.nextSlot())), from: Self.peer, now: now)
        }
        let wall = NTPTimestamp(secondsSince1970: 1_800_000_000)
        let reportA = a.rtcpReport(now: Self.at(3000), wallClock: wall, randomFactor: 1)
        let fromA = try #require(reportA)
        let again = a.rtcpReport(now: Self.at(3001), wallClock: wall, randomFactor: 1)
        #expect(again == nil, "not due again at once")
        b.receiveRTCP(fromA, from: Self.peerRTCP, now: Self.at(3000), wallClock: wall)
        // b holds a's SR for 40 ms, the network takes 30 ms each way.
        let reportB = b.rtcpReport(now: Self.at(3070), wallClock: wall, randomFactor: 1, bye: false)
        let fromB = try #require(reportB)
        let parsed = try RTCPCompoundPacket(parsing: fromB)
        guard case .senderReport(let sr) = parsed.reports.first else {
            Issue.record("b sent, so it reports with an SR")
            return
        }
        #expect(sr.reportBlocks.first?.ssrc == 0xA)
        #expect(sr.reportBlocks.first?.extendedHighestSequenceNumber ?? 0 >= 65534)
        let arrival = NTPTimestamp(secondsSince1970: 1_800_000_000 + 0.040 + 0.060)
        a.receiveRTCP(fromB, from: Self.peerRTCP, now: Self.at(3100), wallClock: arrival)
        let rtt = try #require(a.statistics(now: Self.at(3100)).roundTripTimeMilliseconds)
        #expect(abs(rtt - 30) < 5, "100 ms between SR and its report, 70 of it held: \(rtt) ms")
    }

    @Test("RFC 3550 §6.3.7: a stream that never sent RTP or RTCP leaves without a BYE; one that sent, with one")
    func byeOnlyAfterSending() throws {
        let wall = NTPTimestamp(secondsSince1970: 1_800_000_000)
        var silent = Self.stream()
        let none = silent.rtcpReport(now: Self.at(10), wallClock: wall, randomFactor: 1, bye: true)
        #expect(none == nil)

        var sent = Self.stream()
        _ = sent.nextSlot()
        let made = sent.rtcpReport(now: Self.at(30), wallClock: wall, randomFactor: 1, bye: true)
        let bye = try #require(made)
        #expect(try RTCPCompoundPacket(parsing: bye).goodbye == RTCPGoodbye(ssrcs: [0x1111]))

        // A receive-only stream that has reported (RTCP is a packet too) says goodbye as well.
        var reporting = Self.stream(Self.configuration(direction: .recvonly))
        let report = reporting.rtcpReport(now: Self.at(5000), wallClock: wall, randomFactor: 1)
        #expect(report != nil)
        let leaving = reporting.rtcpReport(now: Self.at(5100), wallClock: wall, randomFactor: 1, bye: true)
        let last = try #require(leaving)
        #expect(try RTCPCompoundPacket(parsing: last).goodbye != nil)
    }

    @Test func aNewSourceMidCallRestartsReceptionButKeepsTheTotals() throws {
        var receiver = Self.stream()
        var first = Self.stream(ssrc: 0xA1)
        var second = MediaStream(
            configuration: Self.configuration(), ssrc: 0xB2, sequenceNumber: 30000, timestamp: 5, now: Self.at(0))
        for slot in Int64(0)..<50 {
            let bytes = try #require(Self.bytes(first.nextSlot()))
            if slot == 20 { continue }  // one lost from the first source
            _ = receiver.receiveRTP(bytes, from: Self.peer, now: Self.at(slot * 20))
            _ = receiver.playout(now: Self.at(slot * 20))
        }
        // The peer's media moved (another media server after a re-INVITE): new SSRC, new sequence space.
        var played = 0
        for slot in Int64(50)..<100 {
            _ = receiver.receiveRTP(
                try #require(Self.bytes(second.nextSlot())), from: Self.peer, now: Self.at(slot * 20))
            if case .samples = receiver.playout(now: Self.at(slot * 20)) { played += 1 }
        }
        let s = receiver.statistics(now: Self.at(2000))
        #expect(receiver.remoteSSRC == 0xB2)
        #expect(s.packetsReceived == 99)
        #expect(s.packetsLost == 1, "the jump to the new sequence space is not loss")
        #expect(played >= 45, "playout restarts for the new source after its initial delay")
    }

    @Test func aSkippedSlotIsAPauseNotALoss() throws {
        var stream = Self.stream()
        let first = try RTPPacket(parsing: try #require(Self.bytes(stream.nextSlot())))
        stream.skipSlot()
        stream.skipSlot()
        let next = try RTPPacket(parsing: try #require(Self.bytes(stream.nextSlot())))
        #expect(next.sequenceNumber == first.sequenceNumber &+ 1, "no sequence number was used up")
        #expect(next.timestamp == first.timestamp &+ 3 * 160, "the audio clock moved on")
        #expect(next.marker)
        #expect(stream.statistics(now: Self.at(60)).packetsSent == 2)
    }

    @Test func packetsThatComeWhileWeDoNotReceiveAreDropped() throws {
        var receiver = Self.stream(Self.configuration(direction: .sendonly))
        var sender = Self.stream(ssrc: 5)
        // The signalled host on another port: a source the latch would follow after three packets.
        let elsewhere = try SocketAddress(ipAddress: "127.0.0.2", port: 7000)
        for slot in Int64(0)..<5 {
            #expect(
                receiver.receiveRTP(
                    try #require(Self.bytes(sender.nextSlot())), from: elsewhere, now: Self.at(slot * 20)) == .discarded
            )
        }
        #expect(receiver.rtpTarget == Self.peer, "the latch did not move")
        #expect(receiver.statistics(now: Self.at(100)).packetsReceived == 0)
        #expect(receiver.statistics(now: Self.at(100)).rejectedSource == 0, "dropped for the direction, not the source")
    }
}
