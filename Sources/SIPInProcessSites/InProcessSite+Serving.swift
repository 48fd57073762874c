import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SIPCore
import SIPMedia
import SIPTransaction
import SIPTransport
import SIPUserAgent

/// What the site answers: REGISTER (digest-checked bindings), OPTIONS, and INVITEs to its test numbers
/// (with an echo of the caller's RTP, early media, a rejection or silence), on the site's loop.
extension InProcessSite {
    // MARK: Serving requests (on the site's loop)

    func handle(_ request: IncomingRequest, on layer: SIPTransactionLayer) {
        let message = request.message
        guard let method = message.method else { return }
        func respond(_ response: SIPMessage) {
            if let id = request.transaction {
                layer.respond(response, to: id)
            } else {
                layer.respondStatelessly(response, to: request.received)
            }
        }
        let toTag = "\(configuration.name)-\(UInt32.random(in: 1...UInt32.max))"
        switch method {
        case .register:
            respond(register(message, toTag: toTag))
        case .options:
            respond(message.makeResponse(statusCode: 200, toTag: toTag))
        case .invite:
            invite(request, on: layer, toTag: toTag)
        case .bye:
            let callID = message.headers.first(.callID) ?? ""
            let media = state.withLockedValue { s -> SiteCallMedia? in
                s.byeCount += 1
                return s.media.removeValue(forKey: callID)
            }
            media?.close()
            let ok = message.makeResponse(statusCode: 200)
            let (transaction, received) = (request.transaction, request.received)
            inDialogAnswer(on: layer) {
                if let transaction {
                    layer.respond(ok, to: transaction)
                } else {
                    layer.respondStatelessly(ok, to: received)
                }
            }
        case .ack:
            return
        case .cancel:
            respond(message.makeResponse(statusCode: 200))
            if let callID = message.headers.first(.callID) {
                // Early media already running ends with the call; otherwise the late 200 must open none.
                let early = state.withLockedValue { s -> SiteCallMedia? in
                    if let media = s.media.removeValue(forKey: callID) { return media }
                    s.cancelled.insert(callID)
                    return nil
                }
                early?.close()
            }
            if let id = request.transaction, let (invite, received) = layer.inviteTransaction(cancelledBy: id) {
                layer.respond(received.message.makeResponse(statusCode: 487, toTag: toTag), to: invite)
            }
        default:
            respond(message.makeResponse(statusCode: 405))
        }
    }

    private func register(_ message: SIPMessage, toTag: String) -> SIPMessage {
        state.withLockedValue { $0.registerCount += 1 }
        guard let user = try? message.to.uri.user, let password = configuration.users[user] else {
            return message.makeResponse(statusCode: 403, toTag: toTag)
        }
        guard let credentials = try? message.authorization.first,
            credentials.nonce == nonce,
            DigestVerifier.verify(credentials, username: user, password: password, method: .register)
        else {
            var challenge = message.makeResponse(statusCode: 401, toTag: toTag)
            var auth = SIPAuthentication(scheme: "Digest")
            auth.set("realm", configuration.name, quoted: true)
            auth.set("nonce", nonce, quoted: true)
            auth.set("algorithm", "MD5", quoted: false)
            auth.set("qop", "auth", quoted: true)
            challenge.headers.add(.wwwAuthenticate, auth.description)
            return challenge
        }
        let expires = (try? message.expires) ?? 3600
        var response = message.makeResponse(statusCode: 200, toTag: toTag)
        if let contact = try? message.contacts.first?.address {
            state.withLockedValue { $0.bindings[user] = expires == 0 ? nil : contact.uri }
            if expires > 0 {
                var granted = contact
                granted.parameters.set("expires", String(expires))
                response.headers.add(.contact, granted.description)
            }
        }
        return response
    }

    /// Sends a final response within a call now, or after ``Configuration/inDialogAnswerDelay``.
    private func inDialogAnswer(on layer: SIPTransactionLayer, _ send: @escaping @Sendable () -> Void) {
        let delay = configuration.inDialogAnswerDelay
        if delay == .zero {
            send()
        } else {
            layer.eventLoop.scheduleTask(in: TimeAmount(delay)) { send() }
        }
    }

    private func invite(_ request: IncomingRequest, on layer: SIPTransactionLayer, toTag: String) {
        let message = request.message
        let arrived = ContinuousClock.now
        state.withLockedValue {
            $0.invites.append(message)
            $0.inviteArrivals.append(arrived)
        }
        guard let id = request.transaction else { return }
        let number = message.requestURI?.user ?? ""
        // A re-INVITE in a call with media (hold, retrieve), the site's own calls included: answered
        // on the same ports, whatever number the request URI names.
        let callID = message.headers.first(.callID) ?? ""
        if (try? message.to.tag) != nil, state.withLockedValue({ $0.media[callID] != nil }) {
            guard let body = answerBody(for: message, mode: .echo) else {
                layer.respond(message.makeResponse(statusCode: 488), to: id)
                return
            }
            var ok = message.makeResponse(statusCode: 200, body: body)
            ok.headers.add(.contact, "<sip:\(number)@\(configuration.host):\(port)>")
            ok.headers.add(.contentType, "application/sdp")
            let answer = ok
            inDialogAnswer(on: layer) { layer.respond(answer, to: id) }
            return
        }
        switch configuration.testNumbers[number] {
        case .none:
            layer.respond(message.makeResponse(statusCode: 404, toTag: toTag), to: id)
        case .reject(let code):
            layer.respond(message.makeResponse(statusCode: code, toTag: toTag), to: id)
        case .silent:
            return
        case .answer(let ringing, let mode):
            layer.respond(message.makeResponse(statusCode: 180, toTag: toTag), to: id)
            let loop = layer.eventLoop
            loop.scheduleTask(in: TimeAmount(ringing)) {
                guard let body = self.answerBody(for: message, mode: mode) else {
                    layer.respond(message.makeResponse(statusCode: 488, toTag: toTag), to: id)
                    return
                }
                var ok = message.makeResponse(statusCode: 200, toTag: toTag, body: body)
                ok.headers.add(.contact, "<sip:\(number)@\(self.configuration.host):\(self.port)>")
                ok.headers.add(.contentType, "application/sdp")
                layer.respond(ok, to: id)
            }
        case .earlyMedia(let ringing, let final):
            guard let body = answerBody(for: message, mode: .echo) else {
                layer.respond(message.makeResponse(statusCode: 488, toTag: toTag), to: id)
                return
            }
            // RFC 3261 §13.2.1 / RFC 3264: the answer rides in the 183; a 200 repeats it unchanged.
            var progress = message.makeResponse(statusCode: 183, toTag: toTag, body: body)
            progress.headers.add(.contact, "<sip:\(number)@\(configuration.host):\(port)>")
            progress.headers.add(.contentType, "application/sdp")
            layer.respond(progress, to: id)
            let callID = message.headers.first(.callID) ?? ""
            layer.eventLoop.scheduleTask(in: TimeAmount(ringing)) {
                guard final == 200 else {
                    self.state.withLockedValue { $0.media.removeValue(forKey: callID) }?.close()
                    layer.respond(message.makeResponse(statusCode: final, toTag: toTag), to: id)
                    return
                }
                var ok = message.makeResponse(statusCode: 200, toTag: toTag, body: body)
                ok.headers.add(.contact, "<sip:\(number)@\(self.configuration.host):\(self.port)>")
                ok.headers.add(.contentType, "application/sdp")
                layer.respond(ok, to: id)
            }
        }
    }

    /// The SDP of a 200 to `invite`: the answer to its offer, with media opened (or, for a re-INVITE,
    /// updated) for the call; nil when the offer cannot be answered (488). An INVITE without an offer
    /// gets the fixed description and no media, as the site always did.
    private func answerBody(for invite: SIPMessage, mode: AnswerMedia) -> ByteBuffer? {
        let callID = invite.headers.first(.callID) ?? ""
        let (existing, wasCancelled) = state.withLockedValue { ($0.media[callID], $0.cancelled.remove(callID) != nil) }
        guard !wasCancelled else { return ByteBuffer(string: Self.answerSDP(host: configuration.host)) }
        let offer: SessionDescription
        do {
            guard let parsed = try invite.sessionDescription() else {
                return ByteBuffer(string: Self.answerSDP(host: configuration.host))
            }
            offer = parsed
        } catch {
            return nil
        }
        if let existing {
            return (try? existing.reanswer(offer))?.byteBuffer
        }
        guard
            let (media, answer) = try? SiteCallMedia.answer(
                offer, host: configuration.host, mode: mode, clock: mediaClock,
                cname: "\(configuration.name)@\(configuration.host)")
        else { return nil }
        state.withLockedValue { $0.media[callID] = media }
        return answer.byteBuffer
    }

    /// How a call the site places offers media (RFC 3264 §5; RFC 3261 §13.2.1 for the late offer).
    public enum CallOffer: Sendable, Hashable {
        /// A fixed offer on the discard port, with no media behind it.
        case fixed
        /// A real offer; the site echoes what the phone sends once it answers.
        case echo
        /// No SDP in the INVITE, as a 3pcc server sends: the phone offers in its 200 and the site
        /// answers in the ACK, then echoes.
        case late
    }
}
