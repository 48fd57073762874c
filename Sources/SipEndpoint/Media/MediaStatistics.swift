/// A call's media figures since it connected, from ``Session/statistics()`` and in the
/// final ``SessionStatusChanged`` of a call that carried media.
public struct MediaStatistics: Sendable, Hashable, Codable {
    /// `PCMU` or `PCMA`.
    public var codec: String
    /// RTP packets sent, audio and RFC 4733 telephone-event packets together.
    public var packetsSent: UInt64
    /// Payload octets, headers excluded (as RTCP counts them).
    public var octetsSent: UInt64
    /// RTP packets received and accepted (duplicates included, as RFC 3550 A.3 counts them); dropped
    /// datagrams are in ``discardedPackets`` instead.
    public var packetsReceived: UInt64
    /// Payload octets of the packets in ``packetsReceived``, headers excluded.
    public var octetsReceived: UInt64
    /// Packets expected but never received (RFC 3550 A.3).
    public var packetsLost: Int64
    /// `packetsLost` over packets expected, 0…1.
    public var lossRatio: Double
    /// Interarrival jitter (RFC 3550 §6.4.1), milliseconds.
    public var jitterMilliseconds: Double
    /// From RTCP (RFC 3550 §6.4.1); nil until the peer has reported on one of our sender reports.
    public var roundTripTimeMilliseconds: Double?
    /// The fraction of our packets lost (0…1) that the peer's last RTCP report gives; nil until a report
    /// about our stream has arrived.
    public var remoteLossRatio: Double?
    /// The cumulative number of our packets the peer's last RTCP report says were lost (negative when it saw
    /// duplicates); nil until a report about our stream has arrived.
    public var remotePacketsLost: Int64?
    /// Packets that reached the jitter buffer after their slot had been played (dropped; counted as lost
    /// in ``meanOpinionScore``).
    public var latePackets: Int
    /// Packets the jitter buffer had already received (same sequence number); dropped.
    public var duplicatePackets: Int
    /// Packets that arrived after one with a higher sequence number (out of order); those that came too
    /// late to be played are also in ``latePackets``.
    public var reorderedPackets: Int
    /// Playout slots (one packet's duration each) whose packet was missing and that were played as silence.
    public var concealedFrames: Int
    /// Datagrams dropped: not RTP, a payload type the call did not agree on, or from a source the
    /// peer's SDP did not name (those also in ``rejectedSourcePackets``).
    public var discardedPackets: UInt64
    /// RTP and RTCP datagrams dropped because they came from an IP address other than the one the
    /// peer's SDP named (docs/MEDIA.md, "Media source"): never played, never steering our audio.
    public var rejectedSourcePackets: UInt64 = 0
    /// SRTP/SRTCP packets dropped because their authentication tag did not verify (forged, another key,
    /// or plain RTP on an SRTP call); also in ``discardedPackets``. 0 for plain RTP.
    public var authenticationFailures: UInt64 = 0
    /// SRTP/SRTCP packets dropped as replays by the replay window (RFC 3711 §3.3.2): already received,
    /// or too old to tell; also in ``discardedPackets``, not in ``authenticationFailures``. 0 for plain RTP.
    public var replayedPackets: UInt64 = 0
    /// The SRTP suite protecting the call (`AES_CM_128_HMAC_SHA1_80` …); nil for plain RTP.
    public var srtpSuite: String? = nil
    /// The jitter buffer's current delay, milliseconds.
    public var jitterBufferMilliseconds: Double
    /// DTMF digits sent as RFC 4733 telephone events in RTP (each digit counted once); digits sent by SIP INFO
    /// are not counted here.
    public var dtmfSent: Int
    /// DTMF digits received as RFC 4733 telephone events in RTP (each digit counted once, however many
    /// packets repeated it); digits received by SIP INFO are not counted here.
    public var dtmfReceived: Int
    /// ITU-T G.107 E-model estimate from loss (late packets included), jitter-buffer delay and half the
    /// round trip: 1 (bad) … 4.5 (G.711 at its best is about 4.4).
    public var meanOpinionScore: Double
    /// Where our RTP goes (after symmetric-RTP latching), `host:port`.
    public var remoteAddress: String?
}
