/// One chunk of an RTCP SDES packet, packet type 202 (RFC 3550 §6.5): what a source calls itself.
/// Only the CNAME item (§6.5.1) is kept; NAME, EMAIL, TOOL and the rest are skipped on reading.
///
///     |V=2|P|    SC   |  PT=SDES=202  |             length            |
///     |                          SSRC/CSRC_1                          |   chunk 1
///     |  CNAME=1      |     length    | user and domain name ...      |
///     |      ...      |  END=0 (null) |  null padding to 32 bits      |
///     |                          SSRC/CSRC_2                          |   chunk 2 …
///
/// §6.1: every compound RTCP packet carries an SDES packet with our CNAME, so a receiver can bind our
/// SSRC (which may change) to one persistent name.
package struct RTCPSourceDescription: Sendable, Hashable {
    package var ssrc: UInt32
    /// The canonical name, `user@host` or just `host` (§6.5.1); nil for a chunk that has none. At most
    /// 255 UTF-8 bytes are written: a longer name is cut at the last whole character that fits.
    package var cname: String?

    package init(ssrc: UInt32, cname: String?) {
        self.ssrc = ssrc
        self.cname = cname
    }

    static let packetType: UInt8 = 202
    static let endItem: UInt8 = 0
    static let cnameItem: UInt8 = 1

    /// Reads every chunk of one SDES packet body (after the 4-byte common header).
    static func chunks(body bytes: [UInt8], range: Range<Int>, chunkCount: Int) throws(RTCPParseError) -> [Self] {
        var chunks: [Self] = []
        chunks.reserveCapacity(chunkCount)
        var offset = range.lowerBound
        for index in 0..<chunkCount {
            guard offset + 4 <= range.upperBound, let ssrc = bytes.networkUInt32(at: offset) else {
                throw RTCPParseError(.malformedSourceDescription, "SDES chunk \(index) of \(chunkCount) cut short")
            }
            offset += 4
            var cname: String?
            // Items until the null octet that ends the chunk (§6.5: "terminated by one or more null octets").
            while true {
                guard offset < range.upperBound else {
                    throw RTCPParseError(.malformedSourceDescription, "SDES chunk \(index) has no end item")
                }
                let itemType = bytes[offset]
                if itemType == endItem { break }
                guard offset + 2 <= range.upperBound else {
                    throw RTCPParseError(.malformedSourceDescription, "SDES item \(itemType) has no length")
                }
                let textStart = offset + 2
                let textEnd = textStart + Int(bytes[offset + 1])
                guard textEnd <= range.upperBound else {
                    throw RTCPParseError(.malformedSourceDescription, "SDES item \(itemType) runs past the packet")
                }
                if itemType == cnameItem, cname == nil {
                    cname = text(bytes[textStart..<textEnd])
                }
                offset = textEnd
            }
            // The null octet, then padding to the next 32-bit boundary; chunks start on one.
            let chunkEnd = range.lowerBound + ((offset + 1 - range.lowerBound) + 3) / 4 * 4
            guard chunkEnd <= range.upperBound else {
                throw RTCPParseError(.malformedSourceDescription, "SDES chunk \(index) padding runs past the packet")
            }
            chunks.append(Self(ssrc: ssrc, cname: cname))
            offset = chunkEnd
        }
        return chunks
    }

    /// Most chunks one SDES packet carries: the SC field is 5 bits.
    static let maximumChunksPerPacket = 31

    /// Appends `chunks` as SDES packets of up to 31 chunks each. A compound packet read from several SDES
    /// packets holds them all in one list; writing it must not trap (found by Scripts/fuzz-media).
    static func append(_ chunks: [Self], to bytes: inout [UInt8]) {
        var start = chunks.startIndex
        while start < chunks.endIndex {
            let end = min(start + maximumChunksPerPacket, chunks.endIndex)
            appendPacket(chunks[start..<end], to: &bytes)
            start = end
        }
    }

    private static func appendPacket(_ chunks: ArraySlice<Self>, to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(2 << 6 | UInt8(chunks.count))
        bytes.append(packetType)
        bytes.appendNetworkUInt16(0)  // the length, once known
        for chunk in chunks {
            bytes.appendNetworkUInt32(chunk.ssrc)
            if let cname = chunk.cname {
                let text = utf8Prefix(cname, maximumBytes: 255)
                bytes.append(cnameItem)
                bytes.append(UInt8(text.count))
                bytes.append(contentsOf: text)
            }
            // At least one null octet ends the chunk, more pad it to 32 bits.
            repeat { bytes.append(endItem) } while (bytes.count - start) % 4 != 0
        }
        let words = (bytes.count - start) / 4 - 1
        bytes[start + 2] = UInt8(truncatingIfNeeded: words >> 8)
        bytes[start + 3] = UInt8(truncatingIfNeeded: words)
    }

    /// Text from the wire (§6.5: UTF-8). Invalid sequences become U+FFFD, three bytes each, so the result
    /// is cut to the 255 bytes an item can hold: a value read is always one that writes back unchanged.
    static func text(_ bytes: ArraySlice<UInt8>) -> String {
        let decoded = String(decoding: bytes, as: UTF8.self)
        guard decoded.utf8.count > 255 else { return decoded }
        return String(decoding: utf8Prefix(decoded, maximumBytes: 255), as: UTF8.self)
    }

    /// The UTF-8 of `text`, cut before the first character that would pass `maximumBytes`.
    static func utf8Prefix(_ text: String, maximumBytes: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for character in text {
            let encoded = Array(character.utf8)
            guard bytes.count + encoded.count <= maximumBytes else { break }
            bytes.append(contentsOf: encoded)
        }
        return bytes
    }
}
