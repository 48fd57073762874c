import Logging
import NIOCore
import SIPCore
import SIPTransport

/// The RFC 3261 §17 transaction layer on one event loop: the thin driver of the pure machines.
///
/// It owns the transport it is given (``SIPMessageTransport``: the production ``SIPTransportLayer``
/// or a ``FaultInjectingTransport`` around one), matches every received message to its transaction (§17.1.3, §17.2.3),
/// feeds the machines events with the time, and performs what they return: sends and retransmits,
/// runs their timers on the loop, builds the ACK for a non-2xx (§17.1.1.3) and the 100 Trying,
/// answers merged requests with 482 (§8.2.2.2). Policy lives in the machines; this class only
/// carries it out. Every method must be called on `eventLoop`, and every callback runs there.
package final class SIPTransactionLayer: @unchecked Sendable {
    // @unchecked: all mutable state is touched only on `eventLoop` (asserted in debug builds).

    package let eventLoop: any EventLoop
    package let timerConfiguration: TransactionTimerConfiguration
    /// How T1 and a dial's give-up follow each target's round-trip time (see ``AdaptiveTimerPolicy``).
    package let adaptiveTimers: AdaptiveTimerPolicy
    /// The round-trip estimate of every target, fed by every client transaction's first response
    /// (``RoundTripTable``); read it through ``roundTripEstimate(for:)``.
    var roundTrips = RoundTripTable()
    /// The transport the layer sends and receives through; it sets the transport's event handler.
    package let transport: any SIPMessageTransport
    let logger: Logger

    /// Requests for the TU: new server transactions, ACKs for 2xx, requests without an RFC 3261 branch.
    package var onRequest: ((IncomingRequest) -> Void)?
    /// Responses that match no client transaction (2xx retransmissions after an INVITE ended, §13.2.2.4).
    package var onStrayResponse: ((SIPReceivedMessage) -> Void)?
    /// A TCP/TLS flow we opened broke (RFC 5626 §4.4): its transactions fail too, the TU hears it here.
    package var onFlowFailure: ((SIPFlowFailure) -> Void)?
    /// Asked for every request that matches no live server transaction, before any state is made for
    /// it: false drops it silently (no 100 Trying, no 482, no transaction), so a stranger's flood costs
    /// a parse and a lookup. Nil admits everything.
    package var admitRequest: ((SIPReceivedMessage) -> Bool)?

    // The tables are `@exclusivity(unchecked)`: they are touched only on the loop, and every
    // mutation is a single lookup, insert or removal that calls out to nothing, so the run-time
    // exclusivity check (a thread-local access set per access) guarded nothing on the hot path.
    @exclusivity(unchecked) var clients: [TransactionKey: ClientTransactionEntry] = [:]
    /// Non-INVITE client transactions in Completed, waiting for Timer K in their compact form.
    @exclusivity(unchecked) var completedClients: [TransactionKey: CompletedClientTransaction] = [:]
    /// Server transactions kept whole: every INVITE one, and a non-INVITE one until it completes.
    @exclusivity(unchecked) var servers: [TransactionKey: ServerTransactionEntry] = [:]
    /// Non-INVITE server transactions in Completed, waiting for Timer J in their compact form.
    @exclusivity(unchecked) var completed: [TransactionKey: CompletedServerTransaction] = [:]
    @exclusivity(unchecked) var merged = MergedRequestDetector()
    /// Every armed timer of every transaction, served by one NIO task (see ``LoopTimerQueue``).
    let timers: LoopTimerQueue<TimerOwner>

    /// Which transaction's which timer a queued timer is.
    struct TimerOwner {
        var key: TransactionKey
        var timer: TransactionTimer
    }

    /// Creates the layer over `transport` (not started) and takes over its event handler; the layer
    /// runs on the transport's event loop. Call ``start()`` to bind the listeners.
    package init(
        transport: any SIPMessageTransport,
        timers: TransactionTimerConfiguration = TransactionTimerConfiguration(),
        adaptiveTimers: AdaptiveTimerPolicy = AdaptiveTimerPolicy(),
        logger: Logger = Logger(label: "sip.transaction", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.eventLoop = transport.eventLoop
        self.transport = transport
        self.timerConfiguration = timers
        self.adaptiveTimers = adaptiveTimers
        self.logger = logger
        // Due timers are served in batches at most a millisecond apart: SIP's shortest timer is T1
        // (500 ms by default), so a millisecond late costs nothing, while waking for each would.
        self.timers = LoopTimerQueue(eventLoop: transport.eventLoop, granularity: .milliseconds(1))
        let sink = TransactionLayerEventSink()
        transport.setEventHandler { sink.deliver($0) }
        sink.layer = self
        self.timers.onFire = { [weak self] owner in self?.timerFired(owner) }
    }

    /// Creates the layer over a new ``SIPTransportLayer`` with `transportConfiguration` on `eventLoop`.
    package convenience init(
        transportConfiguration: SIPTransportConfiguration, eventLoop: any EventLoop,
        timers: TransactionTimerConfiguration = TransactionTimerConfiguration(),
        adaptiveTimers: AdaptiveTimerPolicy = AdaptiveTimerPolicy(),
        logger: Logger = Logger(label: "sip.transaction", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.init(
            transport: SIPTransportLayer(configuration: transportConfiguration, eventLoop: eventLoop, logger: logger),
            timers: timers, adaptiveTimers: adaptiveTimers, logger: logger)
    }

    package func start() -> EventLoopFuture<Void> { transport.start() }

    /// Cancels every timer, forgets every transaction (their TUs hear nothing more) and closes the transport.
    package func shutdown() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            self.timers.cancelAll()
            self.clients.removeAll()
            self.completedClients.removeAll()
            self.servers.removeAll()
            self.completed.removeAll()
            return self.transport.close()
        }
    }

    /// How many transactions are alive (tests and metrics).
    package var transactionCount: (client: Int, server: Int) {
        (clients.count + completedClients.count, servers.count + completed.count)
    }

    // MARK: Client transactions

    /// Sends `request` (not ACK) in a new client transaction. Its top Via must carry an RFC 3261 branch
    /// (the transport fills in sent-by). Events arrive on the loop until the final one.
    /// - Parameter noResponseTimeout: this transaction's cap on Timer B/F instead of the layer's
    ///   `transactionTimeout`. A dial's give-up (`invite_timeout`) is not this: it is the session's
    ///   own timer, and the given-up INVITE's transaction keeps listening until Timer B.
    @discardableResult
    package func sendRequest(
        _ request: SIPMessage, to target: SIPTransportTarget, noResponseTimeout: TimeAmount? = nil,
        onEvent: @escaping (ClientTransactionEvent) -> Void
    ) -> ClientTransactionID? {
        eventLoop.assertInEventLoop()
        // The branch read through the top Via's view: no SIPVia (a String per field) per request.
        guard let method = request.method, method != .ack, let top = try? request.topViaView,
            let branch = request.parameterValue("branch", in: top.parameters)
        else {
            logger.error("request without method, or ACK, or without a top Via branch: not sent")
            return nil
        }
        let key = TransactionKey.client(branch: branch, method: method.rawValue)
        guard clients[key] == nil, completedClients[key] == nil else {
            logger.error("client transaction \(key) exists already: not sent")
            return nil
        }
        var configuration = timerConfiguration
        if let noResponseTimeout { configuration.transactionTimeout = noResponseTimeout }
        configuration.retransmissionT1 = retransmissionT1(toward: target)
        let now = self.eventLoop.now
        let entry = ClientTransactionEntry(
            machine: ClientMachine(
                isInvite: method == .invite, isReliable: target.transport.isReliable, configuration: configuration),
            request: request, target: target, sentAt: now, onEvent: onEvent)
        clients[key] = entry
        perform(entry.machine.start(now: now), client: key, entry: entry, response: nil)
        return ClientTransactionID(key: key)
    }

    /// The TU gave up on an INVITE it sent: its transaction stops retransmitting but keeps
    /// listening until Timer B (``ClientInviteTransaction/stopRetransmitting(now:)``). Nothing
    /// happens for a transaction that has ended or is not an INVITE's.
    package func stopRetransmitting(_ id: ClientTransactionID) {
        eventLoop.assertInEventLoop()
        guard let entry = clients[id.key] else { return }
        perform(entry.machine.stopRetransmitting(now: self.eventLoop.now), client: id.key, entry: entry, response: nil)
    }

    /// Sends a request outside any transaction: the ACK for a 2xx (§13.2.2.4), or a stateless forward.
    package func sendStateless(_ request: SIPMessage, to target: SIPTransportTarget) -> EventLoopFuture<SIPFlow> {
        transport.send(request, to: target)
    }

    /// Sends a request that belongs to no transaction (the ACK for a 2xx, §13.2.2.4), written at once
    /// when the transport can (a UDP socket, on the loop); `failed` hears why it was not sent, and a
    /// future is asked of the transport for that only when `reportingFailure`.
    package func sendStateless(
        _ request: SIPMessage, to target: SIPTransportTarget, reportingFailure: Bool,
        failed: @escaping @Sendable (any Error) -> Void
    ) {
        Self.report(
            transport.write(request, to: target, reportingFailure: reportingFailure), if: reportingFailure, to: failed)
    }

    /// Hands `outcome`'s failure, if `reporting` and it fails, to `failed`.
    private static func report(
        _ outcome: SIPSendOutcome, if reporting: Bool, to failed: @escaping @Sendable (any Error) -> Void
    ) {
        switch outcome {
        case .written(_, let completion): completion?.whenFailure(failed)
        case .pending(let sent): if reporting { sent.whenFailure(failed) }
        }
    }

    // MARK: Server transactions

    /// Hands the TU's response to its server transaction (§17.2.1, §17.2.2), which sends it and keeps
    /// it for retransmission.
    /// - Returns: false when the transaction has ended (the caller may send the response statelessly,
    ///   as a UAS does with 2xx retransmissions after Timer L, §13.3.1.4).
    @discardableResult
    package func respond(_ response: SIPMessage, to id: ServerTransactionID) -> Bool {
        eventLoop.assertInEventLoop()
        guard let code = response.statusCode else { return false }
        guard let entry = servers[id.key] else {
            // Looked up second: the table of completed transactions is the large one.
            if var transaction = completed[id.key] {
                let actions = transaction.machine.tuSendsResponse(statusCode: code, now: self.eventLoop.now)
                performCompleted(actions, key: id.key, transaction: transaction)
                return true
            }
            logger.debug("response for a server transaction that has ended: dropped")
            return false
        }
        entry.pendingResponse = response
        perform(entry.machine.tuSendsResponse(statusCode: code, now: self.eventLoop.now), server: id.key, entry: entry)
        return true
    }

    /// Sends a response that belongs to no transaction (a request without an RFC 3261 branch).
    package func respondStatelessly(_ response: SIPMessage, to request: SIPReceivedMessage) {
        // The outcome is only logged: a future is asked for only when the log would be written.
        let report = logger.logLevel <= .debug
        let logFailure: @Sendable (any Error) -> Void = { [logger] error in
            logger.debug("stateless response not sent: \(error)")
        }
        Self.report(
            transport.writeResponse(
                response, serialized: nil, topVia: nil, receivedOn: request.flow, reportingFailure: report),
            if: report, to: logFailure)
    }

    /// The INVITE server transaction a CANCEL's server transaction targets (§9.2), if it still lives.
    package func inviteTransaction(cancelledBy cancel: ServerTransactionID) -> (
        ServerTransactionID, SIPReceivedMessage
    )? {
        guard let key = cancel.key.cancelledInviteKey, let entry = servers[key] else { return nil }
        return (ServerTransactionID(key: key), entry.request)
    }

    func handleRequest(_ received: SIPReceivedMessage) {
        let message = received.message
        guard let method = message.method, let via = received.core?.topVia ?? (try? message.topVia).map(SIPTopVia.init)
        else {
            return
        }
        let key = via.branch.flatMap { TransactionKey.server(branch: $0, sentBy: via.sentBy, method: method.rawValue) }
        if method == .ack {
            // An ACK for a non-2xx belongs to its INVITE transaction; any other goes to the TU (§17.2.3).
            if let key, let entry = servers[key], let actions = entry.machine.ackReceived(now: self.eventLoop.now) {
                perform(actions, server: key, entry: entry, ack: received)
            } else if admitRequest?(received) ?? true {
                onRequest?(IncomingRequest(received: received, transaction: nil))
            }
            return
        }
        guard let key else {
            // RFC 2543 peers (no magic cookie) are served without a transaction (TransactionKey's note).
            if admitRequest?(received) ?? true { onRequest?(IncomingRequest(received: received, transaction: nil)) }
            return
        }
        if let entry = servers[key] {
            perform(entry.machine.requestRetransmissionReceived(now: self.eventLoop.now), server: key, entry: entry)
            return
        }
        if var transaction = completed[key] {
            let actions = transaction.machine.requestRetransmissionReceived(now: self.eventLoop.now)
            performCompleted(actions, key: key, transaction: transaction)
            return
        }
        guard admitRequest?(received) ?? true else { return }
        let core = received.core
        let toTag = core.map(\.toTag) ?? (try? message.to.tag)
        if toTag == nil, let fromTag = core.map(\.fromTag) ?? (try? message.from.tag),
            let callID = core?.callID ?? (try? message.callID), let cseq = core?.cseq ?? (try? message.cseq)
        {
            let verdict = merged.check(
                fromTag: fromTag, callID: callID, cseqNumber: cseq.sequenceNumber, cseqMethod: cseq.method.rawValue,
                transaction: key, now: self.eventLoop.now)
            if verdict == .merged {
                // §8.2.2.2: the same request reached us twice by different paths (for example both sites).
                respondStatelessly(message.makeResponse(statusCode: 482), to: received)
                return
            }
        }
        let entry = ServerTransactionEntry(
            machine: ServerMachine(
                isInvite: method == .invite, isReliable: received.transport.isReliable,
                configuration: timerConfiguration),
            request: received)
        servers[key] = entry
        perform(entry.machine.start(now: self.eventLoop.now), server: key, entry: entry)
    }

    func perform(
        _ actions: TransactionActions, server key: TransactionKey, entry: ServerTransactionEntry,
        ack: SIPReceivedMessage? = nil
    ) {
        // The TU hears of the request only after every action is carried out: it may answer at once,
        // from inside the callback, and that answer must not overtake this list's 100 Trying.
        var requestForTU: IncomingRequest?
        defer { if let requestForTU { onRequest?(requestForTU) } }
        // A non-INVITE transaction's final response on UDP: sent once the list is carried out, when
        // the transaction is kept in its compact form (§17.2.2 Completed needs nothing more).
        var completion: (response: SIPMessage, machine: CompletedNonInviteServerTransaction)?
        defer {
            if let completion {
                if servers[key] === entry {
                    complete(
                        entry, key: key, response: completion.response, bytes: completion.response.serialized,
                        machine: completion.machine)
                } else {
                    send(completion.response, for: entry, key: key)
                }
            }
        }
        for action in actions {
            switch action {
            case .passRequest:
                if let ack {
                    requestForTU = IncomingRequest(received: ack, transaction: nil)
                } else {
                    requestForTU = IncomingRequest(received: entry.request, transaction: ServerTransactionID(key: key))
                }
            case .sendTrying:
                send(entry.request.message.makeResponse(statusCode: 100), for: entry, key: key)
            case .sendResponse:
                guard let response = entry.pendingResponse else { break }
                entry.pendingResponse = nil
                if case .nonInvite(let machine) = entry.machine, let form = machine.completedForm {
                    completion = (response, form)
                } else {
                    entry.lastResponse = response
                    send(response, for: entry, key: key)
                }
            case .retransmitResponse:
                if let response = entry.lastResponse { send(response, for: entry, key: key) }
            case .schedule(let timer, let deadline):
                arm(timer, of: key, at: deadline, in: &entry.armed)
            case .cancel(let timer):
                disarm(timer, in: &entry.armed)
            case .reportFailure(let failure):
                logger.debug("server transaction \(key) failed: \(failure)")
            case .terminated:
                disarmAll(&entry.armed)
                if servers[key] === entry {
                    servers[key] = nil
                    if servers.isEmpty { servers = [:] }
                }
                merged.forget(transaction: key)
            case .transmitRequest, .sendAck, .passResponse:
                break
            }
        }
    }

    private func send(_ response: SIPMessage, for entry: ServerTransactionEntry, key: TransactionKey) {
        transport.sendResponse(response, receivedOn: entry.request.flow).whenFailure { [weak self] error in
            guard let self, self.servers[key] === entry else { return }
            self.logger.debug("response not sent: \(error)")
            self.perform(entry.machine.transportError(now: self.eventLoop.now), server: key, entry: entry)
        }
    }
}
