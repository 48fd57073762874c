/// Wallclock time as RTCP carries it (RFC 3550 §4): 64-bit NTP format, seconds since 1 January 1900 in
/// the top 32 bits and the fraction of a second in the bottom 32.
///
/// The seconds wrap every 2^32 s (era 0 ends in February 2036). RTCP only ever subtracts the middle
/// 32 bits of two nearby timestamps (§6.4.1), so the wrap is harmless and times after 2036 are kept
/// modulo 2^32 seconds rather than rejected.
package struct NTPTimestamp: Hashable, Sendable {
    package var rawValue: UInt64

    package init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// Seconds from 1900 to 1970, the Unix epoch (§4: 70 years, 17 of them leap).
    package static let unixEpochOffset: Double = 2_208_988_800

    /// Wall clock (seconds since 1970, as `Date.timeIntervalSince1970` or `clock_gettime(CLOCK_REALTIME)`
    /// give it) to NTP. Times before 1900, and NaN, become 0: the caller's clock is broken, and 0 is the
    /// value §6.4.1 treats as "no timestamp" rather than a trap.
    package init(secondsSince1970: Double) {
        let seconds = secondsSince1970 + Self.unixEpochOffset
        guard seconds.isFinite, seconds >= 0 else {
            self.init(rawValue: 0)
            return
        }
        let whole = seconds.rounded(.down)
        let wholeSeconds = UInt64(whole.truncatingRemainder(dividingBy: 4_294_967_296))
        // The subtraction and the power-of-two scale are exact, so this stays below 2^32; the clamp only
        // makes sure a future change cannot turn that into a trap.
        let fraction = UInt64(min((seconds - whole) * 4_294_967_296, 4_294_967_295))
        self.init(rawValue: wholeSeconds << 32 | fraction)
    }

    /// The middle 32 bits: 16 of seconds, 16 of fraction. The form the LSR field of a report block
    /// carries (§6.4.1), in units of 1/65,536 s.
    package var middle32: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 16) }
}
