import Foundation
import Logging
import NIOCore
import SIPUserAgent

/// The driver's half of each call's machine: events in (``feed(_:_:)``), actions performed.
extension CallDriver {
    /// Gives `event` to call `id`'s machine, with the loop's time, and keeps the machine's new state;
    /// the caller performs the actions.
    func step(_ id: String, _ event: CallStateMachine.Event) -> [CallStateMachine.Action] {
        guard var machine = calls[id]?.machine else { return [] }
        let actions = machine.handle(event, now: eventLoop.now)
        calls[id]?.machine = machine
        return actions
    }

    /// ``step(_:_:)`` and perform what the machine returned.
    func feed(_ id: String, _ event: CallStateMachine.Event) {
        perform(step(id, event), call: id)
    }

    func perform(_ actions: [CallStateMachine.Action], call id: String) {
        for action in actions {
            guard let call = calls[id] else { return }
            switch action {
            case .status(let status, let previous, let reason):
                if call.direction == .incoming, previous == .alerting, status != .alerting { rang(call.user) }
                publish(id)
                emitStatus(id, previous: previous, reason: reason)
            case .end(let previous, let reason):
                end(id, previous: previous, reason: reason)
            case .attempt(let connectionId, let targetIndex):
                attempt(call: id, connectionId: connectionId, targetIndex: targetIndex)
            case .failedOver(let from, let to, let cause):
                publish(id)
                logger.info("call \(id) fails over from connection \(from) to \(to): \(cause)")
                let event = SessionEvent.failedOver(
                    SessionFailedOver(
                        sessionId: id, user: call.user, fromConnectionId: from, toConnectionId: to,
                        cause: cause.description, time: Date(), causeLabel: cause.metricLabel))
                call.events.yield(event)
                events.yield(event)
            case .reportConnectionTrouble(let connectionId, let blameTarget):
                environment.connectionTrouble(connectionId, target: blameTarget ? call.attemptTarget : nil)
            case .startMedia:
                startMedia(id)
            case .updateMedia:
                updateMedia(id)
            case .abandonOffer:
                calls[id]?.media.abandonOffer()
            case .holdOthers:
                holdOthers(except: id)
            case .answerSession(let withOffer):
                try? answerSession(id, withOffer: withOffer)
            case .rejectSession(let code):
                if let session = call.engineSession { engine.reject(session, statusCode: code) }
            case .answerReinvite:
                break  // answered where the re-INVITE's offer is at hand (``sessionEvent(_:_:)``)
            case .hangUpSession:
                if let session = call.engineSession { engine.hangUp(session) }
            case .sendReinvite(let operation):
                sendReinvite(id, operation)
            case .joinReinvite, .refuse:
                break  // the command's caller waits or throws
            case .operationDone(let operation, let failure):
                let waiters = call.reinviteWaiters
                calls[id]?.reinviteWaiters = []
                for waiter in waiters {
                    if let failure {
                        waiter.fail(SipEndpointError(.requestFailed, "the \(operation) did not happen: \(failure)"))
                    } else {
                        waiter.succeed()
                    }
                }
            case .signalingLost(let reason):
                logger.warning(
                    "session \(id): connection \(call.connectionId) failed (\(reason)); the call stays up while media flows"
                )
                let event = SessionEvent.signalingLost(
                    SessionSignalingLost(
                        sessionId: id, connectionId: call.connectionId, user: call.user, reason: reason, time: Date()))
                call.events.yield(event)
                events.yield(event)
            }
        }
        if calls[id] != nil { publish(id) }
    }

    /// An incoming call of `user`'s line stopped ringing.
    private func rang(_ user: String) {
        ringing[user, default: 1] -= 1
        if ringing[user] == 0 { ringing[user] = nil }
    }

    /// Answers the incoming INVITE with our answer to its offer, or our offer when it had none.
    func answerSession(_ id: String, withOffer: Bool) throws(SipEndpointError) {
        guard let session = calls[id]?.engineSession else { return }
        var sdp = calls[id]?.pendingAnswer
        if withOffer {
            do {
                sdp = try calls[id]?.media.makeOffer()
            } catch {
                throw SipEndpointError(.mediaUnavailable, "no offer for the 200: \(error)")
            }
        }
        engine.answer(session, body: sdp.map { SessionBody(contentType: .sdp, content: $0.byteBuffer) })
    }

    /// The hold or retrieve re-INVITE with its offer (RFC 3264 §8.4); an offer that cannot be made
    /// undoes the operation.
    private func sendReinvite(_ id: String, _ operation: CallStateMachine.HoldOperation) {
        guard let call = calls[id], let session = call.engineSession else { return }
        do {
            let offer = operation == .hold ? try call.media.hold() : try call.media.retrieve()
            calls[id] = call
            engine.reinvite(session, offer: SessionBody(contentType: .sdp, content: offer.byteBuffer))
        } catch {
            logger.warning("session \(id): no offer for the \(operation): \(error)")
            feed(id, .reinviteNotSent(heldByRemote: call.media.isHeldByRemote))
        }
    }

    /// The INVITE session is over and every request of it has its answer: its hang-up is final.
    func sessionFinished(_ session: InviteDriver.SessionID) {
        for waiter in finalWaiters.removeValue(forKey: session) ?? [] { waiter.succeed() }
    }

    /// The call is over: its media stops, `disconnected` is raised, the call is forgotten; a hold or
    /// retrieve still waiting fails.
    func end(_ id: String, previous: SessionStatus, reason: SessionReason) {
        guard let call = calls[id] else { return }
        if call.direction == .incoming, previous == .alerting { rang(call.user) }
        let statistics = stopMedia(id)
        emitStatus(id, previous: previous, reason: reason, mediaStatistics: statistics)
        for waiter in call.reinviteWaiters {
            waiter.fail(SipEndpointError(.requestFailed, "the call ended: \(reason)"))
        }
        calls[id]?.events.finish()
        calls[id] = nil
        duplicates.remove(session: id)
        snapshot.withLock { $0[id] = nil }
    }

    func emitStatus(
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
