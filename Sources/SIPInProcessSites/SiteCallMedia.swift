import NIOCore
import SIPCore
import SIPMedia

/// The media side of one call an ``InProcessSite`` answered: the RFC 3264 answer to the caller's offer,
/// an RTP port pair reserved on the site's host, and — for ``InProcessSite/AnswerMedia/echo`` — an
/// echo on those ports, so a phone that calls a test number hears itself (the classic test line).
///
/// SRTP (SDES) offers are taken as `use_srtp=optional` would, with one twist of a test line: the
/// answer reflects the caller's own key (``reflectingKey(_:_:)``), so the echo the caller receives is
/// protected with the key it sent with, under the site's SSRC. No real endpoint should do that; an
/// echo does it so a phone can hear itself through SRTP, early media and failover included.
///
/// With ``InProcessSite/AnswerMedia/none`` the ports are held but never read or written: the SDP is
/// real, nothing comes back, which is what the media path of a dead site looks like (the phone's
/// packets land in a socket nobody reads rather than on a port someone else may own).
///
/// Confined to the site's event loop (also its ``MediaClock``'s); every method must be called there.
final class SiteCallMedia: @unchecked Sendable {
    // @unchecked: all state is touched only on `clock.eventLoop`.

    private var offerAnswer: OfferAnswerSession
    private let reservation: RTPPortReservation
    private let mode: InProcessSite.AnswerMedia
    private let clock: MediaClock
    private let cname: String
    private var session: RTPMediaSession?
    private var isClosed = false

    private init(
        offerAnswer: OfferAnswerSession, reservation: RTPPortReservation, mode: InProcessSite.AnswerMedia,
        clock: MediaClock, cname: String
    ) {
        self.offerAnswer = offerAnswer
        self.reservation = reservation
        self.mode = mode
        self.clock = clock
        self.cname = cname
    }

    /// Reserves ports on `host`, answers `offer` and, for `.echo`, starts the echo. Throws when no port
    /// pair is free or the offer has nothing we take (the site then answers 488, RFC 3261 §13.3.1.1).
    static func answer(
        _ offer: SessionDescription, host: String, mode: InProcessSite.AnswerMedia, clock: MediaClock, cname: String
    ) throws -> (media: SiteCallMedia, answer: SessionDescription) {
        clock.eventLoop.assertInEventLoop()
        let reservation = try RTPPortReservation.reserve(address: host)
        var offerAnswer = OfferAnswerSession(
            configuration: MediaConfiguration(
                localAddress: host, rtpPort: reservation.rtpPort, rtcpPort: reservation.rtcpPort, username: "site",
                sessionName: "test number", srtp: .optional),
            sessionID: UInt64.random(in: 1...UInt64(UInt32.max)))
        let (answer, negotiated) = Self.reflectingKey(try offerAnswer.receiveOffer(offer))
        let media = SiteCallMedia(
            offerAnswer: offerAnswer, reservation: reservation, mode: mode, clock: clock, cname: cname)
        media.start(negotiated)
        return (media, answer)
    }

    /// Reserves ports on `host` and makes an offer for a call the site places (the echo starts with
    /// the answer, ``receiveAnswer(_:)``).
    static func offer(host: String, clock: MediaClock, cname: String) throws -> (
        media: SiteCallMedia, offer: SessionDescription
    ) {
        clock.eventLoop.assertInEventLoop()
        let reservation = try RTPPortReservation.reserve(address: host)
        var offerAnswer = OfferAnswerSession(
            configuration: MediaConfiguration(
                localAddress: host, rtpPort: reservation.rtpPort, rtcpPort: reservation.rtcpPort, username: "site",
                sessionName: "site call"),
            sessionID: UInt64.random(in: 1...UInt64(UInt32.max)))
        let offer = try offerAnswer.makeOffer()
        return (
            SiteCallMedia(offerAnswer: offerAnswer, reservation: reservation, mode: .echo, clock: clock, cname: cname),
            offer
        )
    }

    /// The phone's answer to our offer: the echo starts.
    func receiveAnswer(_ answer: SessionDescription) throws {
        clock.eventLoop.assertInEventLoop()
        start(try offerAnswer.receiveAnswer(answer))
    }

    /// A re-INVITE's offer (hold, retrieve, a moved peer): answered on the same ports, and the echo
    /// follows the new direction (held with `sendonly`, it answers `recvonly` and stops sending).
    func reanswer(_ offer: SessionDescription) throws -> SessionDescription {
        clock.eventLoop.assertInEventLoop()
        let (answer, negotiated) = Self.reflectingKey(try offerAnswer.receiveOffer(offer))
        session?.update(MediaStreamConfiguration(negotiated: negotiated, cname: cname))
        return answer
    }

    /// An echo's SDES answer: the caller's key both ways (see the type's comment).
    private static func reflectingKey(
        _ exchange: (answer: SessionDescription, media: NegotiatedMedia)
    ) -> (SessionDescription, NegotiatedMedia) {
        guard var srtp = exchange.media.srtp, !exchange.answer.media.isEmpty else { return exchange }
        srtp.sendKey = srtp.receiveKey
        var answer = exchange.answer
        var media = exchange.media
        for index in answer.media.indices where !answer.media[index].cryptoAttributes.isEmpty {
            answer.media[index].setCryptoAttributes([SDESCryptoAttribute(tag: srtp.tag, key: srtp.sendKey)])
        }
        media.srtp = srtp
        return (answer, media)
    }

    /// Ends the media (BYE, or the site dies): a last RTCP BYE from the echo, ports freed. Idempotent.
    func close() {
        clock.eventLoop.assertInEventLoop()
        guard !isClosed else { return }
        isClosed = true
        reservation.release()
        _ = session?.close()
        session = nil
    }

    private func start(_ negotiated: NegotiatedMedia) {
        guard case .echo = mode, reservation.isHeld else { return }
        let configuration = MediaStreamConfiguration(negotiated: negotiated, cname: cname)
        RTPMediaSession.open(reservation: reservation, configuration: configuration, clock: clock).whenSuccess {
            [self] session in
            // The call may have ended while the sockets were being adopted.
            guard !isClosed else {
                _ = session.close()
                return
            }
            let echo = AudioEcho()
            session.setSource(echo.source)
            session.setSink(echo.sink)
            // A re-INVITE may have changed the stream while it was opening.
            if var latest = offerAnswer.negotiated {
                if var srtp = latest.srtp {
                    srtp.sendKey = srtp.receiveKey
                    latest.srtp = srtp
                }
                session.update(MediaStreamConfiguration(negotiated: latest, cname: cname))
            }
            self.session = session
        }
    }
}
