import NIOCore

/// What one RTP stream of a call does: made from a ``NegotiatedMedia`` and the endpoint's media
/// settings, and made again after each offer/answer (hold, retrieve, a re-INVITE from the peer).
package struct MediaStreamConfiguration: Hashable, Sendable {
    /// The G.711 format we send and expect (PCMU or PCMA, with this call's payload type).
    package var codec: RTPPayloadFormat
    /// RFC 4733 events' payload type when both sides have them; nil: DTMF goes by SIP INFO.
    package var telephoneEventPayloadType: UInt8?
    /// Milliseconds of audio per packet (a=ptime); a multiple of ``MediaClock/tick``. Default: 20.
    package var ptime: Int
    /// Ours, as negotiated: whether we send and whether we expect to receive.
    package var direction: MediaDirection
    /// Where the peer's SDP says to send RTP and RTCP; nil for `c=0.0.0.0` or port 0.
    package var remoteRTP: SocketAddress?
    package var remoteRTCP: SocketAddress?
    /// RTCP on the RTP port (RFC 5761), both ways.
    package var rtcpMux: Bool
    /// The RTCP CNAME (RFC 3550 §6.5.1): `user@host`, the same for every stream of this endpoint.
    package var cname: String
    /// How long the stream may receive no RTP while it expects to before it reports itself inactive;
    /// nil: never. Default: nil (`rtp_inactivity_timeout` 0).
    package var inactivityTimeout: TimeAmount?
    /// RFC 4733 tone length and the pause after it, milliseconds. Default: 100 and 50 (pjsua's and
    /// baresip's figures; enough for every IVR we know).
    package var dtmfDuration: Int
    package var dtmfGap: Int
    package var jitterBuffer: JitterBufferConfiguration
    /// SRTP suite and keys (RFC 3711, keys by SDES); nil: plain RTP. Default: nil.
    package var srtp: NegotiatedSRTP?

    package init(
        codec: RTPPayloadFormat, telephoneEventPayloadType: UInt8?, ptime: Int = 20, direction: MediaDirection,
        remoteRTP: SocketAddress?, remoteRTCP: SocketAddress?, rtcpMux: Bool = false, cname: String,
        inactivityTimeout: TimeAmount? = nil, dtmfDuration: Int = 100, dtmfGap: Int = 50,
        jitterBuffer: JitterBufferConfiguration = .init(), srtp: NegotiatedSRTP? = nil
    ) {
        self.srtp = srtp
        self.codec = codec
        self.telephoneEventPayloadType = telephoneEventPayloadType
        self.ptime = ptime
        self.direction = direction
        self.remoteRTP = remoteRTP
        self.remoteRTCP = remoteRTCP
        self.rtcpMux = rtcpMux
        self.cname = cname
        self.inactivityTimeout = inactivityTimeout
        self.dtmfDuration = dtmfDuration
        self.dtmfGap = dtmfGap
        self.jitterBuffer = jitterBuffer
    }

    /// The stream an offer/answer agreed. A ptime we cannot keep (not a multiple of 10 ms, or past
    /// 200 ms) falls back to 20 ms, which every G.711 peer accepts (RFC 3551 §4.5).
    package init(negotiated: NegotiatedMedia, cname: String, inactivityTimeout: TimeAmount? = nil) {
        let ptime = negotiated.ptime % 10 == 0 && (10...200).contains(negotiated.ptime) ? negotiated.ptime : 20
        var jitter = JitterBufferConfiguration()
        jitter.frameDuration = .milliseconds(Int64(ptime))
        jitter.minimumDelay = .milliseconds(Int64(ptime))
        jitter.initialDelay = .milliseconds(Int64(max(60, 2 * ptime)))
        self.init(
            codec: negotiated.codec, telephoneEventPayloadType: negotiated.telephoneEvent?.payloadType, ptime: ptime,
            direction: negotiated.direction,
            remoteRTP: Self.address(negotiated.remoteAddress, negotiated.remoteRTPPort),
            remoteRTCP: Self.address(negotiated.remoteAddress, negotiated.remoteRTCPPort), rtcpMux: negotiated.rtcpMux,
            cname: cname, inactivityTimeout: inactivityTimeout, jitterBuffer: jitter, srtp: negotiated.srtp)
    }

    /// Samples in one packet of this stream.
    package var samplesPerPacket: Int { ptime * codec.clockRate / 1000 }

    /// A numeric address from SDP; nil for the RFC 2543 hold address 0.0.0.0, port 0, or a host name
    /// (we offer and accept numeric `c=` lines only).
    private static func address(_ host: String, _ port: Int) -> SocketAddress? {
        guard host != "0.0.0.0", host != "::", (1...65535).contains(port) else { return nil }
        return try? SocketAddress(ipAddress: host, port: port)
    }
}
