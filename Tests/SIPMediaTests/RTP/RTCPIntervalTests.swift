import Testing

@testable import SIPMedia

@Suite("RTCP report interval (RFC 3550 §6.3.1, A.7)")
struct RTCPIntervalTests {
    /// G.711 at 64 kbit/s with 5 % on top, in bytes per second.
    static let g711Bandwidth = 64_000 * 1.05 / 8

    static func close(_ value: Double, _ expected: Double) -> Bool { abs(value - expected) < 1e-9 }

    /// A two-party call: RTCP's 420 B/s would allow a 100-byte report every 0.48 s, so the 5 s minimum
    /// rules, then e − 3/2 compensation: 5 / 1.21828… = 4.1041… s.
    @Test func aTwoPartyCallUsesTheMinimum() {
        let interval = RTCPInterval.interval(
            members: 2, senders: 2, weSent: true, averagePacketSize: 100, sessionBandwidth: Self.g711Bandwidth,
            initial: false, randomFactor: 1)
        #expect(Self.close(interval, 4.104_140_670_245_649))
        #expect(Self.close(RTCPInterval.compensation, 1.218_281_828_459_045))
    }

    @Test func theFirstReportHalvesTheMinimum() {
        let interval = RTCPInterval.interval(
            members: 2, senders: 1, weSent: false, averagePacketSize: 100, sessionBandwidth: Self.g711Bandwidth,
            initial: true, randomFactor: 1)
        #expect(Self.close(interval, 2.052_070_335_122_824_7))
    }

    @Test func theRandomFactorSpreadsTheIntervalFromHalfToOneAndAHalf() {
        func interval(_ factor: Double) -> Double {
            RTCPInterval.interval(
                members: 2, senders: 2, weSent: true, averagePacketSize: 100, sessionBandwidth: Self.g711Bandwidth,
                initial: false, randomFactor: factor)
        }
        #expect(Self.close(interval(0.5), 2.052_070_335_122_824_7))
        #expect(Self.close(interval(1.5), 6.156_211_005_368_473_5))
        // Out of range or NaN factors are clamped, not trusted.
        #expect(interval(0) == interval(0.5))
        #expect(interval(7) == interval(1.5))
        #expect(interval(.nan) == interval(1))
    }

    /// Senders at most a quarter of 1,000 members: a sender shares 105 B/s with 9 others,
    /// 100 × 10 / 105 = 9.52 s, × 1.5 / 1.21828… = 11.73 s.
    @Test func aFewSendersShareAQuarterOfTheBandwidth() {
        let interval = RTCPInterval.interval(
            members: 1_000, senders: 10, weSent: true, averagePacketSize: 100, sessionBandwidth: Self.g711Bandwidth,
            initial: false, randomFactor: 1.5)
        #expect(Self.close(interval, 11.726_116_200_701_853))
    }

    /// The 990 receivers share 315 B/s: 100 × 990 / 315 = 314.29 s, × 0.5 / 1.21828… = 128.99 s.
    @Test func receiversShareTheOtherThreeQuarters() {
        let interval = RTCPInterval.interval(
            members: 1_000, senders: 10, weSent: false, averagePacketSize: 100, sessionBandwidth: Self.g711Bandwidth,
            initial: false, randomFactor: 0.5)
        #expect(Self.close(interval, 128.987_278_207_720_38))
        #expect(
            Self.close(
                RTCPInterval.deterministicInterval(
                    members: 1_000, senders: 10, weSent: false, averagePacketSize: 100,
                    sessionBandwidth: Self.g711Bandwidth, initial: false),
                99_000.0 / 315))
    }

    /// More than a quarter are senders: everyone shares the whole 420 B/s. 4 × 1,000 / 420 = 9.52 s.
    @Test func manySendersShareEverything() {
        let interval = RTCPInterval.interval(
            members: 4, senders: 2, weSent: true, averagePacketSize: 1_000, sessionBandwidth: Self.g711Bandwidth,
            initial: false, randomFactor: 1)
        #expect(Self.close(interval, 7.817_410_800_467_902))
    }

    @Test func nonsenseInputsFallBackToTheMinimum() {
        for bandwidth in [0, -1, Double.nan, Double.infinity] {
            let interval = RTCPInterval.interval(
                members: 2, senders: 1, weSent: true, averagePacketSize: 100, sessionBandwidth: bandwidth,
                initial: false, randomFactor: 1)
            #expect(Self.close(interval, 4.104_140_670_245_649))
        }
        let noMembers = RTCPInterval.interval(
            members: 0, senders: -3, weSent: false, averagePacketSize: .nan, sessionBandwidth: Self.g711Bandwidth,
            initial: true, randomFactor: 1)
        #expect(Self.close(noMembers, 2.052_070_335_122_824_7))
    }
}
