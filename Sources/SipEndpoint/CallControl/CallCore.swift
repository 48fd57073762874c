import Foundation
import Logging
import NIOCore
import SIPCore
import SIPMedia
import SIPTransaction
import SIPTransport
import SIPUserAgent
import Synchronization

/// The calls of a phone, confined to its event loop: the dial failover rule carried out over the
/// INVITE session machines, inbound calls, and offer/answer for each call.
final class CallCore: @unchecked Sendable {
    // @unchecked: mutable state is touched only on `eventLoop`; `snapshot` has its own lock.

    enum Direction: String, Sendable { case outgoing, incoming }

    /// What ``CallControl/incomingCalls`` is made of: a call that started ringing, or how many such
    /// calls a slow reader missed.
    enum IncomingCallEvent: Sendable { case ringing(String, user: String), dropped(count: Int) }

    struct Call {
        let id: String
        let direction: Direction
        /// The agent's DN: every rule of the call (failover, hold of the others, ringing) stays in this line.
        let user: String
        var connectionId: Int
        var status: SessionStatus
        var reason: SessionReason
        var remote: String
        var destination: String
        var failover: DialFailoverMachine?
        var engineSession: SessionEngine.SessionID?
        /// The server target of the dial's attempt in flight: down for dials if the attempt fails.
        var attemptTarget: SIPTransportTarget?
        var media: OfferAnswerSession
        var rtp: RTPPortReservation?
        /// The answer to an incoming INVITE's offer, made when it arrived (488 at once if there is none).
        var pendingAnswer: SessionDescription?
        var heldLocally = false
        /// The RTP session once the call connected, and what the application plugged in
        /// (kept here too, so a source chosen before the answer plays from the first packet).
        var rtpSession: RTPMediaSession?
        var mediaSource: MediaSource = .silence
        var recorder: WAVRecorder?
        /// What swift-metrics has been told of this call so far.
        var publishedStatistics: MediaStatistics?
        /// Why we ended the call ourselves, when it was not the user (media inactivity).
        var localEndReason: SessionReason?
        /// The call's connection failed while it was up and ``SessionSignalingLost`` was raised; cleared
        /// when the connection is ready again.
        var signalingLost = false
        /// The session interval the dialog runs (RFC 4028), seconds; nil: no session timer. And how
        /// many refreshes succeeded.
        var sessionInterval: Int?
        var sessionRefreshes = 0
        /// The SIP Call-ID of the dialog now carrying the call (the SRTP key log names it).
        var sipCallID: String?
        /// SRTP keys already written to the key log.
        var loggedKeys: Set<SRTPMasterKey> = []
        let events = EventBroadcaster<SessionEvent>(dropped: { .dropped(count: $0) })
        /// For an incoming call: a stream subscribed when it started ringing, for the first `Session`
        /// handed to the application, so it misses nothing.
        var firstStream: AsyncStream<SessionEvent>?
    }

    unowned let phone: PhoneCore
    let engine: SessionEngine
    let logger: Logger
    let events = EventBroadcaster<SessionEvent>(dropped: { .dropped(count: $0) })
    let incomingCalls = EventBroadcaster<IncomingCallEvent>(dropped: { .dropped(count: $0) })
    let snapshot = Mutex<[String: SessionSnapshot]>([:])

    var calls: [String: Call] = [:]
    /// Incoming calls ringing now, per line (DN): bounded by `max_ringing_calls`.
    private var ringing: [String: Int] = [:]
    private var byEngineSession: [SessionEngine.SessionID: String] = [:]
    private var eventLoop: any EventLoop { phone.eventLoop }
    private var random = SystemRandomNumberGenerator()
    /// Publishes live calls' media counters while any call carries media.
    var metricsTask: RepeatedTask?
    /// One customer call delivered by both sites (`duplicate_call_header`): which session carries which value.
    var duplicates = DuplicateCallTable()

    init(phone: PhoneCore, transactions: SIPTransactionLayer, logger: Logger) {
        self.phone = phone
        self.logger = logger
        let ringSeconds = phone.configuration.session.ringTimeoutSeconds
        self.engine = SessionEngine(
            transactions: transactions,
            configuration: SessionConfiguration(
                ringTimeout: ringSeconds > 0 ? .seconds(Int64(ringSeconds)) : nil,
                sessionTimers: Self.sessionTimers(phone.configuration.session)),
            logger: logger)
        engine.onEvent = { [weak self] id, event in self?.sessionEvent(id, event) }
        engine.inviteGiveUp =
            phone.configuration.failover.inviteTimeoutMilliseconds.map { .fixed(.milliseconds(Int64(max(1, $0)))) }
            ?? .learned
        transactions.onStrayResponse = { [weak self] response in self?.engine.stray(response) }
    }

    /// A stream of the session's events: the one kept from its start the first time, new ones after.
    func events(of id: String) -> AsyncStream<SessionEvent>? {
        if let first = calls[id]?.firstStream {
            calls[id]?.firstStream = nil
            return first
        }
        return calls[id]?.events.subscribe()
    }

    // MARK: Dialling with site fallback

    /// Starts a dial; the returned stream is subscribed before anything happens, so it sees every event
    /// of the session from `inProgress` on (a 404 can end a dial within the same tick).
    func dial(connectionId: Int, destination: String) throws(SipEndpointError) -> (String, AsyncStream<SessionEvent>) {
        eventLoop.assertInEventLoop()
        guard phone.connectionConfiguration(connectionId) != nil else {
            throw SipEndpointError(.unknownConnection, "no connection \(connectionId)")
        }
        guard phone.connectionConfiguration(connectionId).flatMap({ phone.destinationURI(destination, for: $0) }) != nil
        else {
            throw SipEndpointError(.invalidDestination, "\(destination) is neither a user/number nor a SIP URI")
        }
        var call = try makeCall(direction: .outgoing, connectionId: connectionId, remote: destination)
        call.failover = DialFailoverMachine(
            requested: connectionId, candidates: phone.dialCandidates(line: connectionId),
            retryCodes: phone.configuration.failover.retryCodes)
        calls[call.id] = call
        let stream = call.events.subscribe()
        holdOthers(except: call.id)
        publish(call.id)
        emitStatus(
            call.id, previous: .disconnected, reason: SessionReason(kind: .normal, text: "dialling \(destination)"))
        let actions = calls[call.id]?.failover?.start(requested: connectionId) ?? []
        performFailover(actions, call: call.id)
        return (call.id, stream)
    }

    private func makeCall(direction: Direction, connectionId: Int, remote: String) throws(SipEndpointError) -> Call {
        let host = phone.localHostAddress
        let reservation: RTPPortReservation
        do {
            reservation = try RTPPortReservation.reserve(address: host, in: phone.configuration.endpoint.rtpPortRange)
        } catch {
            throw SipEndpointError(.mediaUnavailable, "no RTP port: \(error)")
        }
        let media = OfferAnswerSession(
            configuration: MediaConfiguration(
                localAddress: host, rtpPort: reservation.rtpPort, rtcpPort: reservation.rtcpPort,
                srtp: SRTPPolicy(phone.configuration.security.useSRTP)),
            sessionID: UInt64.random(in: 1...UInt64(Int64.max), using: &random))
        return Call(
            id: UUID().uuidString.lowercased(), direction: direction, user: phone.user(of: connectionId) ?? "",
            connectionId: connectionId, status: .inProgress,
            reason: SessionReason(kind: .normal, text: "created"), remote: remote, destination: remote, media: media,
            rtp: reservation)
    }

    private func performFailover(_ actions: [DialFailoverMachine.Action], call id: String) {
        for action in actions {
            switch action {
            case .attempt(let connectionId, let targetIndex):
                attempt(call: id, connectionId: connectionId, targetIndex: targetIndex)
            case .failedOver(let from, let to, let cause):
                calls[id]?.connectionId = to
                publish(id)
                logger.info("call \(id) fails over from connection \(from) to \(to): \(cause)")
                let event = SessionEvent.failedOver(
                    SessionFailedOver(
                        sessionId: id, user: calls[id]?.user ?? "", fromConnectionId: from, toConnectionId: to,
                        cause: cause.description, time: Date()))
                calls[id]?.events.yield(event)
                events.yield(event)
            case .reportConnectionTrouble(let connectionId):
                phone.connectionTrouble(connectionId, target: calls[id]?.attemptTarget)
            case .end(let outcome):
                switch outcome {
                case .connected:
                    break  // the session's own events moved it to connected
                case .rejected(let code, let phrase), .failed(let code, let phrase):
                    end(id, reason: .response(code, phrase))
                case .cancelled:
                    end(id, reason: SessionReason(kind: .localHangUp, text: "cancelled"))
                }
            }
        }
    }

    private func attempt(call id: String, connectionId: Int, targetIndex: Int) {
        guard var call = calls[id], let connection = phone.connectionConfiguration(connectionId),
            let uri = phone.destinationURI(call.destination, for: connection)
        else { return }
        call.connectionId = connectionId
        call.attemptTarget = nil
        call.media.abandonOffer()
        // RFC 4568 §6.1: each attempt is a dialog of its own, with keys of its own.
        call.media.startNewDialog()
        // A failed attempt may have had early media: nothing more goes to its far end until the next
        // attempt's answer says where to send.
        pauseMedia(call)
        let offer: SessionDescription
        do {
            offer = try call.media.makeOffer()
        } catch {
            calls[id] = call
            end(
                id,
                reason: SessionReason(
                    kind: .sipError, statusCode: 488, reasonPhrase: "Not Acceptable Here", text: "no offer: \(error)"))
            return
        }
        calls[id] = call
        publish(id)
        phone.target(for: connectionId, index: targetIndex).whenComplete { [weak self] result in
            guard let self, let call = self.calls[id], call.status == .inProgress || call.status == .alerting,
                call.failover?.isFinished == false
            else { return }
            switch result {
            case .success(let target):
                guard let local = self.phone.localParty(for: connectionId) else { return }
                let callID = SIPIdentifiers.hex(count: 24, using: &self.random)
                self.calls[id]?.sipCallID = callID
                let session = self.engine.dial(
                    local: local, remote: SIPNameAddress(uri: uri), callID: callID,
                    target: target, credentials: self.phone.credentials(for: connectionId),
                    realms: self.phone.realmPolicy(for: connectionId),
                    offer: SessionBody(contentType: .sdp, content: offer.byteBuffer))
                self.calls[id]?.engineSession = session
                self.calls[id]?.attemptTarget = target
                self.byEngineSession[session] = id
            case .failure(let error):
                let actions = self.calls[id]?.failover?.attemptEnded(.transportFailure("\(error)")) ?? []
                self.performFailover(actions, call: id)
            }
        }
    }

    // MARK: Incoming calls

    /// A new INVITE for `connectionId` (inbound routing chose it): a session ringing on that
    /// connection (or answered at once with `auto_answer`), unless its line already rings
    /// `max_ringing_calls` times (486). Returns false when it was not taken (the phone answers it).
    func incoming(_ request: IncomingRequest, connectionId: Int) -> Bool {
        guard let local = phone.localParty(for: connectionId), let user = phone.user(of: connectionId) else {
            return false
        }
        let target =
            phone.currentTarget(for: connectionId)
            ?? SIPTransportTarget(transport: request.received.transport, address: request.received.source)
        guard
            let session = engine.accept(
                request, local: local, target: target, credentials: phone.credentials(for: connectionId),
                realms: phone.realmPolicy(for: connectionId))
        else { return true }
        guard
            case .admitted(let duplicateValue) = admitCopy(
                request, session: session, user: user, connectionId: connectionId)
        else { return true }
        if ringing[user, default: 0] >= max(1, phone.configuration.session.maxRingingCalls) {
            engine.reject(session, statusCode: 486)
            return true
        }
        let from = (try? request.message.from).map { $0.displayName.map { "\($0) " } ?? "" + "\($0.uri)" } ?? "unknown"
        guard var call = try? makeCall(direction: .incoming, connectionId: connectionId, remote: from) else {
            engine.reject(session, statusCode: 500)
            return true
        }
        call.engineSession = session
        call.sipCallID = try? request.message.callID
        call.status = .alerting
        // RFC 3264 §6: answer the offer now; an INVITE we cannot answer is refused with 488 at once.
        if let body = SessionBody(message: request.message), body.contentType.matches(.sdp),
            let offer = try? SessionDescription(parsing: body.content)
        {
            do {
                call.pendingAnswer = try call.media.receiveOffer(offer).answer
            } catch {
                engine.reject(session, statusCode: error.sipStatusCode ?? 488)
                call.rtp?.release()
                return true
            }
        }
        call.firstStream = call.events.subscribe()
        calls[call.id] = call
        if let duplicateValue { remember(call.id, duplicateValue: duplicateValue) }
        ringing[user, default: 0] += 1
        byEngineSession[session] = call.id
        publish(call.id)
        engine.ring(session)
        emitStatus(
            call.id, previous: .disconnected,
            reason: SessionReason(
                kind: .normal, statusCode: 180, reasonPhrase: "Ringing", text: "incoming call from \(from)"))
        incomingCalls.yield(.ringing(call.id, user: call.user))
        if phone.configuration.session.autoAnswer { try? answer(call.id) }
        return true
    }

    func route(_ request: IncomingRequest) -> Bool { engine.route(request) }

    // MARK: Commands

    func answer(_ id: String) throws(SipEndpointError) {
        guard let call = calls[id], call.direction == .incoming, call.status == .alerting,
            let session = call.engineSession
        else {
            throw SipEndpointError(.invalidState, "session \(id) is not an incoming call that rings")
        }
        holdOthers(except: id)
        // An INVITE without an offer (a 3pcc server's late offer, RFC 3261 §13.2.1): we offer in the 200
        // and the answer comes in the ACK. An offer we could not answer was refused with 488 on arrival,
        // so no pending answer means no offer.
        var sdp = call.pendingAnswer
        if sdp == nil {
            do {
                sdp = try calls[id]?.media.makeOffer()
            } catch {
                throw SipEndpointError(.mediaUnavailable, "no offer for the 200: \(error)")
            }
        }
        engine.answer(session, body: sdp.map { SessionBody(contentType: .sdp, content: $0.byteBuffer) })
    }

    func reject(_ id: String, statusCode: Int) throws(SipEndpointError) {
        guard let call = calls[id], call.direction == .incoming, call.status == .alerting,
            let session = call.engineSession
        else {
            throw SipEndpointError(.invalidState, "session \(id) is not an incoming call that rings")
        }
        engine.reject(session, statusCode: statusCode)
    }

    func hangUp(_ id: String) throws(SipEndpointError) {
        guard var call = calls[id] else { throw SipEndpointError(.unknownSession, "no session \(id)") }
        guard call.status != .disconnected else { return }
        // No attempt starts after the user's cancel: a cancelled dial never reaches another site.
        if call.failover?.isFinished == false {
            let actions = call.failover?.cancel() ?? []
            calls[id] = call
            if let session = call.engineSession { engine.hangUp(session) }
            performFailover(actions, call: id)
            return
        }
        call.reason = SessionReason(kind: .localHangUp, text: "hung up")
        calls[id] = call
        if let session = call.engineSession { engine.hangUp(session) } else { end(id, reason: call.reason) }
    }

    func hold(_ id: String) throws(SipEndpointError) {
        guard var call = calls[id], call.status == .connected || call.status == .held, let session = call.engineSession
        else {
            throw SipEndpointError(.invalidState, "session \(id) is not connected")
        }
        guard !call.heldLocally else { return }
        do {
            let offer = try call.media.hold()
            call.heldLocally = true
            calls[id] = call
            engine.reinvite(session, offer: SessionBody(contentType: .sdp, content: offer.byteBuffer))
        } catch {
            throw SipEndpointError(.invalidState, "cannot hold now: \(error)")
        }
    }

    func retrieve(_ id: String) throws(SipEndpointError) {
        guard var call = calls[id], call.status == .held || call.status == .connected, let session = call.engineSession
        else {
            throw SipEndpointError(.invalidState, "session \(id) is not held")
        }
        guard call.heldLocally else { return }
        do {
            let offer = try call.media.retrieve()
            call.heldLocally = false
            calls[id] = call
            engine.reinvite(session, offer: SessionBody(contentType: .sdp, content: offer.byteBuffer))
        } catch {
            throw SipEndpointError(.invalidState, "cannot retrieve now: \(error)")
        }
    }

    func sendDTMF(_ id: String, digits: String) throws(SipEndpointError) {
        guard let call = calls[id], call.status == .connected || call.status == .held, let session = call.engineSession
        else {
            throw SipEndpointError(.invalidState, "session \(id) is not connected")
        }
        // dtmf_method rfc2833: RFC 4733 in RTP when the call negotiated telephone-events; SIP INFO when
        // it did not (or when asked for INFO), as pjsua and the Genesys SDK fall back.
        if phone.configuration.session.dtmfMethod == .rfc2833, let media = call.rtpSession {
            var events: [DTMFEvent] = []
            for digit in digits {
                guard let event = DTMFEvent(digit) else {
                    throw SipEndpointError(.invalidDestination, "\(digit) is not a DTMF signal (0-9 * # A-D)")
                }
                events.append(event)
            }
            if media.sendDTMF(events) { return }
        }
        for digit in digits {
            guard let relay = DTMFRelay(signal: digit) else {
                throw SipEndpointError(.invalidDestination, "\(digit) is not a DTMF signal (0-9 * # A-D)")
            }
            engine.sendInfo(session, body: relay.body)
        }
    }

    func transfer(_ id: String, to destination: String) throws(SipEndpointError) {
        guard let call = calls[id], call.status == .connected || call.status == .held, let session = call.engineSession,
            let connection = phone.connectionConfiguration(call.connectionId),
            let uri = phone.destinationURI(destination, for: connection)
        else { throw SipEndpointError(.invalidState, "session \(id) cannot be transferred now") }
        engine.transfer(session, to: uri)
    }

    /// Answering or dialling puts the line's other connected calls on hold (`hold_others`); another
    /// agent's calls are never touched.
    private func holdOthers(except id: String) {
        guard phone.configuration.session.holdOthers, let user = calls[id]?.user else { return }
        for (other, call) in calls
        where other != id && call.user == user && call.status == .connected && !call.heldLocally {
            try? hold(other)
        }
    }

    /// Ends every call (shutdown).
    func hangUpAll() {
        for id in calls.keys { try? hangUp(id) }
    }

    // MARK: Session events

    private func sessionEvent(_ session: SessionEngine.SessionID, _ event: SIPUserAgent.SessionEvent) {
        guard let id = byEngineSession[session], var call = calls[id] else { return }
        switch event {
        case .stateChanged(let change):
            stateChanged(id, session: session, change)
        case .remoteBody(let body):
            guard body.contentType.matches(.sdp), let sdp = try? SessionDescription(parsing: body.content) else {
                return
            }
            if case .offerSent = call.media.state {
                do {
                    _ = try call.media.receiveAnswer(sdp)
                } catch  where error.code == .insecureAnswer {
                    calls[id] = call
                    insecureAnswer(id, error)
                    return
                } catch {}
                calls[id] = call
                // Early media (RFC 3960's gateway model): an answer in a 18x starts RTP before the
                // call is answered, so an IVR prompt or the network's ringback is heard. The answer may
                // also come with the 200, after the session reported itself answered.
                if call.rtpSession != nil {
                    updateMedia(id)
                    updateHoldStatus(id)  // the answer to an offer we made in a 200 (a late-offer re-INVITE)
                } else if call.status == .alerting || call.status == .connected {
                    startMedia(id)
                }
            }
        case .reinviteReceived(let requestID, let offer):
            guard let offer else {
                // RFC 3261 §14.2: a re-INVITE without an offer (a 3pcc server re-pointing media, or a
                // session refresh) gets ours in the 200 — our current direction, so a held call stays
                // held — and the answer comes in the ACK.
                do {
                    let ours = try call.media.makeOffer()
                    calls[id] = call
                    engine.acceptReinvite(
                        session, requestID: requestID, body: SessionBody(contentType: .sdp, content: ours.byteBuffer))
                } catch {
                    engine.rejectReinvite(session, requestID: requestID, statusCode: 491)
                }
                return
            }
            guard let sdp = try? SessionDescription(parsing: offer.content) else {
                engine.rejectReinvite(session, requestID: requestID, statusCode: 488)
                return
            }
            do {
                let answer = try call.media.receiveOffer(sdp).answer
                calls[id] = call
                engine.acceptReinvite(
                    session, requestID: requestID, body: SessionBody(contentType: .sdp, content: answer.byteBuffer))
                updateMedia(id)
                updateHoldStatus(id)
            } catch {
                engine.rejectReinvite(session, requestID: requestID, statusCode: error.sipStatusCode ?? 488)
            }
        case .reinviteCompleted(let code, _, let answer):
            if (200...299).contains(code), let answer, let sdp = try? SessionDescription(parsing: answer.content) {
                do {
                    _ = try call.media.receiveAnswer(sdp)
                } catch  where error.code == .insecureAnswer {
                    calls[id] = call
                    insecureAnswer(id, error)
                    return
                } catch {}
            } else if !(200...299).contains(code) {
                call.media.abandonOffer()
                call.heldLocally.toggle()  // the hold or retrieve did not happen
            }
            calls[id] = call
            updateMedia(id)
            updateHoldStatus(id)
        case .infoReceived(let body):
            // RFC 6086 INFO with `application/dtmf-relay`: the digit reaches the application like one
            // carried by RFC 4733.
            if let body, let relay = DTMFRelay(body: body) { dtmfReceived(id, digit: relay.signal, method: .info) }
        case .sessionTimer(let timerEvent):
            sessionTimerEvent(id, timerEvent)
        case .infoCompleted, .transferProgress:
            break
        }
    }

    private func stateChanged(_ id: String, session: SessionEngine.SessionID, _ change: SessionStateChange) {
        guard let call = calls[id], call.engineSession == session else { return }
        switch change.state {
        case .early:
            if call.status == .inProgress {
                setStatus(id, .alerting, reason: .response(change.statusCode ?? 180, change.reasonPhrase ?? "Ringing"))
            }
        case .answered, .confirmed:
            if call.status != .connected && call.status != .held {
                if call.direction == .outgoing, var failover = calls[id]?.failover {
                    let actions = failover.attemptEnded(.answered)
                    calls[id]?.failover = failover
                    performFailover(actions, call: id)
                }
                setStatus(id, .connected, reason: .response(change.statusCode ?? 200, change.reasonPhrase ?? "OK"))
            }
        case .terminated:
            byEngineSession[session] = nil
            calls[id]?.engineSession = nil
            terminated(id, change)
        case .calling, .incoming:
            break
        }
    }

    private func terminated(_ id: String, _ change: SessionStateChange) {
        guard var call = calls[id] else { return }
        if call.direction == .outgoing, var failover = call.failover, !failover.isFinished,
            call.status == .inProgress || call.status == .alerting
        {
            // An attempt of a dial ended: the failover rule decides what happens next.
            let result: DialFailoverMachine.AttemptResult
            switch change.reason {
            case .localFailure(let failure):
                result = failure.code == .timeout ? .timeout : .transportFailure("\(failure)")
            default:
                result = .finalResponse(
                    statusCode: change.statusCode ?? 500, reasonPhrase: change.reasonPhrase ?? "Server Internal Error")
                // The target answered: not down, unless with its own 503 (a proxy relays none, RFC 3261 §16.7).
                if change.statusCode != 503 { call.attemptTarget = nil }
            }
            let actions = failover.attemptEnded(result)
            call.failover = failover
            calls[id] = call
            performFailover(actions, call: id)
            return
        }
        let reason: SessionReason
        switch change.reason {
        case .remoteHangUp, .cancelledByRemote:
            reason = SessionReason(kind: .remoteHangUp, text: "the other party hung up")
        case .localHangUp, .cancelled, .rejectedLocally:
            reason = call.reason.kind == .localHangUp ? call.reason : SessionReason(kind: .localHangUp, text: "hung up")
        case .localFailure, .ackTimeout:
            // A call lost to a dead site ends with sipError 408, so the application can tell it from a hang-up.
            reason = SessionReason(
                kind: .sipError, statusCode: 408, reasonPhrase: "Request Timeout", text: "408 Request Timeout")
        case .rejected, .dialogFailure, .none:
            reason = .response(change.statusCode ?? 500, change.reasonPhrase ?? "Server Internal Error")
        }
        // A call we ended ourselves (media inactivity) keeps our reason, however the BYE fared.
        end(id, reason: call.localEndReason ?? reason)
    }

    /// An answer that breaks `use_srtp=mandatory` (no keys) or accepts none of our `a=crypto` lines
    /// ends the call: its media would be unprotected or undecryptable (RFC 4568 §7.5). Other answer
    /// failures leave the call as it was.
    private func insecureAnswer(_ id: String, _ error: OfferAnswerError) {
        guard var call = calls[id], let session = call.engineSession else { return }
        logger.warning("session \(id): \(error); hanging up")
        call.localEndReason = SessionReason(
            kind: .sipError, statusCode: 488, reasonPhrase: "Not Acceptable Here",
            text: "insecure answer: \(error.detail)")
        calls[id] = call
        engine.hangUp(session)
    }

    private func updateHoldStatus(_ id: String) {
        guard let call = calls[id], call.status == .connected || call.status == .held else { return }
        let held = call.heldLocally || call.media.isHeldByRemote
        let status: SessionStatus = held ? .held : .connected
        if status != call.status {
            setStatus(
                id, status,
                reason: SessionReason(
                    kind: .normal, text: held ? (call.heldLocally ? "held" : "held by the other party") : "retrieved"))
        }
    }

    func end(_ id: String, reason: SessionReason) {
        guard let call = calls[id], call.status != .disconnected else { return }
        call.rtp?.release()
        let statistics = stopMedia(id)
        setStatus(id, .disconnected, reason: reason, mediaStatistics: statistics)
        calls[id]?.events.finish()
        calls[id] = nil
        duplicates.remove(session: id)
        snapshot.withLock { $0[id] = nil }
    }

    private func setStatus(
        _ id: String, _ status: SessionStatus, reason: SessionReason, mediaStatistics: MediaStatistics? = nil
    ) {
        guard let call = calls[id] else { return }
        let previous = call.status
        if call.direction == .incoming, previous == .alerting, status != .alerting {
            ringing[call.user, default: 1] -= 1
            if ringing[call.user] == 0 { ringing[call.user] = nil }
        }
        calls[id]?.status = status
        calls[id]?.reason = reason
        publish(id)
        emitStatus(id, previous: previous, reason: reason, mediaStatistics: mediaStatistics)
        if status == .connected, previous != .held { startMedia(id) }
    }

    private func emitStatus(
        _ id: String, previous: SessionStatus, reason: SessionReason, mediaStatistics: MediaStatistics? = nil
    ) {
        guard let call = calls[id] else { return }
        logger.info(
            "session \(id) on connection \(call.connectionId): \(previous.rawValue) → \(call.status.rawValue) (\(reason))"
        )
        let event = SessionEvent.statusChanged(
            SessionStatusChanged(
                sessionId: id, connectionId: call.connectionId, user: call.user, previousStatus: previous,
                status: call.status,
                reason: reason, time: Date(), mediaStatistics: mediaStatistics))
        call.events.yield(event)
        events.yield(event)
    }

    func publish(_ id: String) {
        guard let call = calls[id] else { return }
        let s = SessionSnapshot(
            id: id, direction: call.direction == .outgoing ? .outgoing : .incoming, connectionId: call.connectionId,
            user: call.user, status: call.status, reason: call.reason, remote: call.remote,
            isHeldLocally: call.heldLocally,
            sessionInterval: call.sessionInterval.map { .seconds($0) }, sessionRefreshes: call.sessionRefreshes)
        snapshot.withLock { $0[id] = s }
    }
}

/// What ``CallControl/sessions`` returns for one session.
public struct SessionSnapshot: Sendable, Hashable {
    /// Which side started the call.
    public enum Direction: String, Sendable, Hashable {
        /// Dialled by this phone (``CallControl/dial(connectionId:destination:)``).
        case outgoing
        /// An INVITE that came in through one of the connections (``CallControl/incomingCalls``).
        case incoming
    }
    /// The session's ``Session/id``.
    public var id: String
    /// Which side started the call.
    public var direction: Direction
    /// The connection the session uses now; it changes when a dial fails over (``SessionFailedOver``).
    public var connectionId: Int
    /// The agent's DN: the line the session belongs to.
    public var user: String
    /// The status as of the session's latest ``SessionStatusChanged``.
    public var status: SessionStatus
    /// Why the session has its status: the reason of its latest ``SessionStatusChanged``.
    public var reason: SessionReason
    /// The number or URI dialled, or the caller.
    public var remote: String
    /// Whether this phone holds the call: true from ``Session/hold()`` (as the hold re-INVITE goes out)
    /// until ``Session/retrieve()``, and false again if the peer refuses the hold. A hold by the far end
    /// leaves it false (``status`` is `held` either way).
    public var isHeldLocally: Bool
    /// The session interval the call's dialog runs (RFC 4028 session timers); nil: none (the peer
    /// did not take timers up, §7.2, or the call is not answered yet).
    public var sessionInterval: Duration?
    /// How many session refreshes (ours or the peer's) succeeded.
    public var sessionRefreshes: Int
}
