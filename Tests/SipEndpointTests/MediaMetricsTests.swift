import MetricsTestKit
import Testing

@testable import SipEndpoint

/// Live publication adds only what is new, so a call published every 5 s and then ended counts each
/// packet once.
@Suite("Media metrics")
struct MediaMetricsTests {
    static func statistics(sent: UInt64, received: UInt64, lost: Int64, late: Int, mos: Double = 4.3) -> MediaStatistics
    {
        MediaStatistics(
            codec: "PCMU", packetsSent: sent, octetsSent: sent * 160, packetsReceived: received,
            octetsReceived: received * 160,
            packetsLost: lost, lossRatio: 0, jitterMilliseconds: 1.5, roundTripTimeMilliseconds: 12,
            remoteLossRatio: nil,
            remotePacketsLost: nil, latePackets: late, duplicatePackets: 0, reorderedPackets: 0, concealedFrames: 0,
            discardedPackets: 0, jitterBufferMilliseconds: 60, dtmfSent: 0, dtmfReceived: 0, meanOpinionScore: mos,
            remoteAddress: nil)
    }

    @Test func liveCountsAndTheEndAddUpToTheCallsTotals() throws {
        let test = TestMetrics()
        let metrics = MediaMetrics(factory: test)
        metrics.callStarted()
        let first = Self.statistics(sent: 250, received: 240, lost: 3, late: 1)
        metrics.publish(first, since: nil)
        #expect(try test.expectCounter("sipendpoint_rtp_packets_sent_total").totalValue == 250)
        let second = Self.statistics(sent: 500, received: 495, lost: 5, late: 2)
        metrics.publish(second, since: first)
        let last = Self.statistics(sent: 612, received: 600, lost: 5, late: 2, mos: 4.2)
        metrics.callEnded(last, since: second)
        #expect(try test.expectCounter("sipendpoint_rtp_packets_sent_total").totalValue == 612)
        #expect(try test.expectCounter("sipendpoint_rtp_packets_received_total").totalValue == 600)
        #expect(try test.expectCounter("sipendpoint_rtp_octets_sent_total").totalValue == 612 * 160)
        #expect(try test.expectCounter("sipendpoint_rtp_packets_lost_total").totalValue == 5)
        #expect(try test.expectCounter("sipendpoint_rtp_packets_late_total").totalValue == 2)
        #expect(try test.expectRecorder("sipendpoint_call_mos").values == [4.2], "quality once, at the end")
        #expect(try test.expectRecorder("sipendpoint_call_rtt_milliseconds").values == [12])
        #expect(try test.expectMeter("sipendpoint_media_sessions").lastValue == 0)
    }
}
