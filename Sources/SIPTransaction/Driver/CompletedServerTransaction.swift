import NIOCore
import SIPCore
import SIPTransport

/// A non-INVITE server transaction in Completed as the driver keeps it for Timer J (RFC 3261
/// §17.2.2): the one-byte machine of that state, the final response in wire form and the flow it
/// went on. The request, the response message and the full machine are released when the final
/// response goes out; on UDP this is what 64·T1 = 32 s of every answered request costs.
package struct CompletedServerTransaction {
    /// The rules of the Completed state.
    package var machine: CompletedNonInviteServerTransaction
    /// The final response as it was written, to answer a retransmitted request with. An array, not a
    /// `ByteBuffer`: NIO rounds a buffer's capacity up to a power of two (a 260-byte response would
    /// hold 512), and these live 32 s each.
    package let response: [UInt8]
    /// Where the final response went; nil until the transport has written it (a retransmission
    /// arriving meanwhile is answered once it has).
    package var flow: SIPFlow?
    /// Timer J's handle in the driver's timer queue; it also tells this transaction from a later
    /// one with the same key.
    var timerJ: UInt64
    /// Retransmitted requests that arrived before ``flow`` was known.
    var unansweredRetransmissions: UInt8 = 0
}

extension SIPTransactionLayer {
    /// The compact form of a completed non-INVITE server transaction, if `id` names one (tests).
    package func completedServerTransaction(_ id: ServerTransactionID) -> CompletedServerTransaction? {
        eventLoop.assertInEventLoop()
        return completed[id.key]
    }

    /// Whether `id` names a server transaction kept whole (machine, request, responses) (tests).
    package func holdsFullServerTransaction(_ id: ServerTransactionID) -> Bool {
        eventLoop.assertInEventLoop()
        return servers[id.key] != nil
    }

    /// Replaces a non-INVITE server transaction that has just entered Completed by its compact form,
    /// then sends its final response (`response`, in wire form `bytes`).
    func complete(
        _ entry: ServerTransactionEntry, key: TransactionKey, response: SIPMessage, bytes: ByteBuffer,
        machine: CompletedNonInviteServerTransaction
    ) {
        let timerJ = entry.armed[.j]
        servers[key] = nil
        let outcome = transport.writeResponse(
            response, serialized: bytes, topVia: entry.request.core?.topVia, receivedOn: entry.request.flow,
            reportingFailure: true)
        var sentOn: SIPFlow?
        if case .written(let flow, _) = outcome { sentOn = flow }
        completed[key] = CompletedServerTransaction(
            machine: machine, response: Array(bytes.readableBytesView), flow: sentOn, timerJ: timerJ)
        switch outcome {
        case .written(let flow, let completion):
            // A datagram: the flow is known now, and only a failure needs the loop to come back.
            completion?.whenFailure { [weak self] error in
                self?.responseFailed(
                    key: key, timerJ: timerJ, error: SIPTransportError.datagramNotSent(to: flow.remoteAddress, error))
            }
        case .pending(let sent):
            sent.whenComplete { [weak self] result in
                guard let self else { return }
                switch result {
                case .success(let flow):
                    guard var transaction = self.completed[key], transaction.timerJ == timerJ else { return }
                    transaction.flow = flow
                    let waiting = transaction.unansweredRetransmissions
                    transaction.unansweredRetransmissions = 0
                    self.completed[key] = transaction
                    for _ in 0..<waiting { self.resend(transaction, key: key) }
                case .failure(let error):
                    self.responseFailed(key: key, timerJ: timerJ, error: error)
                }
            }
        }
    }

    /// §17.2.4: the final response could not be sent; the machine decides (it ends the transaction).
    private func responseFailed(key: TransactionKey, timerJ: UInt64, error: any Error) {
        guard var transaction = completed[key], transaction.timerJ == timerJ else { return }
        logger.debug("response not sent: \(error)")
        let actions = transaction.machine.transportError(now: eventLoop.now)
        performCompleted(actions, key: key, transaction: transaction)
    }

    /// Carries out what a completed server transaction's machine asked for; `transaction` carries the
    /// machine after the event.
    func performCompleted(
        _ actions: TransactionActions, key: TransactionKey, transaction: CompletedServerTransaction
    ) {
        var transaction = transaction
        var ended = false
        for action in actions {
            switch action {
            case .retransmitResponse:
                if transaction.flow == nil {
                    transaction.unansweredRetransmissions &+= 1
                } else {
                    resend(transaction, key: key)
                }
            case .cancel(.j):
                timers.cancel(transaction.timerJ)
            case .reportFailure(let failure):
                logger.debug("server transaction \(key) failed: \(failure)")
            case .terminated:
                ended = true
            default:
                break
            }
        }
        if ended {
            completed[key] = nil
            merged.forget(transaction: key)
        } else {
            completed[key] = transaction
        }
    }

    private func resend(_ transaction: CompletedServerTransaction, key: TransactionKey) {
        guard let flow = transaction.flow else { return }
        let timerJ = transaction.timerJ
        transport.resend(ByteBuffer(bytes: transaction.response), on: flow).whenFailure { [weak self] error in
            guard let self, let transaction = self.completed[key], transaction.timerJ == timerJ else { return }
            self.logger.debug("response not sent again: \(error)")
            var machine = transaction.machine
            let actions = machine.transportError(now: self.eventLoop.now)
            var updated = transaction
            updated.machine = machine
            self.performCompleted(actions, key: key, transaction: updated)
        }
    }
}
