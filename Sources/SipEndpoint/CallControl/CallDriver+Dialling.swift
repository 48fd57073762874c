import Foundation
import Logging
import NIOCore
import SIPCore
import SIPMedia
import SIPTransaction
import SIPTransport
import SIPUserAgent
import Synchronization

/// Dialling: the dial failover rule (``DialFailoverMachine``) carried out over INVITE sessions, one
/// attempt at a time, within the caller's line.
extension CallDriver {
    // MARK: Dialling with site fallback

    /// Starts a dial; the returned stream is subscribed before anything happens, so it sees every event
    /// of the session from `inProgress` on (a 404 can end a dial within the same tick).
    func dial(connectionId: Int, destination: String) throws(SipEndpointError) -> (String, AsyncStream<SessionEvent>) {
        eventLoop.assertInEventLoop()
        guard environment.connectionConfiguration(connectionId) != nil else {
            throw SipEndpointError(.unknownConnection, "no connection \(connectionId)")
        }
        guard
            environment.connectionConfiguration(connectionId).flatMap({
                environment.destinationURI(destination, for: $0)
            }) != nil
        else {
            throw SipEndpointError(.invalidDestination, "\(destination) is neither a user/number nor a SIP URI")
        }
        let failover = DialFailoverMachine(
            requested: connectionId, candidates: environment.dialCandidates(line: connectionId),
            retryCodes: environment.configuration.failover.retryCodes)
        let call = try makeCall(
            CallStateMachine(outgoing: connectionId, failover: failover, now: eventLoop.now),
            connectionId: connectionId, remote: destination)
        calls[call.id] = call
        let stream = call.events.subscribe()
        feed(call.id, .dial(destination: destination))
        return (call.id, stream)
    }

    func makeCall(
        _ machine: CallStateMachine, connectionId: Int, remote: String
    ) throws(SipEndpointError) -> Call {
        let host = environment.localHostAddress
        let reservation: RTPPortReservation
        do {
            reservation = try RTPPortReservation.reserve(
                address: host, in: environment.configuration.endpoint.rtpPortRange)
        } catch {
            throw SipEndpointError(.mediaUnavailable, "no RTP port: \(error)")
        }
        let media = OfferAnswerSession(
            configuration: MediaConfiguration(
                localAddress: host, rtpPort: reservation.rtpPort, rtcpPort: reservation.rtcpPort,
                srtp: SRTPPolicy(environment.configuration.security.useSRTP)),
            sessionID: UInt64.random(in: 1...UInt64(Int64.max), using: &random))
        return Call(
            id: UUID().uuidString.lowercased(), user: environment.user(of: connectionId) ?? "", machine: machine,
            remote: remote, destination: remote, media: media, rtp: reservation)
    }

    func attempt(call id: String, connectionId: Int, targetIndex: Int) {
        guard var call = calls[id], let connection = environment.connectionConfiguration(connectionId),
            let uri = environment.destinationURI(call.destination, for: connection)
        else { return }
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
            feed(id, .noOffer("\(error)"))
            return
        }
        calls[id] = call
        publish(id)
        environment.target(for: connectionId, index: targetIndex).whenComplete { [weak self] result in
            guard let self, let call = self.calls[id], call.machine.isDialling else { return }
            switch result {
            case .success(let target):
                guard let local = self.environment.localParty(for: connectionId) else { return }
                let callID = SIPIdentifiers.hex(count: 24, using: &self.random)
                self.calls[id]?.sipCallID = callID
                let session = self.engine.dial(
                    local: local, remote: SIPNameAddress(uri: uri), callID: callID,
                    target: target, credentials: self.environment.credentials(for: connectionId),
                    realms: self.environment.realmPolicy(for: connectionId),
                    offer: SessionBody(contentType: .sdp, content: offer.byteBuffer))
                self.calls[id]?.engineSession = session
                self.calls[id]?.attemptTarget = target
                self.byEngineSession[session] = id
            case .failure(let error):
                self.feed(id, .attemptNotSent("\(error)"))
            }
        }
    }
}
