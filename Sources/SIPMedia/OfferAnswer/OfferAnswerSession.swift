/// RFC 3264 offer/answer for the audio of one call, as a value: descriptions in, descriptions and
/// ``NegotiatedMedia`` out. No I/O and no SIP; the INVITE session decides which message carries what.
///
///                  makeOffer / hold / retrieve
///       ┌────────┐ ─────────────────────────────► ┌───────────┐
///       │ stable │                                │ offerSent │
///       └────────┘ ◄───────────────────────────── └───────────┘
///        │     ▲     receiveAnswer (negotiated)       receiveOffer here is glare: 491
///        │     │     abandonOffer (non-2xx, CANCEL: nothing changes)
///        └─────┘
///     receiveOffer → our answer at once (or 488 when nothing is acceptable)
///
/// Rules enforced, by section:
/// - §5: the offer lists PCMU, PCMA (our order) and telephone-event, `a=ptime`, and a direction.
/// - §6: the answer has as many `m=` lines as the offer; streams we cannot take get port 0; the
///   codecs kept are the offer's in the offerer's order with the offerer's payload types; the
///   direction mirrors the offer's (their sendonly → our recvonly, inactive → inactive, sendrecv → ours).
/// - §8: every SDP we send keeps `o=` but for the version, which goes up by one exactly when the
///   description differs from the previous one we sent (an unchanged re-offer keeps it); a new offer
///   keeps the earlier `m=` lines in place and the payload type numbers already agreed (§8.3.2).
/// - §8.4: hold offers `sendonly`, or `inactive` when the peer already holds us; retrieve offers `sendrecv`.
/// - RFC 4568 (SDES, `OfferAnswerSession+SDES.swift`): `a=crypto` lines as ``MediaConfiguration/srtp``
///   says; keys are fresh per dialog and direction and kept while the stream goes on (hold, refresh).
package struct OfferAnswerSession: Sendable {
    package enum State: Hashable, Sendable {
        /// No offer of ours outstanding.
        case stable
        /// Our offer awaits its answer.
        case offerSent(SessionDescription)
    }

    /// Our address, ports and codecs; a change shows in the next offer or answer.
    package var configuration: MediaConfiguration
    package private(set) var state: State = .stable
    /// The last description we sent: RFC 3264 §8's "previous SDP".
    package private(set) var localDescription: SessionDescription?
    /// The last description the peer sent, offer or answer.
    package private(set) var remoteDescription: SessionDescription?
    /// The result of the last completed exchange.
    package private(set) var negotiated: NegotiatedMedia?
    /// We put the call on hold (``hold()``), whatever the peer does.
    package private(set) var isHolding = false

    private let sessionID: UInt64
    /// Index of the audio stream among the `m=` lines; offer and answer pair streams by index.
    private var audioIndex = 0
    private var holdingBeforeOffer = false
    /// Our `a=crypto` lines for this dialog's offers while no SRTP is agreed, one fresh key per suite.
    var offeredCrypto: [SDESCryptoAttribute] = []

    /// - Parameter sessionID: `o=` session id, unique for this host (RFC 4566 suggests NTP time); also
    ///   the first version, as is common.
    package init(configuration: MediaConfiguration, sessionID: UInt64) {
        self.configuration = configuration
        self.sessionID = sessionID
    }

    /// The peer's direction for the audio stream in its last description, as written by the peer;
    /// `c=0.0.0.0` (RFC 2543 hold, §8.4) counts as not receiving.
    package var remoteDirection: MediaDirection? {
        guard let remoteDescription, audioIndex < remoteDescription.media.count else { return nil }
        return Self.effectiveDirection(of: remoteDescription.media[audioIndex], in: remoteDescription)
    }

    /// The peer holds us: its last description does not receive audio.
    package var isHeldByRemote: Bool { remoteDirection.map { !$0.receives } ?? false }

    // MARK: Our offers

    /// A new offer (initial, or a re-offer that keeps the current hold state).
    package mutating func makeOffer() throws(OfferAnswerError) -> SessionDescription {
        try makeOffer(holding: isHolding)
    }

    /// A re-offer that puts the call on hold (RFC 3264 §8.4).
    package mutating func hold() throws(OfferAnswerError) -> SessionDescription {
        try makeOffer(holding: true)
    }

    /// A re-offer that takes the call off hold: `a=sendrecv`.
    package mutating func retrieve() throws(OfferAnswerError) -> SessionDescription {
        try makeOffer(holding: false)
    }

    /// Our offer got no answer (a non-2xx final, 491, CANCEL): the session stays as it was. The
    /// offer still counts as sent for versioning, so a later, different offer gets a fresh version.
    package mutating func abandonOffer() {
        guard case .offerSent = state else { return }
        isHolding = holdingBeforeOffer
        state = .stable
    }

    /// The answer to our outstanding offer (RFC 3264 §7).
    package mutating func receiveAnswer(_ answer: SessionDescription) throws(OfferAnswerError) -> NegotiatedMedia {
        guard case .offerSent(let offer) = state else {
            throw OfferAnswerError(.noOfferPending, "an answer with no offer of ours")
        }
        guard answer.media.count == offer.media.count else {
            throw OfferAnswerError(.invalidAnswer, "\(answer.media.count) m= lines answer \(offer.media.count)")
        }
        let stream = answer.media[audioIndex]
        let ours = offer.media[audioIndex]
        // The exchange is over whatever the answer says; only what it agreed remains to be judged.
        state = .stable
        remoteDescription = answer
        guard !stream.isRejected else { throw OfferAnswerError(.mediaRejected, "the answer rejected the audio stream") }
        let srtp = try answeredSRTP(offered: ours, answered: stream)
        let formats = stream.payloadFormats
        guard let codec = formats.first(where: { f in configuration.codecs.contains { $0.hasSameEncoding(as: f) } })
        else {
            throw OfferAnswerError(.mediaRejected, "the answer kept none of our codecs")
        }
        guard let connection = answer.connection(of: stream) else {
            throw OfferAnswerError(.invalidAnswer, "no c= for the audio stream")
        }
        let remote = Self.effectiveDirection(of: stream, in: answer)
        let offered = ours.direction ?? .sendrecv
        let mux = ours.rtcpMux && stream.rtcpMux
        let media = NegotiatedMedia(
            codec: codec,
            telephoneEvent: configuration.telephoneEvent == nil
                ? nil : formats.first { $0.isTelephoneEvent && $0.clockRate == 8000 },
            localAddress: configuration.localAddress,
            localRTPPort: configuration.rtpPort,
            localRTCPPort: mux ? configuration.rtpPort : configuration.rtcpPort,
            remoteAddress: connection.address,
            remoteRTPPort: stream.port,
            remoteRTCPPort: mux ? stream.port : (stream.rtcp?.port ?? stream.port + 1),
            rtcpMux: mux,
            // What we offered, narrowed by what the answerer does: it sends only if we receive …
            direction: remote.answer(wanting: offered),
            ptime: stream.ptime ?? configuration.ptime,
            srtp: srtp)
        negotiated = media
        return media
    }

    // MARK: Their offers

    /// Answers an offer from the peer (RFC 3264 §6). On error nothing changes; answer 488 or 491 as
    /// ``OfferAnswerError/sipStatusCode`` says.
    package mutating func receiveOffer(
        _ offer: SessionDescription
    ) throws(OfferAnswerError) -> (answer: SessionDescription, media: NegotiatedMedia) {
        guard case .stable = state else {
            throw OfferAnswerError(.offerPending, "offer received while ours awaits its answer")
        }
        var chosen: (index: Int, codecs: [RTPPayloadFormat], connection: SDPConnection, crypto: SDESCryptoAttribute?)?
        var sawAudio = false
        var sawInsecure = false
        for (index, stream) in offer.media.enumerated() where chosen == nil {
            let proto = stream.proto.uppercased()
            guard !stream.isRejected, stream.media.lowercased() == "audio", proto == "RTP/AVP" || proto == "RTP/SAVP",
                let connection = offer.connection(of: stream),
                configuration.srtp != .disabled || proto == "RTP/AVP"
            else { continue }
            guard case .accepted(let crypto) = acceptableCrypto(in: stream) else {
                sawInsecure = true
                continue
            }
            sawAudio = true
            let common = stream.payloadFormats.filter { f in configuration.codecs.contains { $0.hasSameEncoding(as: f) }
            }
            if !common.isEmpty { chosen = (index, common, connection, crypto) }
        }
        guard let chosen else {
            if sawAudio { throw OfferAnswerError(.noCommonCodec, "no offered codec is PCMU or PCMA") }
            if sawInsecure {
                throw OfferAnswerError(
                    .insecureOffer,
                    "no audio stream with SRTP keys this side can use (use_srtp=\(configuration.srtp.rawValue))")
            }
            throw OfferAnswerError(.noAcceptableStream, "no audio stream over RTP/AVP to accept")
        }
        let srtp = try answerSRTP(to: chosen.crypto)

        let stream = offer.media[chosen.index]
        let offeredEvent =
            configuration.telephoneEvent == nil
            ? nil : stream.payloadFormats.first { $0.isTelephoneEvent && $0.clockRate == 8000 }
        var answerFormats = chosen.codecs.map {
            RTPPayloadFormat(payloadType: $0.payloadType, encodingName: $0.encodingName, clockRate: $0.clockRate)
        }
        if let offeredEvent, let ours = configuration.telephoneEvent {
            // Their payload type, our list of events (the fmtp of an answer says what we receive).
            answerFormats.append(
                RTPPayloadFormat(
                    payloadType: offeredEvent.payloadType, encodingName: offeredEvent.encodingName, clockRate: 8000,
                    parameters: ours.parameters))
        }
        let theirs = Self.effectiveDirection(of: stream, in: offer)
        let direction = theirs.answer(wanting: isHolding ? .sendonly : .sendrecv)
        let mux = stream.rtcpMux && configuration.acceptsRTCPMux

        var audio = MediaDescription.rtpAudio(port: configuration.rtpPort, formats: answerFormats)
        // RFC 3264 §6: the answer's transport is the offer's; RFC 4568 §7.1.1: one `a=crypto`, the accepted tag.
        audio.proto = stream.proto
        if let srtp { audio.setCryptoAttributes([SDESCryptoAttribute(tag: srtp.tag, key: srtp.sendKey)]) }
        audio.ptime = configuration.ptime
        if mux { audio.rtcpMux = true }
        addRTCPAttributeIfNeeded(to: &audio, mux: mux)
        audio.direction = direction

        // §6: one answer stream per offered stream; the ones we do not take are rejected with port 0.
        let streams = offer.media.enumerated().map { index, offered in
            index == chosen.index
                ? audio
                : MediaDescription(media: offered.media, port: 0, proto: offered.proto, formats: offered.formats)
        }
        let answer = stamped(streams)
        let media = NegotiatedMedia(
            codec: chosen.codecs[0],
            telephoneEvent: offeredEvent,
            localAddress: configuration.localAddress,
            localRTPPort: configuration.rtpPort,
            localRTCPPort: mux ? configuration.rtpPort : configuration.rtcpPort,
            remoteAddress: chosen.connection.address,
            remoteRTPPort: stream.port,
            remoteRTCPPort: mux ? stream.port : (stream.rtcp?.port ?? stream.port + 1),
            rtcpMux: mux,
            direction: direction,
            ptime: stream.ptime ?? configuration.ptime,
            srtp: srtp)
        audioIndex = chosen.index
        localDescription = answer
        remoteDescription = offer
        negotiated = media
        return (answer, media)
    }

    private mutating func makeOffer(holding: Bool) throws(OfferAnswerError) -> SessionDescription {
        guard case .stable = state else {
            throw OfferAnswerError(.offerPending, "an offer of ours already awaits its answer")
        }
        let crypto = try cryptoForOffer()
        holdingBeforeOffer = isHolding
        isHolding = holding
        var audio = MediaDescription.rtpAudio(port: configuration.rtpPort, formats: offeredFormats())
        if configuration.srtp != .disabled {
            audio.proto = configuration.srtp == .mandatory ? "RTP/SAVP" : "RTP/AVP"
            audio.setCryptoAttributes(crypto)
        }
        audio.ptime = configuration.ptime
        if configuration.offersRTCPMux { audio.rtcpMux = true }
        addRTCPAttributeIfNeeded(to: &audio, mux: configuration.offersRTCPMux)
        // RFC 3264 §8.4: hold is sendonly, but inactive when the peer already does not receive.
        audio.direction = holding ? (isHeldByRemote ? .inactive : .sendonly) : .sendrecv

        var streams = localDescription?.media ?? [audio]
        if streams.indices.contains(audioIndex) {
            streams[audioIndex] = audio
        } else {
            streams = [audio]
            audioIndex = 0
        }
        let offer = stamped(streams)
        localDescription = offer
        state = .offerSent(offer)
        return offer
    }

    // MARK: Helpers

    /// Our codecs and telephone-event, numbered as already agreed in this session (RFC 3264 §8.3.2:
    /// a payload type keeps its meaning for the whole session), the agreed codec first so that a
    /// re-offer for hold does not switch the codec under a running call.
    private func offeredFormats() -> [RTPPayloadFormat] {
        var formats = configuration.codecs
        if let agreed = negotiated?.codec, let index = formats.firstIndex(where: { $0.hasSameEncoding(as: agreed) }) {
            var renumbered = formats.remove(at: index)
            renumbered.payloadType = agreed.payloadType
            formats.insert(renumbered, at: 0)
        }
        if var event = configuration.telephoneEvent {
            if let agreed = negotiated?.telephoneEvent { event.payloadType = agreed.payloadType }
            formats.append(event)
        }
        return formats
    }

    /// `a=rtcp` only when RTCP is not on the RTP port + 1 (RFC 3605 §2.1), and never under rtcp-mux.
    private func addRTCPAttributeIfNeeded(to stream: inout MediaDescription, mux: Bool) {
        guard !mux, configuration.rtcpPort != configuration.rtpPort + 1 else { return }
        stream.attributes.append(SDPAttribute("rtcp", String(configuration.rtcpPort)))
    }

    /// A description of ours around `streams`, versioned by RFC 3264 §8: the previous version when
    /// nothing changed, one more when anything did.
    private func stamped(_ streams: [MediaDescription]) -> SessionDescription {
        let address = SDPConnection(address: configuration.localAddress)
        let previous = localDescription
        var description = SessionDescription(
            origin: SDPOrigin(
                username: configuration.username, sessionID: sessionID,
                sessionVersion: previous?.origin.sessionVersion ?? sessionID, address: address),
            sessionName: configuration.sessionName,
            connection: address,
            media: streams)
        if let previous, description != previous {
            description.origin.sessionVersion = previous.origin.sessionVersion &+ 1
        }
        return description
    }

    /// A stream's direction as its writer means it, with `c=0.0.0.0` read as "does not receive".
    private static func effectiveDirection(of stream: MediaDescription, in description: SessionDescription)
        -> MediaDirection
    {
        let written = description.direction(of: stream)
        guard let connection = description.connection(of: stream), connection.isUnspecified else { return written }
        return written.withoutReceiving
    }
}
