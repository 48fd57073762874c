import Logging
import NIOCore
import SIPCore
import SIPTransaction
import SIPTransport

/// Runs every call's ``InviteClientSession`` / ``InviteServerSession`` on one event loop: the thin
/// driver of the dialog and session machines, the way ``RegistrationDriver`` drives the
/// registrations.
///
/// It sends what the machines ask for through the transaction layer (answering digest challenges with
/// the call's credentials), feeds back responses, failures, stray 2xx retransmissions and timer fires,
/// routes received in-dialog requests to their session by Call-ID, and reports each session's events.
/// Every request of a session goes to the session's target: the site's address its connection uses,
/// which is the outbound proxy that Record-Routes the dialog (so Route sets through it work); resolving
/// a different next hop per request (RFC 3263 on the route set) is not done.
///
/// Loop-confined: every method must be called on `eventLoop`; callbacks run there.
package final class InviteDriver: @unchecked Sendable {
    package typealias SessionID = UInt64

    package let transactions: SIPTransactionLayer
    package var eventLoop: any EventLoop { transactions.eventLoop }
    let logger: Logger
    package let configuration: InviteSessionConfiguration

    /// Everything a session reports, in order.
    package var onEvent: ((SessionID, InviteSessionEvent) -> Void)?
    /// A session is over and every request of it has its final answer (the BYE's, the cancelled
    /// INVITE's 487 or give-up): the driver forgets it now.
    package var onFinished: ((SessionID) -> Void)?
    /// How long an initial INVITE waits for any response before the dial gives the attempt up (a
    /// dial's no-response timer, `invite_timeout`; ``InviteGiveUp``). The give-up is the session
    /// machine's timer, separate from Timer B: an abandoned INVITE stops being retransmitted but its
    /// transaction keeps listening until Timer B, so a late answer is closed (CANCEL, or ACK and
    /// BYE) rather than left ringing or answered with nobody on the line. Default: `.none`.
    package var inviteGiveUp: InviteGiveUp = .none

    private struct Entry {
        /// The ``InviteClientSession`` or ``InviteServerSession``, changed in place by ``update(_:_:)``.
        var session: any InviteSession
        var callID: String
        var target: SIPTransportTarget
        var credentials: DigestCredentials?
        var authenticator = DigestAuthenticator()
        /// The entries of `received` that belong to this session, so its end frees them without a
        /// scan over every stored request (a scanner's flood of ringing calls made that scan quadratic).
        var requestIDs: Set<UInt64> = []
        /// The client transactions of the session's INVITEs, by request id (to stop an abandoned
        /// INVITE's retransmissions).
        var inviteTransactions: [UInt64: ClientTransactionID] = [:]
    }

    private struct TimerToken: Hashable, Sendable {
        var session: SessionID
        var timer: InviteSessionTimer
    }

    private var sessions: [SessionID: Entry] = [:]
    private var byCallID: [String: SessionID] = [:]
    /// Server transactions of received requests, by the request ids the machines use.
    private var received:
        [UInt64: (transaction: ServerTransactionID?, request: SIPReceivedMessage, session: SessionID)] = [:]
    private var nextSessionID: SessionID = 1
    private var nextRequestID: UInt64 = 1 << 40
    private let timers: LoopTimerQueue<TimerToken>
    private var timerHandles: [TimerToken: LoopTimerQueue<TimerToken>.Handle] = [:]
    private var random = BufferedSystemRandom()

    package init(
        transactions: SIPTransactionLayer, configuration: InviteSessionConfiguration = InviteSessionConfiguration(),
        logger: Logger = Logger(label: "sip.session", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.transactions = transactions
        self.configuration = configuration
        self.logger = logger
        self.timers = LoopTimerQueue(eventLoop: transactions.eventLoop)
        timers.onFire = { [weak self] token in
            guard let self else { return }
            self.timerHandles[token] = nil
            self.update(token.session) { $0.timerFired(token.timer, now: self.eventLoop.now) }
        }
    }

    package var count: Int { sessions.count }
    /// Whether a live session has this Call-ID (a request for it is in a dialog of ours).
    package func hasSession(callID: String) -> Bool { byCallID[callID] != nil }
    /// Received requests still waiting for (or retransmitting) their answer.
    package var pendingRequestCount: Int { received.count }
    package func state(of id: SessionID) -> InviteSessionState? { sessions[id]?.session.state }

    /// Whether session `id` still exists: ``state(of:)`` `!= nil` without a copy of the session.
    package func hasSession(_ id: SessionID) -> Bool { sessions.index(forKey: id) != nil }

    /// Whether session `id`'s hang-up is held until a provisional response
    /// (``InviteSession/hangUpAwaitsAProvisionalResponse``).
    package func hangUpAwaitsAProvisionalResponse(_ id: SessionID) -> Bool {
        sessions[id]?.session.hangUpAwaitsAProvisionalResponse ?? false
    }

    /// The give-up time of an INVITE sent to `target` now.
    private func giveUp(toward target: SIPTransportTarget) -> TimeAmount? {
        switch inviteGiveUp {
        case .none: nil
        case .fixed(let time): time
        case .learned: transactions.inviteGiveUp(toward: target)
        }
    }

    /// A new random seed for a session's machine (glare waits).
    private func seed() -> SeededRandom { SeededRandom(seed: random.next()) }

    // MARK: Starting sessions

    /// Dials: a new INVITE client session through `target`; returns its id (the INVITE is sent now).
    /// `realms`: which challenges `credentials` answer (the connection's, as its registration knows
    /// them when the call starts).
    package func dial(
        local: LocalParty, remote: SIPNameAddress, callID: String, target: SIPTransportTarget,
        credentials: DigestCredentials?, realms: DigestRealmPolicy, offer: SessionBody?
    ) -> SessionID {
        eventLoop.assertInEventLoop()
        let id = nextSessionID
        nextSessionID += 1
        let machine = InviteClientSession(
            local: local, remote: remote, callID: callID, localTag: SIPIdentifiers.hex(count: 10, using: &random),
            sentOverTLS: target.transport == .tls, realms: realms, configuration: configuration, random: seed())
        sessions[id] = Entry(session: machine, callID: callID, target: target, credentials: credentials)
        byCallID[callID] = id
        update(id) { session in
            guard var client = session as? InviteClientSession else { return [] }
            defer { session = client }
            return client.start(offer: offer, now: self.eventLoop.now, noResponseTimeout: self.giveUp(toward: target))
        }
        return id
    }

    /// Accepts a received INVITE as a new incoming session (it rings when ``ring(_:)`` is called).
    /// Returns nil, having answered 400, when the INVITE cannot make a dialog.
    package func accept(
        _ request: IncomingRequest, local: LocalParty, target: SIPTransportTarget, credentials: DigestCredentials?,
        realms: DigestRealmPolicy
    ) -> SessionID? {
        eventLoop.assertInEventLoop()
        let id = nextSessionID
        let requestID = remember(request, session: id)
        let machine: InviteServerSession
        do {
            machine = try InviteServerSession(
                invite: request.message, requestID: requestID, local: local,
                localTag: SIPIdentifiers.hex(count: 10, using: &random),
                receivedOverTLS: request.received.transport == .tls,
                realms: realms, configuration: configuration, random: seed())
        } catch {
            send(InviteServerSession.badRequestResponse(to: request.message, error: error), toRequest: requestID)
            received[requestID] = nil
            return nil
        }
        guard let callID = try? request.message.callID else {
            received[requestID] = nil
            return nil
        }
        if let tooSmall = machine.sessionIntervalTooSmallResponse {
            // RFC 4028 §9: the UAC asked for less than our Min-SE; it retries with ours.
            send(tooSmall, toRequest: requestID)
            received[requestID] = nil
            return nil
        }
        nextSessionID += 1
        sessions[id] = Entry(
            session: machine, callID: callID, target: target, credentials: credentials, requestIDs: [requestID]
        )
        byCallID[callID] = id
        return id
    }

    // MARK: Commands from the TU

    package func ring(_ id: SessionID) {
        updateServer(id) { $0.ring(now: self.eventLoop.now) }
    }

    package func answer(_ id: SessionID, body: SessionBody?) {
        updateServer(id) { $0.answer(body: body, now: self.eventLoop.now) }
    }

    package func reject(_ id: SessionID, statusCode: Int) {
        updateServer(id) { $0.reject(statusCode: statusCode, now: self.eventLoop.now) }
    }

    package func hangUp(_ id: SessionID) { update(id) { $0.hangUp(now: self.eventLoop.now) } }
    package func reinvite(_ id: SessionID, offer: SessionBody?) {
        update(id) { $0.reinvite(offer: offer, now: self.eventLoop.now) }
    }
    package func acceptReinvite(_ id: SessionID, requestID: UInt64, body: SessionBody?) {
        update(id) { $0.acceptReinvite(requestID: requestID, body: body, now: self.eventLoop.now) }
    }
    package func rejectReinvite(_ id: SessionID, requestID: UInt64, statusCode: Int) {
        update(id) { $0.rejectReinvite(requestID: requestID, statusCode: statusCode, now: self.eventLoop.now) }
    }
    package func sendInfo(_ id: SessionID, body: SessionBody) {
        update(id) { $0.sendInfo(body, now: self.eventLoop.now) }
    }
    package func transfer(_ id: SessionID, to target: SIPURI) {
        update(id) { $0.transfer(to: target, now: self.eventLoop.now) }
    }

    // MARK: Messages from the transaction layer

    /// A request for an existing session (in-dialog, CANCEL, ACK); false when no session has its Call-ID.
    package func route(_ request: IncomingRequest) -> Bool {
        guard let callID = try? request.message.callID, let id = byCallID[callID], sessions[id] != nil else {
            return false
        }
        let requestID = remember(request, session: id)
        if request.message.method != .ack { sessions[id]?.requestIDs.insert(requestID) }
        if request.message.method == .cancel {
            updateServer(id) { $0.cancelReceived(request.message, requestID: requestID, now: self.eventLoop.now) }
        } else {
            update(id) { $0.requestReceived(request.message, requestID: requestID, now: self.eventLoop.now) }
        }
        return true
    }

    /// A response no client transaction matched: a 2xx retransmission for a confirmed INVITE.
    package func stray(_ response: SIPReceivedMessage) {
        guard let callID = try? response.message.callID, let id = byCallID[callID] else { return }
        update(id) { $0.strayResponseReceived(response.message, now: self.eventLoop.now) }
    }

    // MARK: Carrying out the machines' actions

    private func remember(_ request: IncomingRequest, session: SessionID) -> UInt64 {
        let id = nextRequestID
        nextRequestID += 1
        if request.message.method != .ack { received[id] = (request.transaction, request.received, session) }
        return id
    }

    private func update(_ id: SessionID, _ event: (inout any InviteSession) -> [InviteSessionAction]) {
        // In place: an entry copied out of the table and stored back shares its machine's arrays and
        // strings with the table's copy while the event changes them, so every event copied them, and
        // the enum this replaced boxed the machine into an existential and cast it back each time.
        guard sessions[id] != nil else { return }
        let actions = event(&sessions[id]!.session)
        perform(actions, for: id)
    }

    private func updateServer(_ id: SessionID, _ event: (inout InviteServerSession) -> [InviteSessionAction]) {
        update(id) { session in
            guard var server = session as? InviteServerSession else { return [] }
            defer { session = server }
            return event(&server)
        }
    }

    private func perform(_ actions: [InviteSessionAction], for id: SessionID) {
        for action in actions {
            switch action {
            case .sendRequest(let request):
                send(request, for: id)
            case .sendAck(let ack, _):
                guard let target = sessions[id]?.target else { break }
                // Only logged: a future of the write is asked for only when the log would be written.
                transactions.sendStateless(ack, to: target, reportingFailure: logger.logLevel <= .debug) {
                    [logger] error in logger.debug("ACK not sent: \(error)")
                }
            case .sendResponse(let response, let requestID):
                send(response, toRequest: requestID)
            case .schedule(let timer, let deadline):
                timers.schedule(TimerToken(session: id, timer: timer), at: deadline, handles: &timerHandles)
            case .cancel(let timer):
                timers.cancel(TimerToken(session: id, timer: timer), handles: &timerHandles)
            case .stopRetransmitting(let requestID):
                if let transaction = sessions[id]?.inviteTransactions[requestID] {
                    transactions.stopRetransmitting(transaction)
                }
            case .report(let event):
                onEvent?(id, event)
            case .terminated:
                for timer in InviteSessionTimer.allCases {
                    timers.cancel(TimerToken(session: id, timer: timer), handles: &timerHandles)
                }
                if let entry = sessions.removeValue(forKey: id) {
                    if byCallID[entry.callID] == id { byCallID[entry.callID] = nil }
                    // The requests of this dialog need no more answers (an answered INVITE's entry was
                    // kept for its 2xx retransmissions until now).
                    for requestID in entry.requestIDs { received[requestID] = nil }
                }
                onFinished?(id)
            }
        }
    }

    private func send(_ request: OutgoingRequest, for id: SessionID) {
        guard var entry = sessions[id] else { return }
        var message = request.message
        if !request.challenges.isEmpty, let credentials = entry.credentials {
            do {
                message = try request.authorized(with: &entry.authenticator, credentials: credentials, using: &random)
            } catch {
                logger.warning("cannot answer a challenge: \(error)")
            }
            sessions[id] = entry
        }
        let requestID = request.id
        let sent = transactions.sendRequest(message, to: entry.target) { [weak self] event in
            guard let self else { return }
            switch event {
            case .provisional(let r):
                self.update(id) { $0.responseReceived(r.message, requestID: requestID, now: self.eventLoop.now) }
            case .final(let r):
                if (r.message.statusCode ?? 0) >= 200 { self.sessions[id]?.inviteTransactions[requestID] = nil }
                self.update(id) { $0.responseReceived(r.message, requestID: requestID, now: self.eventLoop.now) }
            case .failed(let failure, _):
                self.sessions[id]?.inviteTransactions[requestID] = nil
                self.update(id) { $0.requestFailed(failure, requestID: requestID, now: self.eventLoop.now) }
            }
        }
        if let sent, request.purpose == .invite { sessions[id]?.inviteTransactions[requestID] = sent }
        if sent == nil {
            update(id) { $0.requestFailed(.transportError, requestID: requestID, now: self.eventLoop.now) }
        }
    }

    private func send(_ response: SIPMessage, toRequest requestID: UInt64) {
        guard let (transaction, request, session) = received[requestID] else { return }
        if let transaction, transactions.respond(response, to: transaction) {
        } else {
            transactions.respondStatelessly(response, to: request)
        }
        if let code = response.statusCode, code >= 200, request.message.method != .invite || code >= 300 {
            received[requestID] = nil
            sessions[session]?.requestIDs.remove(requestID)
        }
    }
}
