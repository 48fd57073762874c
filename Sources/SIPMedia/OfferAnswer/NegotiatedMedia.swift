/// What one completed offer/answer exchange agreed for the audio stream — everything the RTP side
/// needs, from our point of view.
package struct NegotiatedMedia: Hashable, Sendable {
    /// The G.711 codec we send and expect, with the payload type this call numbers it with.
    package var codec: RTPPayloadFormat
    /// RFC 4733 events, when both sides have them, with the payload type to send them on.
    package var telephoneEvent: RTPPayloadFormat?
    /// Our RTP address (the one in our `c=`) and ports.
    package var localAddress: String
    package var localRTPPort: Int
    package var localRTCPPort: Int
    /// Where the peer wants RTP and RTCP: its `c=`, `m=` port, `a=rtcp` or port + 1 (RFC 3605), or the
    /// RTP port itself under `rtcp-mux`.
    package var remoteAddress: String
    package var remoteRTPPort: Int
    package var remoteRTCPPort: Int
    /// Both sides put RTCP on the RTP port (RFC 5761).
    package var rtcpMux: Bool
    /// Ours: `sendonly` means we send and do not expect to receive (we hold, or the peer holds us …).
    package var direction: MediaDirection
    /// Milliseconds of audio per packet we send: the peer's `a=ptime`, or ours when it gave none.
    package var ptime: Int
    /// SRTP keys and suite when the exchange agreed SDES (RFC 4568); nil: plain RTP.
    package var srtp: NegotiatedSRTP?

    package init(
        codec: RTPPayloadFormat, telephoneEvent: RTPPayloadFormat?, localAddress: String, localRTPPort: Int,
        localRTCPPort: Int, remoteAddress: String, remoteRTPPort: Int, remoteRTCPPort: Int, rtcpMux: Bool,
        direction: MediaDirection, ptime: Int, srtp: NegotiatedSRTP? = nil
    ) {
        self.srtp = srtp
        self.codec = codec
        self.telephoneEvent = telephoneEvent
        self.localAddress = localAddress
        self.localRTPPort = localRTPPort
        self.localRTCPPort = localRTCPPort
        self.remoteAddress = remoteAddress
        self.remoteRTPPort = remoteRTPPort
        self.remoteRTCPPort = remoteRTCPPort
        self.rtcpMux = rtcpMux
        self.direction = direction
        self.ptime = ptime
    }
}
