/// Figures read from the statistics screen SIPp prints when it exits. SIPp 3.6.1 writes its RTP
/// counters only there (not in `-trace_stat`'s CSV), as lines like
/// `  5 Total echo RTP pckts 1st stream       5.080 last period RTP rate (kB/s)`.
enum SIPpScreen {
    /// The count on the last `Total echo RTP pckts 1st stream` line (the audio port, `-mp`); the
    /// screen is printed more than once when SIPp refreshes it, and the last one is the final count.
    static func echoedRTPPackets(in output: String) -> Int? {
        let label = "Total echo RTP pckts 1st stream"
        var last: Int?
        for line in output.split(separator: "\n") where line.contains(label) {
            let count = line.split(separator: " ", omittingEmptySubsequences: true).first.flatMap { Int($0) }
            if let count { last = count }
        }
        return last
    }
}
