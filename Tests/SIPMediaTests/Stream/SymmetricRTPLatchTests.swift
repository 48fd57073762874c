import NIOCore
import Testing

@testable import SIPMedia

/// Media follows signalling: the latch as a value, then wired in a ``MediaStream``.
@Suite("Media source rule (symmetric RTP latch)")
struct SymmetricRTPLatchTests {
    static let signalled = try! SocketAddress(ipAddress: "127.0.0.2", port: 40000)
    static let natPort = try! SocketAddress(ipAddress: "127.0.0.2", port: 50000)
    static let stranger = try! SocketAddress(ipAddress: "127.0.0.9", port: 40000)

    @Test func aStrangerNeverMovesTheLatchHoweverManyPacketsItSends() {
        var latch = SymmetricRTPLatch(signalled: Self.signalled)
        for _ in 0..<100 {
            #expect(!latch.admits(Self.stranger))
            #expect(latch.observe(Self.stranger) == .rejected)
        }
        #expect(latch.target == Self.signalled)
        #expect(!latch.isLatched, "a rejected packet does not even confirm the target")
        // The stranger on the signalled port number, and on the NAT port number: still another address.
        let samePort = try! SocketAddress(ipAddress: "127.0.0.9", port: 50000)
        for _ in 0..<10 { #expect(latch.observe(samePort) == .rejected) }
        #expect(latch.target == Self.signalled)
    }

    @Test func theSignalledSourceAlwaysWorks() {
        var latch = SymmetricRTPLatch(signalled: Self.signalled)
        #expect(latch.observe(Self.signalled) == .accepted(moved: false))
        #expect(latch.isLatched)
        #expect(latch.target == Self.signalled)
        // Even after the peer moved to another port, its announced address is still accepted, and it
        // takes the target back after the same run of packets.
        for _ in 0..<3 { _ = latch.observe(Self.natPort) }
        #expect(latch.target == Self.natPort)
        #expect(latch.observe(Self.signalled) == .accepted(moved: false))
        #expect(latch.observe(Self.signalled) == .accepted(moved: false))
        #expect(latch.observe(Self.signalled) == .accepted(moved: true))
        #expect(latch.target == Self.signalled)
    }

    @Test func anotherPortOfTheSignalledAddressLatchesAfterThreePacketsInARow() {
        var latch = SymmetricRTPLatch(signalled: Self.signalled)
        #expect(latch.observe(Self.natPort) == .accepted(moved: false), "accepted (same host), not yet followed")
        #expect(latch.observe(Self.natPort) == .accepted(moved: false))
        #expect(latch.target == Self.signalled)
        #expect(
            latch.observe(Self.natPort) == .accepted(moved: true),
            "RFC 4961: three in a row, answer where they come from")
        #expect(latch.target == Self.natPort)
        #expect(latch.isLatched)
    }

    @Test func theRunMustBeUnbrokenByTheTargetButAStrangerCannotBreakIt() {
        var latch = SymmetricRTPLatch(signalled: Self.signalled)
        _ = latch.observe(Self.natPort)
        _ = latch.observe(Self.natPort)
        _ = latch.observe(Self.signalled)  // the target speaks: the run starts again
        _ = latch.observe(Self.natPort)
        #expect(latch.target == Self.signalled)
        _ = latch.observe(Self.stranger)  // rejected: leaves the latch as it was
        _ = latch.observe(Self.natPort)
        #expect(latch.target == Self.signalled)
        #expect(latch.observe(Self.natPort) == .accepted(moved: true))
    }

    @Test func withoutAnAddressInTheSDPNothingIsAccepted() {
        var latch = SymmetricRTPLatch(signalled: nil)
        for _ in 0..<5 { #expect(latch.observe(Self.signalled) == .rejected) }
        #expect(latch.target == nil)
    }

    @Test func anIPv4MappedSourceIsTheSameHost() throws {
        let mapped = try SocketAddress(ipAddress: "::ffff:127.0.0.2", port: 40000)
        #expect(SymmetricRTPLatch.sameHost(mapped, Self.signalled))
        #expect(
            !SymmetricRTPLatch.sameHost(try SocketAddress(ipAddress: "::ffff:127.0.0.9", port: 40000), Self.signalled))
    }

    @Test func aReInviteMovesTheRuleToTheNewAddress() throws {
        var latch = SymmetricRTPLatch(signalled: Self.signalled)
        latch.reset(signalled: Self.stranger)
        #expect(latch.observe(Self.stranger) == .accepted(moved: false))
        #expect(latch.observe(Self.signalled) == .rejected, "the old address is a stranger now")
    }

    // MARK: In the stream

    @Test func aStrangersHundredPacketsNeverReachTheJitterBufferAndAreCounted() throws {
        var receiver = MediaStreamTests.stream()
        var stranger = MediaStreamTests.stream(ssrc: 0x6666)
        for slot in Int64(0)..<100 {
            let bytes = try #require(MediaStreamTests.bytes(stranger.nextSlot()))
            #expect(receiver.receiveRTP(bytes, from: Self.stranger, now: MediaStreamTests.at(slot * 20)) == .discarded)
            #expect(receiver.playout(now: MediaStreamTests.at(slot * 20)) == .nothing)
        }
        #expect(receiver.bufferedPackets == 0)
        #expect(receiver.remoteSSRC == nil)
        #expect(receiver.rtpTarget == MediaStreamTests.peer)
        let s = receiver.statistics(now: MediaStreamTests.at(2000))
        #expect(s.rejectedSource == 100)
        #expect(s.discarded == 100)
        #expect(s.packetsReceived == 0)
        #expect(s.remoteAddress == "127.0.0.2:40000")
    }

    @Test func aStrangersRTCPIsNotRead() throws {
        var a = MediaStreamTests.stream(ssrc: 0xA)
        var b = MediaStreamTests.stream(ssrc: 0xB)
        for slot in Int64(0)..<150 {
            _ = a.receiveRTP(
                try #require(MediaStreamTests.bytes(b.nextSlot())), from: MediaStreamTests.peer,
                now: MediaStreamTests.at(slot * 20))
        }
        let wall = NTPTimestamp(secondsSince1970: 1_800_000_000)
        let made = b.rtcpReport(now: MediaStreamTests.at(3000), wallClock: wall, randomFactor: 1)
        let report = try #require(made)
        let strangerRTCP = try SocketAddress(ipAddress: "127.0.0.9", port: 40001)
        a.receiveRTCP(report, from: strangerRTCP, now: MediaStreamTests.at(3000), wallClock: wall)
        #expect(a.rtcpTarget == MediaStreamTests.peerRTCP)
        #expect(a.rtcp.reportsReceived == 0, "the stranger's sender report was not taken")
        #expect(a.statistics(now: MediaStreamTests.at(3000)).rejectedSource == 1)
        a.receiveRTCP(report, from: MediaStreamTests.peerRTCP, now: MediaStreamTests.at(3000), wallClock: wall)
        #expect(a.rtcp.reportsReceived == 1, "the same report from the signalled address is")
        #expect(a.statistics(now: MediaStreamTests.at(3000)).rejectedSource == 1)
    }
}
