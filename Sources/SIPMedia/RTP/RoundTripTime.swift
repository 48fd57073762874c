/// The round-trip time to a peer from a report block it sent us (RFC 3550 §6.4.1, Figure 2):
///
///     A     0xb710:8000 (46864.500 s)   the report block arrives (middle 32 bits of our NTP clock)
///     DLSR -0x0005:4000 (    5.250 s)   the peer held our SR this long before reporting
///     LSR  -0xb705:2000 (46853.125 s)   our SR's timestamp, echoed
///     -------------------------------
///     delay 0x0006:2000 (    6.125 s)
///
/// A is when the report block arrived, LSR our SR's timestamp it echoes, DLSR how long the peer held it.
package enum RoundTripTime {
    /// The largest round trip believed: beyond it the peer's DLSR or our clock is wrong.
    package static let maximumPlausibleSeconds: Double = 60

    /// §6.4.1: A − LSR − DLSR in 1/65536 s units, as seconds; nil when lsr == 0 (no SR received yet) or
    /// the result is negative/implausible (> 60 s).
    package static func seconds(
        arrival: NTPTimestamp,
        lastSenderReport: UInt32,
        delaySinceLastSenderReport: UInt32
    ) -> Double? {
        guard lastSenderReport != 0 else { return nil }
        // Modulo 2^32, so the 18-hour wrap of the middle 32 bits between SR and RR does not matter.
        let units = arrival.middle32 &- lastSenderReport &- delaySinceLastSenderReport
        // A peer whose DLSR exceeds the elapsed time (clock skew, a bad stack) lands "negative" here.
        guard Int32(bitPattern: units) >= 0 else { return nil }
        let seconds = Double(units) / 65_536
        return seconds <= maximumPlausibleSeconds ? seconds : nil
    }
}
