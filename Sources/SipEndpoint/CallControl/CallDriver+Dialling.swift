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
        let reservation: MediaPorts
        do {
            reservation = try environment.mediaPorts.reserve(
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
            id: Self.sessionID(using: &random), user: environment.user(of: connectionId) ?? "", machine: machine,
            remote: remote, destination: remote, media: media, rtp: reservation)
    }

    /// A session's identity: a random (version 4, RFC 9562 §5.4) UUID in lowercase, from the call
    /// driver's generator. Foundation's `UUID()` opens and reads /dev/urandom for each one on Linux, a
    /// system call or three per call.
    static func sessionID(using random: inout some RandomNumberGenerator) -> String {
        let high = random.next() as UInt64
        let low = random.next() as UInt64
        var b = (0..<16).map { i in UInt8(truncatingIfNeeded: (i < 8 ? high >> (8 * (7 - i)) : low >> (8 * (15 - i)))) }
        b[6] = (b[6] & 0x0F) | 0x40  // version 4
        b[8] = (b[8] & 0x3F) | 0x80  // the RFC's variant
        let uuid = UUID(
            uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])
        )
        return uuid.uuidString.lowercased()
    }

    func attempt(call id: String, connectionId: Int, targetIndex: Int) {
        guard let destination = calls[id]?.destination,
            let connection = environment.connectionConfiguration(connectionId),
            let uri = environment.destinationURI(destination, for: connection)
        else { return }
        // The call's state changes in place: a copy taken out of `calls` and stored back would copy
        // the offer/answer state's storage on each change.
        calls[id]!.attemptTarget = nil
        calls[id]!.media.abandonOffer()
        // RFC 4568 §6.1: each attempt is a dialog of its own, with keys of its own.
        calls[id]!.media.startNewDialog()
        // A failed attempt may have had early media: nothing more goes to its far end until the next
        // attempt's answer says where to send.
        if let call = calls[id], call.rtpSession != nil { pauseMedia(call) }
        let offer: SessionDescription
        do {
            offer = try calls[id]!.media.makeOffer()
        } catch {
            feed(id, .noOffer("\(error)"))
            return
        }
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
