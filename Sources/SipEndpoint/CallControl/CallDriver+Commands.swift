import Foundation
import Logging
import NIOCore
import SIPCore
import SIPMedia
import SIPTransaction
import SIPTransport
import SIPUserAgent
import Synchronization

/// What the application asks of a call: answer, reject, hang up, hold, retrieve, DTMF, transfer.
extension CallDriver {
    // MARK: Commands

    func answer(_ id: String) throws(SipEndpointError) {
        let actions = step(id, .answer)
        if calls[id] == nil || actions.isEmpty || actions.contains(where: \.isRefusal) {
            throw SipEndpointError(.invalidState, "session \(id) is not an incoming call that rings")
        }
        for action in actions {
            if case .answerSession(let withOffer) = action {
                try answerSession(id, withOffer: withOffer)
            } else {
                perform([action], call: id)
            }
        }
    }

    func reject(_ id: String, statusCode: Int) throws(SipEndpointError) {
        let actions = step(id, .reject(statusCode: statusCode))
        if calls[id] == nil || actions.isEmpty || actions.contains(where: \.isRefusal) {
            throw SipEndpointError(.invalidState, "session \(id) is not an incoming call that rings")
        }
        perform(actions, call: id)
    }

    /// Hangs up; the future completes when the INVITE session is over: the BYE answered, the CANCEL's
    /// INVITE ended (487), or at once when no session carries the call or the INVITE has had no
    /// response yet (its CANCEL waits for a 1xx, §9.1, and the leg is closed in the background:
    /// waiting for it would hold the caller until Timer B, 32 s, on a dead site).
    func hangUp(_ id: String) throws(SipEndpointError) -> EventLoopFuture<Void> {
        guard let call = calls[id] else { throw SipEndpointError(.unknownSession, "no session \(id)") }
        let promise = eventLoop.makePromise(of: Void.self)
        guard let session = call.engineSession else {
            feed(id, .hangUp(sessionExists: false))
            promise.succeed()
            return promise.futureResult
        }
        feed(id, .hangUp(sessionExists: true))
        if engine.hangUpAwaitsAProvisionalResponse(session) {
            promise.succeed()
            return promise.futureResult
        }
        finalWaiters[session, default: []].append(promise)
        // A session already gone (or gone within the hang-up) has nothing left to answer.
        if !engine.hasSession(session) { sessionFinished(session) }
        return promise.futureResult
    }

    /// Holds the call; the future completes when the hold's re-INVITE has its final response (fails
    /// when it was refused, or the call ended first).
    func hold(_ id: String) throws(SipEndpointError) -> EventLoopFuture<Void> {
        try holdOrRetrieve(id, .hold)
    }

    /// Takes the call off hold; the future completes like ``hold(_:)``'s.
    func retrieve(_ id: String) throws(SipEndpointError) -> EventLoopFuture<Void> {
        try holdOrRetrieve(id, .retrieve)
    }

    private func holdOrRetrieve(
        _ id: String, _ operation: CallStateMachine.HoldOperation
    ) throws(SipEndpointError) -> EventLoopFuture<Void> {
        let actions = step(id, operation == .hold ? .hold : .retrieve)
        for action in actions {
            if case .refuse(let why) = action {
                throw SipEndpointError(.invalidState, "session \(id) cannot \(operation) now: \(why)")
            }
        }
        guard calls[id] != nil, !actions.isEmpty else {
            throw SipEndpointError(.invalidState, "session \(id) is not connected")
        }
        let promise = eventLoop.makePromise(of: Void.self)
        if actions.contains(where: \.waitsForReinvite) {
            calls[id]?.reinviteWaiters.append(promise)
        } else {
            promise.succeed()
        }
        perform(actions, call: id)
        return promise.futureResult
    }

    func sendDTMF(_ id: String, digits: String) throws(SipEndpointError) {
        guard let call = calls[id], call.status == .connected || call.status == .held, let session = call.engineSession
        else {
            throw SipEndpointError(.invalidState, "session \(id) is not connected")
        }
        // dtmf_method rfc2833: RFC 4733 in RTP when the call negotiated telephone-events; SIP INFO when
        // it did not (or when asked for INFO), as pjsua and the Genesys SDK fall back.
        if environment.configuration.session.dtmfMethod == .rfc2833, let media = call.rtpSession {
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
            let connection = environment.connectionConfiguration(call.connectionId),
            let uri = environment.destinationURI(destination, for: connection)
        else { throw SipEndpointError(.invalidState, "session \(id) cannot be transferred now") }
        engine.transfer(session, to: uri)
    }

    /// Answering or dialling puts the line's other connected calls on hold (`hold_others`); another
    /// agent's calls are never touched.
    func holdOthers(except id: String) {
        guard environment.configuration.session.holdOthers, let user = calls[id]?.user else { return }
        for (other, call) in calls
        where other != id && call.user == user && call.status == .connected && !call.heldLocally {
            _ = try? hold(other)
        }
    }

    /// Ends every call (shutdown).
    func hangUpAll() {
        for id in calls.keys { _ = try? hangUp(id) }
    }
}

extension CallStateMachine.Action {
    var isRefusal: Bool { if case .refuse = self { true } else { false } }
    /// The command's caller waits for a re-INVITE's final response.
    var waitsForReinvite: Bool {
        switch self {
        case .sendReinvite, .joinReinvite: true
        default: false
        }
    }
}
