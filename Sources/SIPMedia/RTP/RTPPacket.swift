/// One RTP data packet (RFC 3550 §5.1), read from a datagram and written back to one.
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |V=2|P|X|  CC   |M|     PT      |       sequence number         |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |                           timestamp                           |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |           synchronization source (SSRC) identifier            |
///     +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
///     |            contributing source (CSRC) identifiers             |
///     |                             ....                              |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///
/// Reading follows the validity checks of RFC 3550 Appendix A.1 that need no session state: version 2,
/// the CSRC list and extension inside the packet, a padding count between 1 and what follows the header.
/// Checks that need state (SSRC, sequence window, payload type negotiated) belong to the receiver.
package struct RTPPacket: Sendable, Hashable {
    /// The M bit; for audio, the first packet of a talkspurt (RFC 3551 §4.1) or of an RFC 4733 event.
    package var marker: Bool
    /// 0–127; PCMU is 0, PCMA 8 (RFC 3551 §6), telephone-event dynamic as negotiated in SDP.
    package var payloadType: UInt8
    package var sequenceNumber: UInt16
    /// In the clock of the payload format (8,000 Hz for G.711 and telephone-event).
    package var timestamp: UInt32
    package var ssrc: UInt32
    /// At most 15 contributing sources (the CC field is 4 bits).
    package var csrcs: [UInt32]
    package var headerExtension: RTPHeaderExtension?
    package var payload: [UInt8]
    /// Octets of padding after the payload, the count octet included; 0 means the P bit is clear.
    package var paddingCount: UInt8

    package init(
        marker: Bool = false,
        payloadType: UInt8,
        sequenceNumber: UInt16,
        timestamp: UInt32,
        ssrc: UInt32,
        csrcs: [UInt32] = [],
        headerExtension: RTPHeaderExtension? = nil,
        payload: [UInt8],
        paddingCount: UInt8 = 0
    ) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
        self.headerExtension = headerExtension
        self.payload = payload
        self.paddingCount = paddingCount
    }

    static let fixedHeaderSize = 12

    /// Reads one packet from one datagram.
    package init(parsing bytes: [UInt8], limits: RTPParserLimits = .default) throws(RTPParseError) {
        guard bytes.count <= limits.maximumPacketSize else {
            throw RTPParseError(.tooLarge, "\(bytes.count) bytes, limit \(limits.maximumPacketSize)")
        }
        guard bytes.count >= Self.fixedHeaderSize,
            let word0 = bytes.networkUInt32(at: 0),
            let timestamp = bytes.networkUInt32(at: 4),
            let ssrc = bytes.networkUInt32(at: 8)
        else { throw RTPParseError(.tooShort, "\(bytes.count) bytes, the fixed header is 12") }

        guard word0 >> 30 == 2 else { throw RTPParseError(.unsupportedVersion, "version \(word0 >> 30)") }
        let hasPadding = word0 & 0x2000_0000 != 0
        let hasExtension = word0 & 0x1000_0000 != 0
        let csrcCount = Int(word0 >> 24 & 0x0F)

        var offset = Self.fixedHeaderSize
        var csrcs: [UInt32] = []
        csrcs.reserveCapacity(csrcCount)
        for _ in 0..<csrcCount {
            guard let csrc = bytes.networkUInt32(at: offset) else {
                throw RTPParseError(.truncatedCSRCList, "CC=\(csrcCount) in \(bytes.count) bytes")
            }
            csrcs.append(csrc)
            offset += 4
        }

        var headerExtension: RTPHeaderExtension?
        if hasExtension {
            guard let profileData = bytes.networkUInt16(at: offset),
                let words = bytes.networkUInt16(at: offset + 2)
            else { throw RTPParseError(.truncatedExtension, "no room for the extension header") }
            let start = offset + 4
            let end = start + Int(words) * 4
            guard end <= bytes.count else {
                throw RTPParseError(.truncatedExtension, "extension of \(words) words in \(bytes.count) bytes")
            }
            headerExtension = RTPHeaderExtension(profileData: profileData, data: Array(bytes[start..<end]))
            offset = end
        }

        // RFC 3550 §5.1: the last octet of the padding counts the padding, itself included.
        var paddingCount: UInt8 = 0
        if hasPadding {
            guard let last = bytes.last, last > 0, Int(last) <= bytes.count - offset else {
                throw RTPParseError(.invalidPadding, "padding count \(bytes.last ?? 0) after a \(offset)-byte header")
            }
            paddingCount = last
        }

        self.init(
            marker: word0 & 0x0080_0000 != 0,
            payloadType: UInt8(truncatingIfNeeded: word0 >> 16) & 0x7F,
            sequenceNumber: UInt16(truncatingIfNeeded: word0),
            timestamp: timestamp,
            ssrc: ssrc,
            csrcs: csrcs,
            headerExtension: headerExtension,
            payload: Array(bytes[offset..<(bytes.count - Int(paddingCount))]),
            paddingCount: paddingCount
        )
    }

    /// The packet as it goes on the wire; padding octets before the count are zero.
    ///
    /// - Precondition: at most 15 CSRCs and a payload type below 128 (the caller's values, not the network's).
    package func serialized() -> [UInt8] {
        precondition(csrcs.count <= 15, "RTP carries at most 15 CSRCs")
        precondition(payloadType < 128, "RTP payload types are 7 bits")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(
            Self.fixedHeaderSize + csrcs.count * 4 + (headerExtension.map { 4 + $0.data.count } ?? 0)
                + payload.count + Int(paddingCount)
        )
        var first: UInt8 = 2 << 6 | UInt8(csrcs.count)
        if paddingCount > 0 { first |= 0x20 }
        if headerExtension != nil { first |= 0x10 }
        bytes.append(first)
        bytes.append((marker ? 0x80 : 0) | payloadType)
        bytes.appendNetworkUInt16(sequenceNumber)
        bytes.appendNetworkUInt32(timestamp)
        bytes.appendNetworkUInt32(ssrc)
        for csrc in csrcs { bytes.appendNetworkUInt32(csrc) }
        if let headerExtension {
            bytes.appendNetworkUInt16(headerExtension.profileData)
            bytes.appendNetworkUInt16(UInt16(headerExtension.data.count / 4))
            bytes.append(contentsOf: headerExtension.data)
        }
        bytes.append(contentsOf: payload)
        if paddingCount > 0 {
            bytes.append(contentsOf: repeatElement(0, count: Int(paddingCount) - 1))
            bytes.append(paddingCount)
        }
        return bytes
    }
}
