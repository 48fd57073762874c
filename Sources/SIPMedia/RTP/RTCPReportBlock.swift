/// One reception report block of an SR or RR (RFC 3550 §6.4.1): what this endpoint saw of one source.
///
///     +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
///     |                 SSRC_1 (SSRC of first source)                 |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     | fraction lost |       cumulative number of packets lost       |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |           extended highest sequence number received           |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |                      interarrival jitter                      |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |                         last SR (LSR)                         |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |                   delay since last SR (DLSR)                  |
///     +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
package struct RTCPReportBlock: Sendable, Hashable {
    package var ssrc: UInt32
    /// Packets lost since the previous report, as a fixed-point fraction of 256.
    package var fractionLost: UInt8
    /// Packets lost since reception began; negative when duplicates outnumber losses. 24 bits on the
    /// wire, so it is clamped to −8,388,608…8,388,607 when written (RFC 3550 Appendix A.3).
    package var cumulativeLost: Int32
    package var extendedHighestSequenceNumber: UInt32
    /// In timestamp units (§6.4.1, Appendix A.8).
    package var interarrivalJitter: UInt32
    /// The middle 32 bits of the NTP timestamp of the last SR from this source; 0 if none yet.
    package var lastSenderReport: UInt32
    /// Since that SR was received, in units of 1/65,536 s; with LSR it gives the round-trip time.
    package var delaySinceLastSenderReport: UInt32

    package init(
        ssrc: UInt32,
        fractionLost: UInt8,
        cumulativeLost: Int32,
        extendedHighestSequenceNumber: UInt32,
        interarrivalJitter: UInt32,
        lastSenderReport: UInt32,
        delaySinceLastSenderReport: UInt32
    ) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequenceNumber = extendedHighestSequenceNumber
        self.interarrivalJitter = interarrivalJitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    static let size = 24
    static let cumulativeLostRange: ClosedRange<Int32> = -0x80_0000...0x7F_FFFF

    /// The block at `offset`, or nil when fewer than 24 bytes remain.
    init?(_ bytes: [UInt8], at offset: Int) {
        guard let ssrc = bytes.networkUInt32(at: offset),
            let lossWord = bytes.networkUInt32(at: offset + 4),
            let highest = bytes.networkUInt32(at: offset + 8),
            let jitter = bytes.networkUInt32(at: offset + 12),
            let lsr = bytes.networkUInt32(at: offset + 16),
            let dlsr = bytes.networkUInt32(at: offset + 20)
        else { return nil }
        // Sign-extend the 24-bit count: shift it to the top of an Int32 and back.
        let cumulative = Int32(bitPattern: lossWord << 8) >> 8
        self.init(
            ssrc: ssrc,
            fractionLost: UInt8(truncatingIfNeeded: lossWord >> 24),
            cumulativeLost: cumulative,
            extendedHighestSequenceNumber: highest,
            interarrivalJitter: jitter,
            lastSenderReport: lsr,
            delaySinceLastSenderReport: dlsr
        )
    }

    func append(to bytes: inout [UInt8]) {
        let clamped = min(max(cumulativeLost, Self.cumulativeLostRange.lowerBound), Self.cumulativeLostRange.upperBound)
        bytes.appendNetworkUInt32(ssrc)
        bytes.appendNetworkUInt32(UInt32(fractionLost) << 24 | UInt32(bitPattern: clamped) & 0x00FF_FFFF)
        bytes.appendNetworkUInt32(extendedHighestSequenceNumber)
        bytes.appendNetworkUInt32(interarrivalJitter)
        bytes.appendNetworkUInt32(lastSenderReport)
        bytes.appendNetworkUInt32(delaySinceLastSenderReport)
    }
}
