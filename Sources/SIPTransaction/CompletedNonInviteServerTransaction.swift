import NIOCore

/// The Completed state of a non-INVITE server transaction (RFC 3261 §17.2.2, figure 8) on its own, as
/// a value of one byte: what a ``ServerNonInviteTransaction`` becomes once its final response is sent
/// and Timer J is armed (``ServerNonInviteTransaction/completedForm``).
///
/// On UDP a non-INVITE server transaction spends nearly all its life here (Timer J is 64·T1 = 32 s),
/// and the rules of the state need nothing the full machine holds: a retransmitted request is
/// answered with the final response again, Timer J ends it, a transport error ends it and is
/// reported, and responses from the TU are discarded. So a driver keeps this value with the final
/// response's bytes and the flow they went on, and lets the request and the full machine go.
///
/// Its actions equal the full machine's in Completed for every event (a test checks each).
package struct CompletedNonInviteServerTransaction: Hashable, Sendable {
    /// Whether Timer J fired or a transport error ended the transaction.
    package private(set) var isTerminated = false

    /// Creates the Completed state; the final response is sent and Timer J armed already.
    package init() {}

    /// A retransmission of the request arrived: answer it with the final response again.
    package mutating func requestRetransmissionReceived(now: NIODeadline) -> TransactionActions {
        isTerminated ? TransactionActions() : [.retransmitResponse]
    }

    /// The TU passed another response: discarded (§17.2.2: "any other final responses passed by the
    /// TU to the server transaction MUST be discarded while in the Completed state").
    package mutating func tuSendsResponse(statusCode: Int, now: NIODeadline) -> TransactionActions {
        TransactionActions()
    }

    /// A timer fired: Timer J ends the transaction; no other timer is armed in Completed.
    package mutating func timerFired(_ timer: TransactionTimer, now: NIODeadline) -> TransactionActions {
        guard !isTerminated, timer == .j else { return TransactionActions() }
        isTerminated = true
        return [.terminated]
    }

    /// The transport failed to send the final response: the transaction ends and says why, after
    /// asking to disarm Timer J.
    package mutating func transportError(now: NIODeadline) -> TransactionActions {
        guard !isTerminated else { return TransactionActions() }
        isTerminated = true
        return [.cancel(.j), .reportFailure(.transportError), .terminated]
    }
}

extension ServerNonInviteTransaction {
    /// The transaction as its Completed state alone, when it is in Completed with Timer J armed; nil
    /// otherwise (on a reliable transport it ends as soon as it completes).
    package var completedForm: CompletedNonInviteServerTransaction? {
        state == .completed ? CompletedNonInviteServerTransaction() : nil
    }
}
