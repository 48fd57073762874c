/// `t=<start-time> <stop-time>` with its `r=` lines (RFC 4566 §5.9, §5.10). A call's session is
/// unbounded: `t=0 0` (RFC 3264 §5).
package struct SDPTiming: Hashable, Sendable {
    /// NTP seconds, or 0 for unbounded.
    package var start: UInt64
    /// NTP seconds, or 0 for unbounded.
    package var stop: UInt64
    /// Values of the `r=` lines that follow the `t=`, kept as written.
    package var repeats: [String]

    package init(start: UInt64 = 0, stop: UInt64 = 0, repeats: [String] = []) {
        self.start = start
        self.stop = stop
        self.repeats = repeats
    }
}
