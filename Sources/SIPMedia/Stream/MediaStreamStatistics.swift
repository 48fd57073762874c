/// One stream's figures since the call connected: what ``MediaStream/statistics(now:)`` reports and
/// the session and swift-metrics publish.
package struct MediaStreamStatistics: Hashable, Sendable {
    package var codec: String = ""
    package var packetsSent: UInt64 = 0
    /// Payload octets (RTCP's octet count, headers excluded).
    package var octetsSent: UInt64 = 0
    package var packetsReceived: UInt64 = 0
    package var octetsReceived: UInt64 = 0
    /// Expected minus received (RFC 3550 A.3), over every source the peer used.
    package var packetsLost: Int64 = 0
    /// `packetsLost / expected`, 0…1.
    package var lossRatio: Double = 0
    /// Interarrival jitter (RFC 3550 §6.4.1), milliseconds.
    package var jitterMilliseconds: Double = 0
    /// From the last RTCP report block about us (§6.4.1); nil until one has come back.
    package var roundTripTimeMilliseconds: Double?
    /// What the peer last reported of our stream: fraction lost (0…1) and cumulative lost.
    package var remoteLossRatio: Double?
    package var remotePacketsLost: Int64?
    /// Jitter buffer counters.
    package var late = 0
    package var duplicated = 0
    package var reordered = 0
    package var concealed = 0
    /// Datagrams dropped: unparseable, valid RTP with a payload type we did not agree on, or from a
    /// source the peer's SDP did not name (those also in ``rejectedSource``).
    package var discarded: UInt64 = 0
    /// RTP and RTCP datagrams from an IP address other than the one the peer's SDP named: dropped
    /// before parsing, never played, never moving the latch (``SymmetricRTPLatch``).
    package var rejectedSource: UInt64 = 0
    /// SRTP and SRTCP packets dropped because their authentication tag did not verify (forged,
    /// another key, or plain RTP where SRTP was agreed); also in ``discarded``.
    package var authenticationFailures: UInt64 = 0
    /// SRTP and SRTCP packets dropped as replays (RFC 3711 §3.3.2); also in ``discarded``.
    package var replayedPackets: UInt64 = 0
    /// The SRTP suite in use, nil for plain RTP.
    package var srtpSuite: String?
    /// Current playout delay, milliseconds.
    package var jitterBufferDelayMilliseconds: Double = 0
    package var dtmfSent = 0
    package var dtmfReceived = 0
    /// E-model (ITU-T G.107) listening quality from loss, jitter-buffer delay and half the RTT: 1…4.5.
    package var meanOpinionScore: Double = 0
    /// Where RTP goes now (after symmetric-RTP latching), `host:port`.
    package var remoteAddress: String?

    package init() {}
}
