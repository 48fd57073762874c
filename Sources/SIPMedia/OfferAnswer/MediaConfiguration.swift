/// What this side offers and accepts for a call's audio. The address and ports are the caller's:
/// the local transport's address and an ``RTPPortReservation``'s ports.
package struct MediaConfiguration: Hashable, Sendable {
    /// Address written in `o=` and `c=`: the local transport's (or `public_address`). No default.
    package var localAddress: String
    /// Our RTP port, even (RFC 3550 §11). No default.
    package var rtpPort: Int
    /// Our RTCP port; `a=rtcp` is written only when it is not `rtpPort + 1` (RFC 3605). Default: `rtpPort + 1`.
    package var rtcpPort: Int
    /// Codecs in our order of preference; G.711 only (the SDK carries no other). Default: PCMU, PCMA.
    package var codecs: [RTPPayloadFormat]
    /// RFC 4733 events offered on this payload type, nil for none. Default: 101 (`0-16`).
    package var telephoneEvent: RTPPayloadFormat?
    /// `a=ptime` we ask for, milliseconds. Default: 20.
    package var ptime: Int
    /// Offer `a=rtcp-mux` (RFC 5761). Off so peers that ignore it still find RTCP on port + 1. Default: false.
    package var offersRTCPMux: Bool
    /// Accept `a=rtcp-mux` when the peer offers it. Default: true.
    package var acceptsRTCPMux: Bool
    /// `o=` username. Default: `-`.
    package var username: String
    /// `s=`. Default: `-`.
    package var sessionName: String
    /// SRTP with SDES keys (RFC 4568), `use_srtp`. Default: disabled.
    package var srtp: SRTPPolicy
    /// Suites offered and accepted, in our order of preference. Default: ``SRTPSuite/offered``.
    package var srtpSuites: [SRTPSuite]

    package init(
        localAddress: String,
        rtpPort: Int,
        rtcpPort: Int? = nil,
        codecs: [RTPPayloadFormat] = [.pcmu, .pcma],
        telephoneEvent: RTPPayloadFormat? = .telephoneEvent(payloadType: 101),
        ptime: Int = 20,
        offersRTCPMux: Bool = false,
        acceptsRTCPMux: Bool = true,
        username: String = "-",
        sessionName: String = "-",
        srtp: SRTPPolicy = .disabled,
        srtpSuites: [SRTPSuite] = SRTPSuite.offered
    ) {
        self.srtp = srtp
        self.srtpSuites = srtpSuites
        self.localAddress = localAddress
        self.rtpPort = rtpPort
        self.rtcpPort = rtcpPort ?? rtpPort + 1
        self.codecs = codecs
        self.telephoneEvent = telephoneEvent
        self.ptime = ptime
        self.offersRTCPMux = offersRTCPMux
        self.acceptsRTCPMux = acceptsRTCPMux
        self.username = username
        self.sessionName = sessionName
    }
}
