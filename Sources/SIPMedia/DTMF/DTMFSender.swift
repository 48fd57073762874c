/// Turns queued DTMF keys into RFC 4733 telephone-event packets, one decision per packet slot of the
/// audio stream (§2.5.1). A value: the RTP stream calls ``nextSlot(rtpTimestamp:)`` every packet
/// interval and sends what it answers; no clock or socket lives here.
///
/// One key, with the defaults (100 ms tone, 20 ms packets, 50 ms gap, 8,000 Hz):
///
///     slot      1     2     3     4     5     6     7     8     9    10    11
///     sends    ev    ev    ev    ev    ev+E  ev+E  ev+E  audio audio audio  (next key)
///     marker    M
///     duration 160   320   480   640   800   800   800
///     timestamp T     T     T     T     T     T     T         (T = the stream's timestamp at slot 1)
///
/// - §2.5.1.2: the first packet of an event carries the marker bit; every packet carries the event's start
///   timestamp while the stream's own timestamp keeps advancing (the caller passes it each slot).
/// - §2.5.1.2, §2.3.5: the duration is the time since the event began, up to and including the packet.
/// - §2.5.1.4: the final packet has the E bit and is sent three times, with the same duration, so one loss
///   does not leave the far end's tone playing.
/// - §2.5.1.3 (long-duration events): the 16-bit duration would need to be split into segments past
///   65,535 samples (8.19 s at 8,000 Hz). A key press needs nothing of the sort, so the tone length is
///   capped instead and segments are never sent.
/// - A gap of `interDigitGap` (rounded up to whole packets) of audio follows every key, including the
///   last, so a key queued just after another still gets its gap; the sender is not idle during it.
package struct DTMFSender: Sendable {
    /// The telephone-event clock: 8,000 Hz, as negotiated with PCMU/PCMA (`telephone-event/8000`).
    package static let clockRate = 8_000
    private static let samplesPerMillisecond = clockRate / 1_000

    private enum Phase: Sendable {
        case idle
        /// `packetsSent` counts packets without the E bit so far.
        case tone(DTMFEvent, timestamp: UInt32, packetsSent: Int)
        /// `repeatsSent` of the three end packets already sent.
        case end(DTMFEvent, timestamp: UInt32, repeatsSent: Int)
        case gap(slotsLeft: Int)
    }

    private let samplesPerPacket: Int
    /// Packets (the final one included) whose durations add up to the tone length.
    private let packetsPerEvent: Int
    private let gapSlots: Int
    private let volume: UInt8
    /// Keys not yet started; a handful at most, so taking from the front is cheap enough.
    private var queue: [DTMFEvent] = []
    private var phase: Phase = .idle

    /// The number of times the final packet is sent (§2.5.1.4).
    static let endPacketCount = 3

    /// - Parameters:
    ///   - eventDuration: Tone length in milliseconds, rounded up to whole packets and capped so the
    ///     duration field never passes 0xFFFF (§2.5.1.3). Default: 100.
    ///   - interDigitGap: Audio between the end of one key and the start of the next, in milliseconds,
    ///     rounded up to whole packets. Default: 50.
    ///   - ptime: The stream's packet interval in milliseconds. Default: 20.
    ///   - volume: Power level 0–63, meaning 0 to −63 dBm0 (§2.3.4). Default: 10.
    /// - Precondition: `ptime` is positive and at most 8,000 ms, `volume` at most 63 (the caller's values).
    package init(eventDuration: Int = 100, interDigitGap: Int = 50, ptime: Int = 20, volume: UInt8 = 10) {
        precondition(ptime > 0 && ptime <= 8_000, "ptime is a positive packet interval in milliseconds")
        precondition(volume <= 63, "telephone-event volume is 6 bits")
        let samplesPerPacket = ptime * Self.samplesPerMillisecond
        let wanted = (max(eventDuration, 1) + ptime - 1) / ptime
        self.samplesPerPacket = samplesPerPacket
        self.packetsPerEvent = max(1, min(wanted, Int(UInt16.max) / samplesPerPacket))
        self.gapSlots = (max(interDigitGap, 0) + ptime - 1) / ptime
        self.volume = volume
    }

    /// Queues keys to send after any already queued, in order.
    package mutating func enqueue(_ events: [DTMFEvent]) {
        queue.append(contentsOf: events)
    }

    /// Nothing queued and nothing being sent, the gap after the last key included.
    package var isIdle: Bool {
        guard pendingCount == 0, case .idle = phase else { return false }
        return true
    }

    /// Keys queued and not yet started.
    package var pendingCount: Int { queue.count }

    /// Called once per packet slot (every ptime) with the RTP timestamp the stream's audio packet would
    /// carry at this slot; answers what to send in it.
    package mutating func nextSlot(rtpTimestamp: UInt32) -> DTMFSlot {
        switch phase {
        case .gap(let slotsLeft):
            phase = slotsLeft > 1 ? .gap(slotsLeft: slotsLeft - 1) : .idle
            return .audio
        case .idle:
            guard !queue.isEmpty else { return .audio }
            let key = queue.removeFirst()
            return sendTone(key, timestamp: rtpTimestamp, packetsSent: 0, marker: true)
        case .tone(let key, let timestamp, let packetsSent):
            return sendTone(key, timestamp: timestamp, packetsSent: packetsSent, marker: false)
        case .end(let key, let timestamp, let repeatsSent):
            return sendEnd(key, timestamp: timestamp, repeatsSent: repeatsSent, marker: false)
        }
    }

    private mutating func sendTone(_ key: DTMFEvent, timestamp: UInt32, packetsSent: Int, marker: Bool) -> DTMFSlot {
        let sent = packetsSent + 1
        if sent >= packetsPerEvent {
            return sendEnd(key, timestamp: timestamp, repeatsSent: 0, marker: marker)
        }
        phase = .tone(key, timestamp: timestamp, packetsSent: sent)
        let event = TelephoneEvent(key, volume: volume, duration: duration(packets: sent))
        return .event(event, timestamp: timestamp, marker: marker)
    }

    private mutating func sendEnd(_ key: DTMFEvent, timestamp: UInt32, repeatsSent: Int, marker: Bool) -> DTMFSlot {
        let sent = repeatsSent + 1
        if sent < Self.endPacketCount {
            phase = .end(key, timestamp: timestamp, repeatsSent: sent)
        } else {
            phase = gapSlots > 0 ? .gap(slotsLeft: gapSlots) : .idle
        }
        let event = TelephoneEvent(key, isEnd: true, volume: volume, duration: duration(packets: packetsPerEvent))
        return .event(event, timestamp: timestamp, marker: marker)
    }

    /// The init caps `packetsPerEvent` so this never passes 0xFFFF.
    private func duration(packets: Int) -> UInt16 {
        UInt16(clamping: packets * samplesPerPacket)
    }
}
