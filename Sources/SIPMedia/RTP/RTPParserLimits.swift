/// Bounds on what the RTP and RTCP readers accept from the network, so a hostile datagram can never
/// make them trap or allocate without bound.
package struct RTPParserLimits: Sendable, Hashable {
    /// Largest RTP or compound RTCP datagram in bytes. G.711 at 20 ms is 172 bytes and 60 ms is 492;
    /// anything near an Ethernet MTU is already suspicious. Default: 1,500.
    package var maximumPacketSize: Int
    /// Most RTCP packets in one compound packet (RFC 3550 §6.1 expects a handful: SR/RR, SDES, BYE, APP).
    /// Default: 16.
    package var maximumRTCPPacketCount: Int

    package init(maximumPacketSize: Int = 1_500, maximumRTCPPacketCount: Int = 16) {
        self.maximumPacketSize = maximumPacketSize
        self.maximumRTCPPacketCount = maximumRTCPPacketCount
    }

    /// The defaults above.
    package static let `default` = RTPParserLimits()
}
