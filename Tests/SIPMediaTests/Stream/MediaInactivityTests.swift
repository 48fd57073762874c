import NIOCore
import Testing

@testable import SIPMedia

/// `rtp_inactivity_timeout` on the stream machine, with a mock clock: what counts as media (RTP,
/// RTCP, comfort noise), and when the wait starts over (receiving again, a timeout re-armed after a
/// hold).
@Suite("Media inactivity")
struct MediaInactivityTests {
    typealias T = MediaStreamTests
    static let timeout = TimeAmount.seconds(3)

    /// A comfort-noise packet (RFC 3389, payload type 13) from the peer.
    static func comfortNoise(sequence: UInt16) -> [UInt8] {
        [0x80, 13, UInt8(sequence >> 8), UInt8(sequence & 0xFF), 0, 0, 0, 160, 0, 0, 0x22, 0x22, 0x40]
    }

    @Test func rtpKeepsTheStreamActiveAndSilenceForTheTimeoutMakesItInactive() throws {
        var peer = T.stream(ssrc: 0x2222)
        var stream = T.stream(T.configuration(timeout: Self.timeout))
        let packet = try #require(T.bytes(peer.nextSlot()))
        _ = stream.receiveRTP(packet, from: T.peer, now: T.at(1000))
        #expect(!stream.isInactive(now: T.at(3999)))
        #expect(stream.isInactive(now: T.at(4000)))
        #expect(stream.silence(now: T.at(4000)) == .seconds(3))
    }

    @Test func rtcpAloneCountsAsMedia() throws {
        var peer = T.stream(ssrc: 0x2222)
        var stream = T.stream(T.configuration(timeout: Self.timeout))
        let made = peer.rtcpReport(now: T.at(2500), wallClock: NTPTimestamp(rawValue: 1 << 32), randomFactor: 1)
        let report = try #require(made)
        stream.receiveRTCP(report, from: T.peerRTCP, now: T.at(2500), wallClock: NTPTimestamp(rawValue: 1 << 32))
        #expect(!stream.isInactive(now: T.at(5000)), "a peer that suppresses silence still reports (RFC 3550 §6.2)")
        #expect(stream.isInactive(now: T.at(5500)))
    }

    @Test func comfortNoiseCountsAsMediaButIsNotPlayedOrDiscarded() throws {
        var stream = T.stream(T.configuration(timeout: Self.timeout))
        let reception = stream.receiveRTP(Self.comfortNoise(sequence: 7), from: T.peer, now: T.at(2000))
        #expect(reception == .event)
        #expect(!stream.isInactive(now: T.at(4500)))
        #expect(stream.statistics(now: T.at(2000)).discarded == 0)
        #expect(stream.statistics(now: T.at(2000)).packetsReceived == 0, "not audio")
    }

    @Test func aStrangersPacketDoesNotCount() throws {
        var stream = T.stream(T.configuration(timeout: Self.timeout))
        let stranger = try SocketAddress(ipAddress: "127.0.0.9", port: 40000)
        _ = stream.receiveRTP(Self.comfortNoise(sequence: 1), from: stranger, now: T.at(2000))
        #expect(stream.isInactive(now: T.at(3000)))
    }

    @Test func aTimeoutReArmedAfterAHoldStartsOver() throws {
        var stream = T.stream(T.configuration(timeout: Self.timeout))
        // Held: the call control arms no timeout.
        stream.update(T.configuration(timeout: nil), now: T.at(1000))
        #expect(!stream.isInactive(now: T.at(10_000)))
        // Retrieved at 10 s: the wait starts from the retrieve, not from the last packet.
        stream.update(T.configuration(timeout: Self.timeout), now: T.at(10_000))
        #expect(!stream.isInactive(now: T.at(12_999)))
        #expect(stream.isInactive(now: T.at(13_000)))
    }
}
