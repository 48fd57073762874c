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
extension CallCore {
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
    func holdOthers(except id: String) {
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
}
