import NIOCore
import SIPCore

/// The in-dialog operations that are the same for the caller and the callee once the dialog exists:
/// re-INVITE (hold/retrieve, with §14.1 glare), answering one, INFO and REFER. Both sessions keep a
/// ``InviteDialogUsage`` and get these by forwarding to it.
protocol InviteSessionOperations {
    var core: InviteDialogUsage { get set }
}

extension InviteSessionOperations {
    package mutating func reinvite(offer: SessionBody?, now: NIODeadline) -> [InviteSessionAction] {
        var actions: [InviteSessionAction] = []
        core.startReinvite(offer: offer, now: now, into: &actions)
        return actions
    }

    package mutating func acceptReinvite(requestID: UInt64, body: SessionBody?, now: NIODeadline)
        -> [InviteSessionAction]
    {
        var actions: [InviteSessionAction] = []
        core.acceptReinvite(requestID: requestID, body: body, now: now, into: &actions)
        return actions
    }

    package mutating func rejectReinvite(requestID: UInt64, statusCode: Int, now: NIODeadline) -> [InviteSessionAction]
    {
        var actions: [InviteSessionAction] = []
        core.rejectReinvite(requestID: requestID, statusCode: statusCode, into: &actions)
        return actions
    }

    /// INFO only inside a confirmed dialog.
    package mutating func sendInfo(_ body: SessionBody, now: NIODeadline) -> [InviteSessionAction] {
        var actions: [InviteSessionAction] = []
        guard core.state == .confirmed else { return actions }
        core.sendInDialog(.info, .info, body: body, into: &actions)
        return actions
    }

    package mutating func transfer(to target: SIPURI, now: NIODeadline) -> [InviteSessionAction] {
        var actions: [InviteSessionAction] = []
        core.startTransfer(to: target, into: &actions)
        return actions
    }
}
