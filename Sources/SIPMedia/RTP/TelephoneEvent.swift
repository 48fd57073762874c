/// The payload of one RFC 4733 telephone-event packet (§2.3):
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |     event     |E|R| volume    |          duration             |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///
/// The R bit is reserved: written 0, ignored on reading (§2.3.3). Bytes after the first four are ignored
/// too: without RFC 2198 redundancy negotiated there is only one event per packet.
package struct TelephoneEvent: Sendable, Hashable {
    /// The event code; ``DTMFEvent`` names 0–15, other codes (e.g. fax tones, §3.3) pass through as they are.
    package var event: UInt8
    /// The E bit: this packet ends the event (sent three times, §2.5.1.4).
    package var isEnd: Bool
    /// Power level as 0 to 63, meaning 0 to −63 dBm0 (§2.3.4); louder values are not allowed.
    package var volume: UInt8
    /// Duration so far in timestamp units (8,000 Hz for G.711 sessions), counted from the event's RTP
    /// timestamp (§2.3.5).
    package var duration: UInt16

    /// - Precondition: `volume` is at most 63 (6 bits; the caller's value).
    package init(event: UInt8, isEnd: Bool = false, volume: UInt8 = 10, duration: UInt16) {
        precondition(volume <= 63, "telephone-event volume is 6 bits")
        self.event = event
        self.isEnd = isEnd
        self.volume = volume
        self.duration = duration
    }

    /// A DTMF key press.
    package init(_ key: DTMFEvent, isEnd: Bool = false, volume: UInt8 = 10, duration: UInt16) {
        self.init(event: key.rawValue, isEnd: isEnd, volume: volume, duration: duration)
    }

    /// The DTMF key, when the event is one.
    package var dtmf: DTMFEvent? { DTMFEvent(rawValue: event) }

    static let size = 4

    /// Reads the payload of a packet whose payload type was negotiated as telephone-event.
    package init(parsing payload: [UInt8]) throws(RTPParseError) {
        guard payload.count >= Self.size, let duration = payload.networkUInt16(at: 2) else {
            throw RTPParseError(.tooShort, "telephone-event payload of \(payload.count) bytes, needs 4")
        }
        self.init(event: payload[0], isEnd: payload[1] & 0x80 != 0, volume: payload[1] & 0x3F, duration: duration)
    }

    package func serialized() -> [UInt8] {
        var bytes: [UInt8] = [event, (isEnd ? 0x80 : 0) | volume & 0x3F]
        bytes.appendNetworkUInt16(duration)
        return bytes
    }
}
