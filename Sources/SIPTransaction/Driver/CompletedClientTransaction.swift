import NIOCore
import SIPCore
import SIPTransport

/// A non-INVITE client transaction in Completed as the driver keeps it for Timer K (RFC 3261
/// §17.1.2.2): the one-byte machine of that state and Timer K's handle, under its key. The request,
/// the target and the TU's callback are released when the final response has been passed on.
package struct CompletedClientTransaction {
    /// The rules of the Completed state.
    package var machine: CompletedNonInviteClientTransaction
    /// Timer K's handle in the driver's timer queue.
    var timerK: UInt64
    /// For a request that went out more than once and has not shown yet that a copy was not needed:
    /// what it takes to tell from a repeated final response (nil for every other, which is nearly all).
    var retransmitted: RetransmittedRequest?
}

/// A completed client transaction's request went out more than once: its target and the statuses
/// answered so far, for ``SpuriousRetransmissionDetector`` to judge the repeats of the final response
/// that Completed absorbs (RFC 3261 §17.1.2.2). Kept apart so that the usual completed transaction
/// holds one pointer for it.
final class RetransmittedRequest {
    let target: SIPTransportTarget
    let transmissions: Int
    var echoes: SpuriousRetransmissionDetector

    init(target: SIPTransportTarget, transmissions: Int, echoes: SpuriousRetransmissionDetector) {
        self.target = target
        self.transmissions = transmissions
        self.echoes = echoes
    }
}

extension SIPTransactionLayer {
    /// The compact form of a completed non-INVITE client transaction, if `id` names one (tests).
    package func completedClientTransaction(_ id: ClientTransactionID) -> CompletedClientTransaction? {
        eventLoop.assertInEventLoop()
        return completedClients[id.key]
    }

    /// Replaces a non-INVITE client transaction that has just entered Completed by its compact form.
    func completeIfDone(_ entry: ClientTransactionEntry, key: TransactionKey) {
        guard case .nonInvite(let machine) = entry.machine, let form = machine.completedForm,
            clients[key] === entry
        else { return }
        clients[key] = nil
        let transmissions = entry.machine.transmissionCount
        let retransmitted =
            transmissions > 1 && !entry.echoes.reported
            ? RetransmittedRequest(target: entry.target, transmissions: transmissions, echoes: entry.echoes) : nil
        completedClients[key] = CompletedClientTransaction(
            machine: form, timerK: entry.armed[.k], retransmitted: retransmitted)
    }

    /// A response for a completed client transaction, or a timer of one: its machine decides.
    func performCompleted(_ actions: TransactionActions, client key: TransactionKey) {
        for action in actions {
            if case .terminated = action { completedClients[key] = nil }
        }
    }
}
