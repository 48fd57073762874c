import NIOCore
import SIPCore
import SIPTransaction

/// The events both INVITE session machines take (``InviteClientSession``, ``InviteServerSession``),
/// so a driver can hold either. Every method returns the actions to perform, in order.
package protocol InviteSession: Sendable {
    var state: InviteSessionState { get }
    /// The dialog, once one exists (the UAS has it from the INVITE; the UAC from its first 2xx).
    var dialog: Dialog? { get }

    /// A request of this session's dialog arrived (ACK, BYE, re-INVITE, INFO, NOTIFY, …). `requestID`
    /// names its server transaction in ``InviteSessionAction/sendResponse(_:toRequest:)``.
    mutating func requestReceived(_ request: SIPMessage, requestID: UInt64, now: NIODeadline) -> [InviteSessionAction]
    /// A response (1xx or final) to the request ``OutgoingRequest/id``; 2xx retransmissions of an
    /// INVITE may come again with the same id.
    mutating func responseReceived(_ response: SIPMessage, requestID: UInt64, now: NIODeadline) -> [InviteSessionAction]
    /// The request's transaction ended without a response: a local 408 or 503.
    mutating func requestFailed(_ failure: TransactionFailure, requestID: UInt64, now: NIODeadline)
        -> [InviteSessionAction]
    /// A response that matched no client transaction (a 2xx retransmitted after the INVITE
    /// transaction ended, §13.2.2.4).
    mutating func strayResponseReceived(_ response: SIPMessage, now: NIODeadline) -> [InviteSessionAction]
    mutating func timerFired(_ timer: InviteSessionTimer, now: NIODeadline) -> [InviteSessionAction]

    /// End the session the way its state allows: CANCEL, reject, or BYE.
    mutating func hangUp(now: NIODeadline) -> [InviteSessionAction]
    /// A hang-up was asked for before any response to the INVITE: RFC 3261 §9.1 holds its CANCEL
    /// until a provisional response, so nothing the hang-up sent awaits an answer, and what comes
    /// later (a 1xx gets the CANCEL, a 2xx an ACK and a BYE) closes the leg. False for a callee.
    var hangUpAwaitsAProvisionalResponse: Bool { get }
    /// Send a re-INVITE with this offer (hold, retrieve). Ignored unless confirmed and no
    /// re-INVITE of ours is pending.
    mutating func reinvite(offer: SessionBody?, now: NIODeadline) -> [InviteSessionAction]
    mutating func acceptReinvite(requestID: UInt64, body: SessionBody?, now: NIODeadline) -> [InviteSessionAction]
    mutating func rejectReinvite(requestID: UInt64, statusCode: Int, now: NIODeadline) -> [InviteSessionAction]
    mutating func sendInfo(_ body: SessionBody, now: NIODeadline) -> [InviteSessionAction]
    /// Blind transfer: REFER the peer to `target` and follow its NOTIFYs (RFC 3515).
    mutating func transfer(to target: SIPURI, now: NIODeadline) -> [InviteSessionAction]
}

extension InviteSession {
    /// A callee's hang-up (603, or BYE) always sends something to wait for.
    package var hangUpAwaitsAProvisionalResponse: Bool { false }
}
