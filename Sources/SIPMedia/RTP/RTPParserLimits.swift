/// Bounds on what the RTP and RTCP readers accept from the network, so a hostile datagram can never
/// make them trap or allocate without bound.
package struct RTPParserLimits: Sendable, Hashable {
    /// Largest RTP or compound RTCP datagram in bytes. G.711 at 20 ms is 172 bytes; the longest ptime
    /// a negotiation keeps, 200 ms, is 1,612 (past an Ethernet MTU: it arrives in IP fragments), and
    /// CSRCs, a header extension or an SRTP tag add to it. Default: 2,048.
    package var maximumPacketSize: Int
    /// Most RTCP packets in one compound packet (RFC 3550 §6.1 expects a handful: SR/RR, SDES, BYE, APP).
    /// Default: 16.
    package var maximumRTCPPacketCount: Int

    package init(maximumPacketSize: Int = 2_048, maximumRTCPPacketCount: Int = 16) {
        self.maximumPacketSize = maximumPacketSize
        self.maximumRTCPPacketCount = maximumRTCPPacketCount
    }

    /// The defaults above.
    package static let `default` = RTPParserLimits()
}
