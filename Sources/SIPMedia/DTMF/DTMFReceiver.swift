/// Reports each DTMF key the far end sends as RFC 4733 telephone events exactly once (§2.5.2), however
/// many packets carry it. A value: the RTP stream hands it each telephone-event payload with its RTP
/// timestamp.
///
/// - §2.5.2: an event is known by its RTP timestamp; a packet with a timestamp not seen before starts
///   a new event. The key is reported then, whether that first packet is a start packet or, the start
///   packets having been lost, already an end packet.
/// - §2.5.1.4: the end packet comes three times; the retransmissions, like continuation packets, report
///   nothing.
/// - §2.5.1.3: a long event continues in segments, each with a new timestamp equal to the previous
///   segment's timestamp plus its duration and the same event code; such a segment is not a new key.
/// - Reordering: the timestamps of the last ``rememberedEvents`` events are kept, so a late packet of a
///   recent event (an end packet overtaken by the next key's start) does not report its key again.
///   Memory is that fixed ring, nothing more.
/// - Events other than the sixteen DTMF keys (fax tones, §3.3 codes above 15) report nothing but are
///   remembered like any other, so their retransmissions are not mistaken for new events either.
///
/// Packets from a new SSRC belong to a new stream: the caller starts a new receiver for it.
package struct DTMFReceiver: Sendable {
    /// How many recent events are remembered for duplicate detection. Default: 16.
    package static let rememberedEvents = 16

    private struct Seen: Sendable {
        var timestamp: UInt32
        var event: UInt8
        /// The longest duration seen, so a long event's next segment can be recognised.
        var duration: UInt16
        var ended: Bool
    }

    private var recent: [Seen] = []
    /// Where the next new event is written once `recent` is full.
    private var oldest = 0

    package init() {}

    /// One received telephone-event packet; returns the key once per event: when a new event (new RTP
    /// timestamp) starts, whether its first packet is a start or (start lost) already an end packet.
    /// Retransmitted end packets and continuation packets return nil.
    package mutating func receive(_ event: TelephoneEvent, timestamp: UInt32) -> ReceivedDTMF? {
        if let index = recent.firstIndex(where: { $0.timestamp == timestamp }) {
            recent[index].duration = max(recent[index].duration, event.duration)
            recent[index].ended = recent[index].ended || event.isEnd
            return nil
        }
        let continuesLongEvent = recent.contains {
            !$0.ended && $0.event == event.event && $0.timestamp &+ UInt32($0.duration) == timestamp
        }
        remember(Seen(timestamp: timestamp, event: event.event, duration: event.duration, ended: event.isEnd))
        guard !continuesLongEvent, let key = event.dtmf else { return nil }
        return ReceivedDTMF(event: key, timestamp: timestamp)
    }

    private mutating func remember(_ seen: Seen) {
        if recent.count < Self.rememberedEvents {
            recent.append(seen)
        } else {
            recent[oldest] = seen
            oldest = (oldest + 1) % Self.rememberedEvents
        }
    }
}
