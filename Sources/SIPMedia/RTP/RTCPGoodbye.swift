/// An RTCP BYE packet, packet type 203 (RFC 3550 §6.6): these sources are leaving the session.
///
///     |V=2|P|    SC   |   PT=BYE=203  |             length            |
///     |                           SSRC/CSRC                           |   SC times
///     |     length    |               reason for leaving            ...   (optional)
///
/// A receiver stops expecting the listed sources at once rather than waiting for their timeout (§6.3.7).
package struct RTCPGoodbye: Sendable, Hashable {
    /// Written 31 to a BYE packet (the SC field is 5 bits), as several packets when there are more.
    package var ssrcs: [UInt32]
    /// Why, for people (§6.6); at most 255 UTF-8 bytes are written, cut at a whole character.
    package var reason: String?

    package init(ssrcs: [UInt32], reason: String? = nil) {
        self.ssrcs = ssrcs
        self.reason = reason
    }

    static let packetType: UInt8 = 203

    /// Reads the body (after the 4-byte common header) of one BYE.
    init(body bytes: [UInt8], range: Range<Int>, sourceCount: Int) throws(RTCPParseError) {
        guard range.count >= sourceCount * 4 else {
            throw RTCPParseError(.malformedGoodbye, "BYE of \(range.count) bytes for \(sourceCount) sources")
        }
        var ssrcs: [UInt32] = []
        ssrcs.reserveCapacity(sourceCount)
        for index in 0..<sourceCount {
            guard let ssrc = bytes.networkUInt32(at: range.lowerBound + index * 4) else {
                throw RTCPParseError(.malformedGoodbye, "BYE source \(index) cut short")
            }
            ssrcs.append(ssrc)
        }
        var reason: String?
        let reasonStart = range.lowerBound + sourceCount * 4
        if reasonStart < range.upperBound {
            let textEnd = reasonStart + 1 + Int(bytes[reasonStart])
            guard textEnd <= range.upperBound else {
                throw RTCPParseError(.malformedGoodbye, "BYE reason runs past the packet")
            }
            // A zero-length "reason" is the padding to 32 bits of a BYE without one.
            if textEnd > reasonStart + 1 {
                reason = RTCPSourceDescription.text(bytes[(reasonStart + 1)..<textEnd])
            }
        }
        self.init(ssrcs: ssrcs, reason: reason)
    }

    /// Appends BYE packets of up to 31 sources each, the reason on the first; reading merges them back
    /// (several BYEs read from one compound packet must write without trapping: found by Scripts/fuzz-media).
    /// No source at all still writes one BYE, as §6.6 allows (SC = 0).
    func append(to bytes: inout [UInt8]) {
        var start = ssrcs.startIndex
        repeat {
            let end = min(start + 31, ssrcs.endIndex)
            Self.appendPacket(ssrcs[start..<end], reason: start == ssrcs.startIndex ? reason : nil, to: &bytes)
            start = end
        } while start < ssrcs.endIndex
    }

    private static func appendPacket(_ ssrcs: ArraySlice<UInt32>, reason: String?, to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(2 << 6 | UInt8(ssrcs.count))
        bytes.append(packetType)
        bytes.appendNetworkUInt16(0)  // the length, once known
        for ssrc in ssrcs { bytes.appendNetworkUInt32(ssrc) }
        if let reason {
            let text = RTCPSourceDescription.utf8Prefix(reason, maximumBytes: 255)
            bytes.append(UInt8(text.count))
            bytes.append(contentsOf: text)
            while (bytes.count - start) % 4 != 0 { bytes.append(0) }
        }
        let words = (bytes.count - start) / 4 - 1
        bytes[start + 2] = UInt8(truncatingIfNeeded: words >> 8)
        bytes[start + 3] = UInt8(truncatingIfNeeded: words)
    }
}
