import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SIPCore
import SIPMedia
import SIPTransaction
import SIPTransport
import SIPUserAgent

/// Calls the site places to a registered user (what a caller behind the site does), and the
/// re-INVITE without an offer of the last one it placed.
extension InProcessSite {
    /// Calls a registered user (an inbound call for the phone): an INVITE from `caller` (default `5551234`)
    /// with the media `offer` (default ``CallOffer/fixed``) to the Contact `user` registered, then an ACK for
    /// a 2xx (carrying the site's answer for ``CallOffer/late``).
    ///
    /// Returns the final status code: 404 at once when `user` has no registration (or its Contact host is
    /// not an IP literal), 408 when the INVITE transaction ends without a final response. `timeout`
    /// (default 10 s) is not used: the wait ends with the transaction's own timer (Timer B, §17.1.1.2).
    /// `headers`: more headers for the INVITE (a B2BUA's correlation header, e.g. X-Call-UUID).
    /// Throws when the site cannot set up the media of an ``CallOffer/echo`` offer or send the ACK.
    public func call(
        _ user: String, from caller: String = "5551234", offer: CallOffer = .fixed, timeout: Duration = .seconds(10),
        headers extra: [(String, String)] = []
    ) async throws -> Int {
        guard let layer = state.withLockedValue({ $0.layer }), let contact = registrations[user],
            let address = try? SocketAddress(ipAddress: contact.hostWithoutBrackets, port: contact.port ?? 5060)
        else { return 404 }
        let target = SIPTransportTarget(transport: .udp, address: address)
        var h = SIPHeaders()
        h.add(
            .via,
            SIPVia(transport: "UDP", host: configuration.host, port: port, branch: SIPVia.makeBranch()).description)
        h.add(.maxForwards, "70")
        h.add(.from, "<sip:\(caller)@\(configuration.host)>;tag=\(configuration.name)-in")
        h.add(.to, "<sip:\(user)@\(configuration.host)>")
        h.add(.callID, "in-\(UInt64.random(in: 1...UInt64.max))@\(configuration.name)")
        h.add(.cseq, "1 INVITE")
        h.add(.contact, "<sip:\(caller)@\(configuration.host):\(port)>")
        for (name, value) in extra { h.add(SIPHeaderName(name), value) }
        let callID = h.first(.callID) ?? ""
        let cname = "\(configuration.name)@\(configuration.host)"
        var body: ByteBuffer?
        var offered: SiteCallMedia?
        switch offer {
        case .fixed:
            body = ByteBuffer(string: Self.answerSDP(host: configuration.host))
        case .echo:
            let (media, sdp) = try await mediaClock.eventLoop.submit {
                try SiteCallMedia.offer(host: self.configuration.host, clock: self.mediaClock, cname: cname)
            }.get()
            offered = media
            body = sdp.byteBuffer
        case .late:
            body = nil
        }
        if body != nil { h.add(.contentType, "application/sdp") }
        let invite = SIPMessage.request(method: .invite, uri: contact, headers: h, body: body ?? ByteBuffer())
        let final = await finalResponse(to: invite, to: target, on: layer)
        guard let final, let code = final.statusCode else {
            if let offered { mediaClock.eventLoop.execute { offered.close() } }
            return 408
        }
        // The media of an answered call: the phone's answer to our offer, or our answer (in the ACK)
        // to the offer in its 200.
        let media: (media: SiteCallMedia?, ackBody: ByteBuffer?) = try await mediaClock.eventLoop.submit {
            [offered] in
            guard (200...299).contains(code), let sdp = try? final.sessionDescription() else {
                offered?.close()
                return (nil, nil)
            }
            if let offered {
                do { try offered.receiveAnswer(sdp) } catch {
                    offered.close()
                    return (nil, nil)
                }
                return (offered, nil)
            }
            guard offer == .late,
                let (answered, answer) = try? SiteCallMedia.answer(
                    sdp, host: self.configuration.host, mode: .echo, clock: self.mediaClock, cname: cname)
            else { return (nil, nil) }
            return (answered, answer.byteBuffer)
        }.get()
        if let callMedia = media.media { state.withLockedValue { $0.media[callID] = callMedia } }
        if (200...299).contains(code) {
            let remoteTarget = (try? final.contacts.first?.address?.uri) ?? contact
            state.withLockedValue {
                $0.lastPlaced = PlacedCall(
                    from: h.first(.from) ?? "", to: final.headers.first(.to) ?? "", callID: callID,
                    remoteTarget: remoteTarget, target: target, sequence: 1)
            }
            var ack = SIPHeaders()
            ack.add(
                .via,
                SIPVia(transport: "UDP", host: configuration.host, port: port, branch: SIPVia.makeBranch()).description)
            ack.add(.maxForwards, "70")
            ack.add(.from, h.first(.from) ?? "")
            ack.add(.to, final.headers.first(.to) ?? "")
            ack.add(.callID, h.first(.callID) ?? "")
            ack.add(.cseq, "1 ACK")
            if media.ackBody != nil { ack.add(.contentType, "application/sdp") }
            let uri = (try? final.contacts.first?.address?.uri) ?? contact
            _ = try await layer.sendStateless(
                .request(method: .ack, uri: uri, headers: ack, body: media.ackBody ?? ByteBuffer()),
                to: target
            ).get()
        }
        return code
    }

    /// Sends a re-INVITE without an offer in the last call the site placed and answered, as a 3pcc
    /// server does to re-point media: the phone must offer in its 200 (RFC 3261 §14.2); the site answers
    /// in the ACK and its echo follows the new description. Returns the final status code.
    public func reinviteWithoutOffer() async throws -> Int {
        guard let layer = state.withLockedValue({ $0.layer }),
            let placed = state.withLockedValue({ s -> PlacedCall? in
                s.lastPlaced?.sequence += 1
                return s.lastPlaced
            })
        else { return 481 }
        func headers(_ method: String) -> SIPHeaders {
            var h = SIPHeaders()
            h.add(
                .via,
                SIPVia(transport: "UDP", host: configuration.host, port: port, branch: SIPVia.makeBranch()).description)
            h.add(.maxForwards, "70")
            h.add(.from, placed.from)
            h.add(.to, placed.to)
            h.add(.callID, placed.callID)
            h.add(.cseq, "\(placed.sequence) \(method)")
            return h
        }
        var h = headers("INVITE")
        h.add(.contact, "<sip:site@\(configuration.host):\(port)>")
        let reinvite = SIPMessage.request(method: .invite, uri: placed.remoteTarget, headers: h)
        let final = await finalResponse(to: reinvite, to: placed.target, on: layer)
        guard let final, let code = final.statusCode else { return 408 }
        guard (200...299).contains(code) else { return code }
        let answer: ByteBuffer? = try await mediaClock.eventLoop.submit {
            guard let offer = try? final.sessionDescription(),
                let media = self.state.withLockedValue({ $0.media[placed.callID] })
            else { return nil }
            return (try? media.reanswer(offer))?.byteBuffer
        }.get()
        var ack = headers("ACK")
        if answer != nil { ack.add(.contentType, "application/sdp") }
        _ = try await layer.sendStateless(
            .request(method: .ack, uri: placed.remoteTarget, headers: ack, body: answer ?? ByteBuffer()),
            to: placed.target
        ).get()
        return answer == nil ? 488 : code
    }

    /// Sends an INVITE and returns its first final response (nil: no answer, it could not be sent, or
    /// the site died meanwhile). The client transaction hands a 2xx's retransmissions to us too
    /// (RFC 6026 §7.2); they arrive while we prepare the ACK and are ignored here, so the continuation
    /// resumes exactly once.
    func finalResponse(
        to invite: SIPMessage, to target: SIPTransportTarget, on layer: SIPTransactionLayer
    ) async -> SIPMessage? {
        let resumed = NIOLockedValueBox(false)
        let state = self.state
        return await withCheckedContinuation { (continuation: CheckedContinuation<SIPMessage?, Never>) in
            let waiter = state.withLockedValue { s -> UInt64 in
                s.nextAwaitingID += 1
                return s.nextAwaitingID
            }
            @Sendable func finish(_ message: SIPMessage?) {
                guard
                    resumed.withLockedValue({ done in
                        defer { done = true }
                        return !done
                    })
                else { return }
                _ = state.withLockedValue { $0.awaitingFinal.removeValue(forKey: waiter) }
                continuation.resume(returning: message)
            }
            let alive = state.withLockedValue { s -> Bool in
                guard s.layer === layer else { return false }
                s.awaitingFinal[waiter] = finish
                return true
            }
            guard alive else { return finish(nil) }
            layer.eventLoop.execute {
                let id = layer.sendRequest(invite, to: target) { event in
                    switch event {
                    case .provisional: break
                    case .final(let r): finish(r.message)
                    case .failed: finish(nil)
                    }
                }
                if id == nil { finish(nil) }
            }
        }
    }

    /// The fixed SDP of calls the site makes (and of answers to an INVITE without an offer): it carries
    /// no media, so it names the discard port 9, which nothing on loopback listens on — a real port
    /// could be another test's RTP socket.
    static func answerSDP(host: String) -> String {
        [
            "v=0", "o=site 1 1 IN IP4 \(host)", "s=test number", "c=IN IP4 \(host)", "t=0 0",
            "m=audio 9 RTP/AVP 0 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000",
            "a=fmtp:101 0-16", "a=sendrecv", "",
        ].joined(separator: "\r\n")
    }
}
