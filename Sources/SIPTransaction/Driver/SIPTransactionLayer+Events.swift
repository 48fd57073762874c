import NIOCore
import SIPCore
import SIPTransport

/// What wakes the transaction layer: a due timer, a message or a failed flow from the transport.
extension SIPTransactionLayer {
    // MARK: Timers

    /// A timer of a live transaction is due (the queue never fires a cancelled one).
    /// Arms `timer` of the transaction `key` at `deadline` in `armed`, cancelling the one armed before
    /// (a machine re-arms Timer A/E at each retransmission). Client and server entries share it.
    func arm(_ timer: TransactionTimer, of key: TransactionKey, at deadline: NIODeadline, in armed: inout ArmedTimers) {
        timers.cancel(armed[timer])
        armed[timer] = timers.schedule(TimerOwner(key: key, timer: timer), at: deadline)
    }

    /// Cancels `timer` in `armed`, if it is armed.
    func disarm(_ timer: TransactionTimer, in armed: inout ArmedTimers) {
        timers.cancel(armed[timer])
        armed[timer] = 0
    }

    /// Cancels every timer in `armed`: the transaction has ended.
    func disarmAll(_ armed: inout ArmedTimers) {
        armed.forEachArmed { timers.cancel($0) }
        armed.removeAll()
    }

    func timerFired(_ owner: TimerOwner) {
        let now = self.eventLoop.now
        switch owner.key.role {
        case .client:
            if let entry = clients[owner.key] {
                entry.armed[owner.timer] = 0
                perform(entry.machine.timerFired(owner.timer, now: now), client: owner.key, entry: entry, response: nil)
            } else if var transaction = completedClients[owner.key] {
                let actions = transaction.machine.timerFired(owner.timer, now: now)
                // Stored whole, not through `?.machine`: the optional-chained modify of a dictionary
                // entry allocated its accessor frames (two mallocs per Timer K).
                completedClients[owner.key] = transaction
                performCompleted(actions, client: owner.key)
            }
        case .server:
            if let entry = servers[owner.key] {
                entry.armed[owner.timer] = 0
                perform(entry.machine.timerFired(owner.timer, now: now), server: owner.key, entry: entry)
            } else if var transaction = completed[owner.key] {
                let actions = transaction.machine.timerFired(owner.timer, now: now)
                performCompleted(actions, key: owner.key, transaction: transaction)
            }
        }
    }

    // MARK: Transport events

    /// Hands one transport event to the transactions (on the loop).
    func handle(_ event: SIPTransportEvent) {
        switch event {
        case .message(let received):
            if received.message.isRequest { handleRequest(received) } else { handleResponse(received) }
        case .flowFailed(let failure):
            // Transactions riding the lost flow fail now rather than at their timeout (RFC 5626 §4.4).
            for (key, entry) in clients where entry.flow?.connectionID != nil && entry.flow == failure.flow {
                entry.failureDetail = "\(failure.error)"
                perform(entry.machine.transportError(now: self.eventLoop.now), client: key, entry: entry, response: nil)
            }
            onFlowFailure?(failure)
        }
    }

    /// A response: to its client transaction (§17.1.3), absorbed by a completed one, or stray.
    func handleResponse(_ received: SIPReceivedMessage) {
        let message = received.message
        guard let code = message.statusCode,
            let branch = received.core.map(\.topVia.branch) ?? (try? message.topVia)?.branch,
            let cseq = received.core?.cseq ?? (try? message.cseq)
        else {
            logger.debug("response without a usable top Via branch or CSeq dropped")
            return
        }
        let key = TransactionKey.client(branch: branch, method: cseq.method.rawValue)
        guard let entry = clients[key] else {
            if var transaction = completedClients[key] {
                let actions = transaction.machine.responseReceived(statusCode: code, now: eventLoop.now)
                completedClients[key] = transaction
                // The final response again, after a retransmission: a copy was answered that was not needed.
                if let request = transaction.retransmitted,
                    request.echoes.answer(statusCode: code, transmissions: request.transmissions)
                {
                    roundTrips.spuriousRetransmission(toward: request.target)
                }
                performCompleted(actions, client: key)
            } else {
                onStrayResponse?(received)
            }
            return
        }
        let now = self.eventLoop.now
        if let sentAt = entry.sentAt {
            entry.sentAt = nil
            let backedOff = roundTrips.firstResponse(
                from: entry.target, sentAt: sentAt, lastSentAt: entry.lastSentAt,
                transmissions: entry.machine.transmissionCount, now: now)
            if backedOff { entry.echoes.alreadyBackedOff() }
        }
        // An answer repeated after a retransmission: the retransmission was not needed (once per
        // transaction, and not again when the first answer already backed the RTO off).
        if entry.echoes.answer(statusCode: code, transmissions: entry.machine.transmissionCount) {
            roundTrips.spuriousRetransmission(toward: entry.target)
        }
        perform(
            entry.machine.responseReceived(statusCode: code, now: now), client: key, entry: entry, response: received)
    }
}
