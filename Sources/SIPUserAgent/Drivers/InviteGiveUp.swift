import NIOCore

/// When a dial gives up on an INVITE attempt that has had no response at all (`invite_timeout`).
/// Any response, a provisional one included, ends the give-up: a ringing callee is never a failure.
package enum InviteGiveUp: Hashable, Sendable {
    /// No give-up of the dial's own: only the transaction's Timer B ends a silent attempt.
    case none
    /// A fixed time after the INVITE (`invite_timeout` set to a number of milliseconds).
    case fixed(TimeAmount)
    /// Learned from the target's round-trip time (`invite_timeout = auto`, the default): 7·T1 + RTO
    /// between 800 ms and the transaction timeout (``SIPTransaction/AdaptiveTimerPolicy``).
    case learned
}
