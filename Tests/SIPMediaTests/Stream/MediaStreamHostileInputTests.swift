import NIOCore
import SIPCore
import Testing

@testable import SIPMedia

/// No media packet from the network may crash the process or grow memory without bound:
/// the stream is fed mutated and random datagrams on both ports, with a deterministic generator so a
/// failure repeats.
@Suite("Media stream under hostile input")
struct MediaStreamHostileInputTests {
    /// Seconds of CPU in a debug build: the test yields its thread every 500 rounds, so that Swift's
    /// pool (two threads on two cores) runs other tests' work meanwhile instead of holding it up.
    @Test func mutatedAndRandomDatagramsAreDroppedOrCountedAndMemoryStaysBounded() async throws {
        var random = SeededRandom(seed: 4733)
        var stream = MediaStreamTests.stream()
        var peer = MediaStreamTests.stream(ssrc: 0x77)
        let valid = (0..<64).compactMap { _ in MediaStreamTests.bytes(peer.nextSlot()) }
        _ = peer.sendDTMF([.digit7])
        let events = (0..<12).compactMap { _ in MediaStreamTests.bytes(peer.nextSlot()) }
        let report = peer.rtcpReport(
            now: MediaStreamTests.at(3000), wallClock: NTPTimestamp(rawValue: 1), randomFactor: 1)
        let rtcp = try #require(report)
        let seeds = valid + events + [rtcp]
        let capacity = JitterBufferConfiguration().capacity
        var maximumBuffered = 0
        for round in 0..<30_000 {
            if round % 500 == 0 { await Task.yield() }
            var bytes: [UInt8]
            switch round % 4 {
            case 0:  // a valid packet with a few bytes flipped
                bytes = seeds[Int.random(in: 0..<seeds.count, using: &random)]
                for _ in 0..<Int.random(in: 1...4, using: &random) where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            case 1:  // cut short or padded out
                bytes = seeds[Int.random(in: 0..<seeds.count, using: &random)]
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count + 40, using: &random)))
                if bytes.count < 12 { break }
                bytes += (0..<Int.random(in: 0...2000, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            case 2:  // random sequence numbers and timestamps on valid headers: reordering, huge jumps
                bytes = seeds[Int.random(in: 0..<valid.count, using: &random)]
                for index in 2..<8 { bytes[index] = UInt8.random(in: 0...255, using: &random) }
            default:  // noise
                bytes = (0..<Int.random(in: 0...1600, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            }
            let now = MediaStreamTests.at(Int64(round))
            if round % 7 == 0 {
                stream.receiveRTCP(
                    bytes, from: MediaStreamTests.peerRTCP, now: now, wallClock: NTPTimestamp(rawValue: UInt64(round)))
            } else {
                _ = stream.receiveRTP(bytes, from: MediaStreamTests.peer, now: now)
            }
            if round % 20 == 0 { _ = stream.playout(now: now) }
            maximumBuffered = max(maximumBuffered, stream.bufferedPackets)
        }
        let s = stream.statistics(now: MediaStreamTests.at(30_000))
        #expect(maximumBuffered <= capacity, "the jitter buffer never holds more than its capacity")
        #expect(s.discarded > 0, "malformed datagrams were counted")
        #expect(s.packetsReceived > 0, "and valid-looking ones still went through")
        #expect((0...1).contains(s.lossRatio))
        #expect((1...4.5).contains(s.meanOpinionScore))
    }
}
