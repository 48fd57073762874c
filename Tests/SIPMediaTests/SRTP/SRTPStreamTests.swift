import NIOCore
import Testing

@testable import SIPMedia

/// ``MediaStream`` with SRTP keys, fed by hand on a mock clock: what goes out is SRTP, only
/// authentic packets count (and only they move the latch), and a key never restarts its index.
@Suite("SRTP in the media stream")
struct SRTPStreamTests {
    static let peer = MediaStreamTests.peer
    static let otherPort = try! SocketAddress(ipAddress: "127.0.0.2", port: 50000)

    static func keys(_ suite: SRTPSuite = .aesCM128HmacSHA1_80) throws -> (a: NegotiatedSRTP, b: NegotiatedSRTP) {
        let one = try SRTPMasterKey.random(for: suite), two = try SRTPMasterKey.random(for: suite)
        return (
            NegotiatedSRTP(suite: suite, tag: 1, sendKey: one, receiveKey: two),
            NegotiatedSRTP(suite: suite, tag: 1, sendKey: two, receiveKey: one)
        )
    }

    static func stream(_ srtp: NegotiatedSRTP?, ssrc: UInt32 = 0x1111, direction: MediaDirection = .sendrecv)
        -> MediaStream
    {
        var configuration = MediaStreamTests.configuration(direction: direction)
        configuration.srtp = srtp
        return MediaStreamTests.stream(configuration, ssrc: ssrc)
    }

    /// The next packet as it leaves the stream: built like the driver builds it, then protected.
    static func wire(_ stream: inout MediaStream, level: Int16 = 1000) throws -> [UInt8] {
        let plain = try #require(MediaStreamTests.bytes(stream.nextSlot(), level: level))
        var buffer = ByteBuffer(bytes: plain)
        #expect(stream.protectRTP(&buffer))
        return Array(buffer.readableBytesView)
    }

    @Test(arguments: SRTPSuite.allCases)
    func audioGoesOutEncryptedAndPlaysOnTheOtherSide(suite: SRTPSuite) throws {
        let (a, b) = try Self.keys(suite)
        var sender = Self.stream(a)
        var receiver = Self.stream(b, ssrc: 0x2222)
        var plainCopy = Self.stream(nil)
        for slot in 0..<10 {
            let plain = try #require(MediaStreamTests.bytes(plainCopy.nextSlot()))
            let bytes = try Self.wire(&sender)
            #expect(Array(bytes[12..<172]) != Array(plain[12..<172]), "no G.711 in clear on the wire")
            #expect(receiver.receiveRTP(bytes, from: Self.peer, now: MediaStreamTests.at(Int64(slot) * 20)) == .audio)
        }
        let statistics = receiver.statistics(now: MediaStreamTests.at(200))
        #expect(statistics.packetsReceived == 10 && statistics.authenticationFailures == 0)
        #expect(statistics.srtpSuite == suite.name)
        var expected = ByteBuffer()
        G711Codec.pcmu.encode([Int16](repeating: 1000, count: 160), into: &expected)
        let played = (0..<10).lazy.map { receiver.playout(now: MediaStreamTests.at(200 + Int64($0) * 20)) }
            .first { if case .samples = $0 { true } else { false } }
        #expect(played == .samples(G711Codec.pcmu.decode(Array(expected.readableBytesView))), "decrypted audio plays")
    }

    @Test func plainForgedAndReplayedPacketsAreDroppedAndCounted() throws {
        let (a, b) = try Self.keys()
        var sender = Self.stream(a)
        var receiver = Self.stream(b, ssrc: 0x2222)
        var plainSender = Self.stream(nil, ssrc: 0x3333)
        let plain = try #require(MediaStreamTests.bytes(plainSender.nextSlot()))
        #expect(receiver.receiveRTP(plain, from: Self.peer, now: MediaStreamTests.at(0)) == .discarded)
        let genuine = try Self.wire(&sender)
        var forged = genuine
        forged[30] ^= 0xFF
        #expect(receiver.receiveRTP(forged, from: Self.peer, now: MediaStreamTests.at(20)) == .discarded)
        #expect(receiver.receiveRTP(genuine, from: Self.peer, now: MediaStreamTests.at(20)) == .audio)
        #expect(receiver.receiveRTP(genuine, from: Self.peer, now: MediaStreamTests.at(40)) == .discarded, "a replay")
        let s = receiver.statistics(now: MediaStreamTests.at(60))
        #expect(s.authenticationFailures == 2 && s.replayedPackets == 1 && s.discarded == 3 && s.packetsReceived == 1)
        #expect(receiver.remoteSSRC == 0x1111, "the plain packet's SSRC 0x3333 was never taken")
    }

    @Test func onlyAuthenticPacketsMoveTheLatch() throws {
        let (a, b) = try Self.keys()
        var receiver = Self.stream(b, ssrc: 0x2222)
        // An attacker on the peer's own address (the one thing the address rule cannot tell apart)
        // sends from another port without the key: however many, our RTP stays where the SDP said.
        let stranger = try SRTPMasterKey.random(for: .aesCM128HmacSHA1_80)
        var forger = Self.stream(
            NegotiatedSRTP(suite: .aesCM128HmacSHA1_80, tag: 1, sendKey: stranger, receiveKey: stranger), ssrc: 0x6666)
        var plainForger = Self.stream(nil, ssrc: 0x7777)
        for slot in 0..<20 {
            _ = receiver.receiveRTP(
                try Self.wire(&forger), from: Self.otherPort, now: MediaStreamTests.at(Int64(slot) * 20))
            _ = receiver.receiveRTP(
                try #require(MediaStreamTests.bytes(plainForger.nextSlot())), from: Self.otherPort,
                now: MediaStreamTests.at(Int64(slot) * 20))
        }
        #expect(receiver.rtpTarget == Self.peer)
        #expect(receiver.statistics(now: MediaStreamTests.at(400)).authenticationFailures == 40)
        // The key's holder moving to that port is followed, as RFC 4961 symmetric RTP wants.
        var sender = Self.stream(a)
        for slot in 20..<23 {
            _ = receiver.receiveRTP(
                try Self.wire(&sender), from: Self.otherPort, now: MediaStreamTests.at(Int64(slot) * 20))
        }
        #expect(receiver.rtpTarget == Self.otherPort)
    }

    @Test func rtcpIsSRTCPBothWays() throws {
        let (a, b) = try Self.keys()
        var one = Self.stream(a)
        var two = Self.stream(b, ssrc: 0x2222)
        _ = try Self.wire(&one)
        let due = one.rtcpReport(
            now: MediaStreamTests.at(5000), wallClock: NTPTimestamp(secondsSince1970: 100), randomFactor: 1, bye: true)
        let report = try #require(due)
        #expect(throws: (any Error).self) { try RTCPCompoundPacket(parsing: report) }
        two.receiveRTCP(
            report, from: MediaStreamTests.peerRTCP, now: MediaStreamTests.at(5001),
            wallClock: NTPTimestamp(secondsSince1970: 100))
        #expect(
            two.statistics(now: MediaStreamTests.at(5002)).discarded == 0, "the SRTCP report was authentic and read")
        let next = one.rtcpReport(
            now: MediaStreamTests.at(6000), wallClock: NTPTimestamp(secondsSince1970: 101), randomFactor: 1, bye: true)
        var tampered = try #require(next)
        tampered[9] ^= 1
        two.receiveRTCP(
            tampered, from: MediaStreamTests.peerRTCP, now: MediaStreamTests.at(5003),
            wallClock: NTPTimestamp(secondsSince1970: 100))
        #expect(two.statistics(now: MediaStreamTests.at(5004)).authenticationFailures == 1)
        two.receiveRTCP(
            report, from: MediaStreamTests.peerRTCP, now: MediaStreamTests.at(5005),
            wallClock: NTPTimestamp(secondsSince1970: 100))
        #expect(two.statistics(now: MediaStreamTests.at(5006)).replayedPackets == 1, "SRTCP has its replay window too")
    }

    /// RFC 3711 §9.2: a key and an SSRC must never see the same packet index twice. The stream's SSRC
    /// lives as long as the call, so the sending context must too, for as long as its key does.
    @Test func aKeyIsNeverUsedAgainWithItsSSRCFromAFreshIndex() throws {
        let (a, b) = try Self.keys()
        var sender = Self.stream(a)
        var receiver = Self.stream(b, ssrc: 0x2222)
        let context = try #require(sender.sendingSRTPContext)
        var sent: [[UInt8]] = []
        func send(_ slots: Int) throws {
            for _ in 0..<slots {
                guard let plain = MediaStreamTests.bytes(sender.nextSlot()) else { continue }
                var buffer = ByteBuffer(bytes: plain)
                #expect(sender.protectRTP(&buffer))
                sent.append(Array(buffer.readableBytesView))
            }
        }
        try send(3)
        // Hold, retrieve, a refresh: the same keys come back in each new configuration.
        for direction in [MediaDirection.recvonly, .sendrecv, .sendrecv] {
            var configuration = MediaStreamTests.configuration(direction: direction)
            configuration.srtp = a
            sender.update(configuration, now: MediaStreamTests.at(100))
            #expect(sender.sendingSRTPContext === context, "same key, same context: the index goes on")
            try send(2)
        }
        // A rekey (the peer's new offer chose another line) and back again: the old key's context is
        // taken up again, never made afresh.
        let other = NegotiatedSRTP(
            suite: .aesCM128HmacSHA1_80, tag: 2, sendKey: try SRTPMasterKey.random(for: .aesCM128HmacSHA1_80),
            receiveKey: a.receiveKey)
        var rekeyed = MediaStreamTests.configuration()
        rekeyed.srtp = other
        sender.update(rekeyed, now: MediaStreamTests.at(200))
        #expect(sender.sendingSRTPContext !== context)
        var back = MediaStreamTests.configuration()
        back.srtp = a
        sender.update(back, now: MediaStreamTests.at(300))
        #expect(sender.sendingSRTPContext === context)
        // Everything sent under key a decrypts in one receiving context: no index was used twice, or
        // its replay window would have refused it.
        for (slot, bytes) in sent.enumerated() {
            #expect(receiver.receiveRTP(bytes, from: Self.peer, now: MediaStreamTests.at(Int64(slot) * 20)) == .audio)
        }
        #expect(receiver.statistics(now: MediaStreamTests.at(900)).replayedPackets == 0)
    }

    @Test func onlyAuthenticPacketsKeepAnInactivityTimeoutAway() throws {
        let (a, b) = try Self.keys()
        var configuration = MediaStreamTests.configuration(timeout: .seconds(1))
        configuration.srtp = b
        var receiver = MediaStreamTests.stream(configuration, ssrc: 0x2222)
        var plain = Self.stream(nil, ssrc: 0x3333)
        for slot in 0..<100 {  // two seconds of plain RTP from the peer's own address
            _ = receiver.receiveRTP(
                try #require(MediaStreamTests.bytes(plain.nextSlot())), from: Self.peer,
                now: MediaStreamTests.at(Int64(slot) * 20))
        }
        #expect(receiver.isInactive(now: MediaStreamTests.at(2000)), "unauthenticated packets are not media")
        var sender = Self.stream(a)
        _ = receiver.receiveRTP(try Self.wire(&sender), from: Self.peer, now: MediaStreamTests.at(2000))
        #expect(!receiver.isInactive(now: MediaStreamTests.at(2500)))
        #expect(receiver.isInactive(now: MediaStreamTests.at(3000)))
    }
}
