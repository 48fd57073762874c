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
extension CallCore {
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

    func makeCall(direction: Direction, connectionId: Int, remote: String) throws(SipEndpointError) -> Call {
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
            id: Self.sessionID(using: &random), direction: direction, user: phone.user(of: connectionId) ?? "",
            connectionId: connectionId, status: .inProgress,
            reason: SessionReason(kind: .normal, text: "created"), remote: remote, destination: remote, media: media,
            rtp: reservation)
    }

    /// A session's identity: a random (version 4, RFC 9562 §5.4) UUID in lowercase, from the call
    /// core's generator. Foundation's `UUID()` opens and reads /dev/urandom for each one on Linux, a
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

    func performFailover(_ actions: [DialFailoverMachine.Action], call id: String) {
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
                        cause: cause.description, time: Date(), causeLabel: cause.metricLabel))
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

    func attempt(call id: String, connectionId: Int, targetIndex: Int) {
        guard let destination = calls[id]?.destination, let connection = phone.connectionConfiguration(connectionId),
            let uri = phone.destinationURI(destination, for: connection)
        else { return }
        // The call's state changes in place: a copy taken out of `calls` and stored back would copy
        // the offer/answer state's storage on each change.
        calls[id]!.connectionId = connectionId
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
            end(
                id,
                reason: SessionReason(
                    kind: .sipError, statusCode: 488, reasonPhrase: "Not Acceptable Here", text: "no offer: \(error)"))
            return
        }
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
}
