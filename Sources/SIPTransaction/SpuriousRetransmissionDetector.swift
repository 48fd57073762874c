/// Whether a client transaction's retransmission was needed, judged from the answers it brings
/// back, as a value: no I/O, no clock.
///
/// Rule: a request sent more than once before its first answer that gets the same status code
/// twice was answered once per copy, so its first copy was not lost and the retransmission timer fired before an answer that
/// was already on its way (or already waiting, unread, in the phone's own socket). The target's RTO
/// was too short and backs off (RFC 6298 §5.5) until its next valid sample. This is RFC 3708's
/// detection of spurious TCP retransmissions by a duplicate SACK, with a SIP server's answer to
/// each copy in place of the duplicate SACK: RFC 3261 §17.2.1 and §17.2.2 make a server
/// transaction answer a retransmitted request with its latest response, and a stateful proxy
/// resends the 2xx it relayed.
///
/// - Only a repeat counts: a status that moves on (100, then 180, then 200) is the call
///   progressing, and a single answer after several copies is what a lost datagram gives.
/// - Only copies sent before the first answer count: a non-INVITE in Proceeding keeps
///   retransmitting every T2 (RFC 3261 §17.1.2.2) whatever the round trip, and the server's
///   repeated provisional to those copies says nothing about T1.
/// - It reports once per transaction: a UAS that retransmits its own 2xx until the ACK, or a
///   reliable provisional until the PRACK (RFC 3262), repeats a status too, and would otherwise
///   back the RTO off once per copy. Such a repeat after a retransmission of ours still counts
///   once; the cost of that false alarm is one doubled T1 until the next valid sample.
/// - It remembers the first ``capacity`` distinct statuses (4: 100, 180, 183, 200 cover a call's
///   answers); a fifth distinct status is not remembered.
package struct SpuriousRetransmissionDetector: Sendable {
    /// How many distinct statuses are remembered: 4.
    package static let capacity = 4

    private var seen: (UInt16, UInt16, UInt16, UInt16) = (0, 0, 0, 0)
    /// Whether the request had gone out more than once when its first answer came.
    private var copiesBeforeFirstAnswer = false
    /// Whether this transaction already reported a spurious retransmission.
    package private(set) var reported = false

    package init() {}

    /// The RTO already backed off for this transaction (its first answer came too soon after a
    /// retransmission to answer it): a repeat reports nothing more.
    package mutating func alreadyBackedOff() {
        reported = true
    }

    /// An answer with `statusCode` arrived while the request had gone out `transmissions` times;
    /// true exactly once, for the first repeat of a status of a request sent more than once before
    /// its first answer.
    package mutating func answer(statusCode: Int, transmissions: Int) -> Bool {
        guard !reported, (100...699).contains(statusCode) else { return false }
        let code = UInt16(statusCode)
        if seen.0 == 0 { copiesBeforeFirstAnswer = transmissions > 1 }
        if seen.0 == code || seen.1 == code || seen.2 == code || seen.3 == code {
            guard copiesBeforeFirstAnswer else { return false }
            reported = true
            return true
        }
        if seen.0 == 0 {
            seen.0 = code
        } else if seen.1 == 0 {
            seen.1 = code
        } else if seen.2 == 0 {
            seen.2 = code
        } else if seen.3 == 0 {
            seen.3 = code
        }
        return false
    }
}
