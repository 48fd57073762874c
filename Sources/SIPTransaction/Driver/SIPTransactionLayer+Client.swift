import NIOCore
import SIPCore
import SIPTransport

/// Carrying out what a client transaction's machine asks for (RFC 3261 §17.1): sends, timers, the
/// ACK of a non-2xx, the TU's events.
extension SIPTransactionLayer {
    func perform(
        _ actions: TransactionActions, client key: TransactionKey, entry: ClientTransactionEntry,
        response: SIPReceivedMessage?
    ) {
        for action in actions {
            switch action {
            case .transmitRequest(let attempt):
                if attempt > 1 { entry.lastSentAt = self.eventLoop.now }
                transmit(entry, key: key)
            case .sendAck:
                guard let response, let ack = AckBuilder.ack(for: entry.request, response: response.message) else {
                    break
                }
                let sent =
                    entry.flow.map { transport.send(ack, on: $0).map { _ in () } }
                    ?? transport.send(ack, to: entry.target).map { _ in () }
                sent.whenFailure { [logger] error in logger.debug("ACK not sent: \(error)") }
            case .passResponse(let code):
                guard let response else { break }
                entry.onEvent(code < 200 ? .provisional(response) : .final(response))
            case .reportFailure(let failure):
                entry.onEvent(.failed(failure, detail: entry.failureDetail))
            case .schedule(let timer, let deadline):
                arm(timer, of: key, at: deadline, in: &entry.armed)
            case .cancel(let timer):
                disarm(timer, in: &entry.armed)
            case .terminated:
                disarmAll(&entry.armed)
                if clients[key] === entry {
                    clients[key] = nil
                    // The table a burst grew is let go once it is empty (a dictionary never shrinks).
                    if clients.isEmpty { clients = [:] }
                }
            case .passRequest, .sendTrying, .sendResponse, .retransmitResponse:
                break
            }
        }
        completeIfDone(entry, key: key)
    }

    private func transmit(_ entry: ClientTransactionEntry, key: TransactionKey) {
        // The entry is held strongly until the write completes (a moment): a weak reference would
        // give every transaction a side table, a cost on the hot path.
        switch transport.write(entry.request, to: entry.target, reportingFailure: true) {
        case .written(let flow, let completion):
            // A datagram: its flow is known now, and only a failure needs the loop to come back.
            entry.flow = flow
            completion?.whenFailure { [weak self] error in
                self?.transmitFailed(
                    entry, key: key, error: SIPTransportError.datagramNotSent(to: flow.remoteAddress, error))
            }
        case .pending(let sent):
            sent.whenComplete { [weak self] result in
                guard let self, self.clients[key] === entry else { return }
                switch result {
                case .success(let flow): entry.flow = flow
                case .failure(let error): self.transmitFailed(entry, key: key, error: error)
                }
            }
        }
    }

    /// §17.1.1.2, §17.1.2.2: a transport error ends the client transaction (the TU hears it).
    private func transmitFailed(_ entry: ClientTransactionEntry, key: TransactionKey, error: any Error) {
        guard clients[key] === entry else { return }
        entry.failureDetail = "\(error)"
        perform(entry.machine.transportError(now: self.eventLoop.now), client: key, entry: entry, response: nil)
    }
}
