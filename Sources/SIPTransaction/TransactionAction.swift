import NIOCore

/// What a transaction machine asks its driver to do. The driver owns the messages: it maps each
/// action to the request or response this transaction holds.
package enum TransactionAction: Hashable, Sendable {
    /// Client: pass the request to the transport. `attempt` 1 is the first transmission, 2 and
    /// more are retransmissions (Timers A and E, unreliable transports only).
    case transmitRequest(attempt: Int)

    /// Client INVITE: send the ACK for the 3xx–6xx just received, built by the transaction from
    /// the INVITE and that response with the INVITE's branch (§17.1.1.3). Never for a 2xx: that
    /// ACK belongs to the TU (§13.2.2.4).
    case sendAck

    /// Client: pass the response that caused this event to the TU.
    case passResponse(statusCode: Int)

    /// Server: pass the request that caused this event to the TU (the request that created the
    /// transaction, or an ACK that arrives in RFC 6026's Accepted state).
    case passRequest

    /// Server INVITE: send a 100 (Trying) built by the transaction (§17.2.1, with §8.2.6.1;
    /// no To tag).
    case sendTrying

    /// Server: pass the response the TU just gave, with this status code, to the transport.
    case sendResponse(statusCode: Int)

    /// Server: pass the most recent response to the transport once more.
    case retransmitResponse

    /// Tell the TU the transaction failed; a client TU sees it as a local 408 or 503.
    case reportFailure(TransactionFailure)

    /// Arm `timer` to fire at `deadline`, replacing any pending deadline of that timer.
    case schedule(TransactionTimer, at: NIODeadline)

    /// Disarm `timer`.
    case cancel(TransactionTimer)

    /// The transaction is over (every timer it armed has been cancelled in the same action list);
    /// the driver removes it at once (§17.1.1.2: "destroyed the instant it enters Terminated").
    case terminated
}
