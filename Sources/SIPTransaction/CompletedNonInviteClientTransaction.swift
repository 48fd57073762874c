import NIOCore

/// The Completed state of a non-INVITE client transaction (RFC 3261 §17.1.2.2, figure 6) on its own,
/// as a value of one byte: what a ``ClientNonInviteTransaction`` becomes once its final response has
/// been passed to the TU and Timer K is armed (``ClientNonInviteTransaction/completedForm``).
///
/// On UDP the state lasts T4 (5 s) and its rules need nothing the full machine holds: retransmitted
/// responses are absorbed, Timer K ends it, and a transport error changes nothing (the request is no
/// longer sent). So a driver keeps this value with Timer K's handle and lets the request go.
///
/// Its actions equal the full machine's in Completed for every event (a test checks each).
package struct CompletedNonInviteClientTransaction: Hashable, Sendable {
    /// Whether Timer K fired.
    package private(set) var isTerminated = false

    /// Creates the Completed state; the final response is passed on and Timer K armed already.
    package init() {}

    /// A response arrived: a retransmission, absorbed (§17.1.2.2).
    package mutating func responseReceived(statusCode: Int, now: NIODeadline) -> TransactionActions {
        TransactionActions()
    }

    /// A timer fired: Timer K ends the transaction; no other timer is armed in Completed.
    package mutating func timerFired(_ timer: TransactionTimer, now: NIODeadline) -> TransactionActions {
        guard !isTerminated, timer == .k else { return TransactionActions() }
        isTerminated = true
        return [.terminated]
    }

    /// The transport failed: nothing is sent in Completed, so nothing changes.
    package mutating func transportError(now: NIODeadline) -> TransactionActions {
        TransactionActions()
    }
}

extension ClientNonInviteTransaction {
    /// The transaction as its Completed state alone, when it is in Completed with Timer K armed; nil
    /// otherwise (on a reliable transport it ends as soon as it completes).
    package var completedForm: CompletedNonInviteClientTransaction? {
        state == .completed ? CompletedNonInviteClientTransaction() : nil
    }
}
