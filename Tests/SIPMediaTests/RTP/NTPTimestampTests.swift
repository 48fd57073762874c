import Testing

@testable import SIPMedia

@Suite("NTP timestamps and round-trip time (RFC 3550 §4, §6.4.1)")
struct NTPTimestampTests {
    @Test func theUnixEpochIsNTPSecond2208988800() {
        #expect(NTPTimestamp(secondsSince1970: 0).rawValue == 0x83AA_7E80 << 32)
        #expect(NTPTimestamp(secondsSince1970: 1.5).rawValue == UInt64(0x83AA_7E81) << 32 | 0x8000_0000)
        #expect(NTPTimestamp(secondsSince1970: 0.25).rawValue & 0xFFFF_FFFF == 0x4000_0000)
    }

    @Test func aPresentDayTime() {
        // 2024-01-01T00:00:00Z is Unix 1,704,067,200, NTP 3,913,056,000 = 0xE93C_7F00.
        let ntp = NTPTimestamp(secondsSince1970: 1_704_067_200.5)
        #expect(ntp.rawValue >> 32 == 0xE93C_7F00)
        #expect(ntp.rawValue & 0xFFFF_FFFF == 0x8000_0000)
        #expect(ntp.middle32 == 0x7F00_8000)
    }

    /// The nearest Double may be the next whole second; either way the fraction must not overflow.
    @Test func aTimeAHairBeforeASecondStaysInRange() {
        let ntp = NTPTimestamp(secondsSince1970: 1_704_067_200.999_999_999_9)
        #expect(ntp.rawValue >> 32 == 0xE93C_7F00 || ntp.rawValue >> 32 == 0xE93C_7F01)
    }

    /// Era 0 ends 2036-02-07T06:28:16Z; after it the seconds wrap, which §6.4.1's arithmetic tolerates.
    @Test func secondsWrapAtTheEndOfEra0() {
        let wrap = 4_294_967_296 - NTPTimestamp.unixEpochOffset
        #expect(NTPTimestamp(secondsSince1970: wrap).rawValue == 0)
        #expect(NTPTimestamp(secondsSince1970: wrap + 2).rawValue == 2 << 32)
        #expect(NTPTimestamp(secondsSince1970: wrap - 1).rawValue == 0xFFFF_FFFF << 32)
    }

    @Test func brokenClocksBecomeZeroInsteadOfTrapping() {
        #expect(NTPTimestamp(secondsSince1970: -3_000_000_000).rawValue == 0)
        #expect(NTPTimestamp(secondsSince1970: .nan).rawValue == 0)
        #expect(NTPTimestamp(secondsSince1970: .infinity).rawValue == 0)
        #expect(NTPTimestamp(secondsSince1970: -.infinity).rawValue == 0)
        #expect(NTPTimestamp(secondsSince1970: 1e300).rawValue == 0)
    }

    @Test func middle32IsTheLSRForm() {
        #expect(NTPTimestamp(rawValue: 0xB44D_B705_2000_0000).middle32 == 0xB705_2000)
        #expect(NTPTimestamp(rawValue: 0x1122_3344_5566_7788).middle32 == 0x3344_5566)
    }

    /// The worked example of §6.4.1, Figure 2.
    @Test func theRFCExampleIsSixAndAnEighthSeconds() {
        let arrival = NTPTimestamp(rawValue: 0xB44D_B710_8000_0000)
        let rtt = RoundTripTime.seconds(
            arrival: arrival, lastSenderReport: 0xB705_2000, delaySinceLastSenderReport: 0x0005_4000)
        #expect(rtt == 6.125)
    }

    @Test func aRoundTripAcrossTheWrapOfTheMiddleBits() {
        // LSR just before the 16-bit seconds wrap, arrival just after it: 0.5 s later, held 0.25 s.
        let arrival = NTPTimestamp(rawValue: 0x0000_0000_4000_0000)
        let rtt = RoundTripTime.seconds(
            arrival: arrival, lastSenderReport: 0xFFFF_C000, delaySinceLastSenderReport: 0x0000_4000)
        #expect(rtt == 0.25)
    }

    @Test func noReportYetNegativeOrImplausibleIsNil() {
        let arrival = NTPTimestamp(rawValue: 0xB44D_B710_8000_0000)
        #expect(RoundTripTime.seconds(arrival: arrival, lastSenderReport: 0, delaySinceLastSenderReport: 0) == nil)
        // The peer claims it held our SR longer than the time since we sent it.
        #expect(
            RoundTripTime.seconds(
                arrival: arrival, lastSenderReport: 0xB705_2000, delaySinceLastSenderReport: 0x0020_0000) == nil)
        // 61 s.
        #expect(
            RoundTripTime.seconds(
                arrival: arrival, lastSenderReport: 0xB710_8000 - 61 << 16, delaySinceLastSenderReport: 0) == nil)
        #expect(
            RoundTripTime.seconds(
                arrival: arrival, lastSenderReport: 0xB710_8000 - 60 << 16, delaySinceLastSenderReport: 0) == 60)
        #expect(
            RoundTripTime.seconds(arrival: arrival, lastSenderReport: 0xB710_8000, delaySinceLastSenderReport: 0) == 0)
        // 1/65536 s resolution.
        #expect(
            RoundTripTime.seconds(arrival: arrival, lastSenderReport: 0xB710_7FFF, delaySinceLastSenderReport: 0) == 1.0
                / 65_536)
    }

    @Test func fromWallClockToRoundTrip() {
        // We send an SR at t, the peer holds it 1.25 s, its RR reaches us at t + 1.33 s: 80 ms on the wire.
        let t = 1_704_067_200.125
        let lsr = NTPTimestamp(secondsSince1970: t).middle32
        let dlsr = UInt32(1.25 * 65_536)
        let rtt = RoundTripTime.seconds(
            arrival: NTPTimestamp(secondsSince1970: t + 1.33), lastSenderReport: lsr, delaySinceLastSenderReport: dlsr)
        #expect(rtt.map { abs($0 - 0.08) < 0.000_1 } == true)
    }
}
