import NIOCore

/// One RTP packet's audio as the jitter buffer holds it.
package struct JitterBufferPacket: Hashable, Sendable {
    package var sequenceNumber: UInt16
    package var timestamp: UInt32
    package var payload: [UInt8]

    package init(sequenceNumber: UInt16, timestamp: UInt32, payload: [UInt8]) {
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.payload = payload
    }
}

/// A small adaptive jitter buffer for 20 ms G.711 frames. Packets go in as they arrive; the
/// driver pulls one frame per tick of its playout clock. No clock, socket or task inside: arrival and
/// playout times are inputs, so tests script both.
///
///     arrivals ──insert──▶ [ slots next … next+capacity ) ──pull (every 20 ms)──▶ frame | lost | underrun
///
/// - Delay: playout starts `initialDelay` after the first packet. A late packet (its slot already played)
///   is dropped and grows the delay by one frame, played as an inserted filler frame; `shrinkAfter`
///   without a late packet shrinks it by one frame, dropping one buffered frame when two are waiting.
/// - Sequence numbers are extended past 65535 relative to the highest seen (as RFC 3550 A.1 does), so
///   wrap-around is invisible to the rest.
/// - An empty buffer holds the playout point (`.underrun`) rather than advancing it: the sender may have
///   paused (hold, a stalled path), and its next packet should play, not count as late. A missing packet
///   with a later one already here is `.lost` and skipped.
/// - Assumes one frame per packet (ptime 20); timestamps are carried through, not used for timing.
package struct JitterBuffer: Sendable {
    /// What the playout clock gets at one tick.
    package enum Output: Hashable, Sendable {
        /// Before the first packet, or before the initial delay has passed.
        case waiting
        /// The next packet in order.
        case frame(JitterBufferPacket)
        /// This packet never came though later ones did: conceal it.
        case lost(sequenceNumber: UInt16)
        /// Nothing to play and nothing later buffered; the playout point waits.
        case underrun
        /// A filler frame that lengthens the delay after a late packet.
        case inserted
    }

    /// What became of one inserted packet.
    package enum Disposition: Hashable, Sendable {
        case buffered
        case duplicate
        /// Its slot has been played; dropped.
        case late
    }

    /// Counters since the start of the call.
    package struct Counters: Hashable, Sendable {
        /// Arrived after their slot was played (and were dropped).
        package var late = 0
        /// Slots played without their packet while a later packet was already buffered.
        package var lost = 0
        /// Arrived twice (within the buffer's memory of `2 × capacity` packets).
        package var duplicated = 0
        /// Arrived after a packet with a higher sequence number (late ones included).
        package var reordered = 0
        /// Buffered packets dropped to keep within `capacity`.
        package var overflowed = 0
        /// Ticks with nothing to play.
        package var underruns = 0
        /// Filler frames played to grow the delay.
        package var inserted = 0
        /// Buffered frames skipped to shrink the delay.
        package var dropped = 0
    }

    package let configuration: JitterBufferConfiguration
    package private(set) var counters = Counters()
    /// The delay, in frames, the buffer aims for.
    package private(set) var targetFrames: Int

    private let minimumFrames: Int
    private let maximumFrames: Int
    private var slots: [Int64: JitterBufferPacket] = [:]
    /// Sequence numbers received within [next - capacity, next + capacity), to recognise duplicates.
    private var seen: Set<Int64> = []
    private var next: Int64?
    private var highest: Int64 = 0
    private var playoutStart: NIODeadline?
    private var lastAdjustment: NIODeadline = .uptimeNanoseconds(0)
    private var pendingInsertions = 0
    private var pendingDrops = 0

    package init(configuration: JitterBufferConfiguration = .init()) {
        self.configuration = configuration
        let frame = max(1, configuration.frameDuration.nanoseconds)
        minimumFrames = max(1, Int(configuration.minimumDelay.nanoseconds / frame))
        maximumFrames = max(minimumFrames, Int(configuration.maximumDelay.nanoseconds / frame))
        targetFrames = min(maximumFrames, max(minimumFrames, Int(configuration.initialDelay.nanoseconds / frame)))
    }

    /// The delay the buffer aims for.
    package var targetDelay: TimeAmount { configuration.frameDuration * targetFrames }

    /// Packets held now.
    package var bufferedCount: Int { slots.count }

    private var capacity: Int { max(1, configuration.capacity) }

    /// Takes one packet as it came off the network.
    @discardableResult
    package mutating func insert(_ packet: JitterBufferPacket, arrival: NIODeadline) -> Disposition {
        guard let nextSequence = next else {
            next = Int64(packet.sequenceNumber)
            highest = Int64(packet.sequenceNumber)
            playoutStart = arrival + configuration.frameDuration * targetFrames
            lastAdjustment = arrival
            slots[highest] = packet
            seen.insert(highest)
            return .buffered
        }
        let extended = highest + Int64(Int16(bitPattern: packet.sequenceNumber &- UInt16(truncatingIfNeeded: highest)))
        if seen.contains(extended) {
            counters.duplicated += 1
            return .duplicate
        }
        if extended < highest {
            counters.reordered += 1
        } else {
            highest = extended
        }
        if extended < nextSequence {
            if extended >= nextSequence - Int64(capacity) { seen.insert(extended) }
            counters.late += 1
            grow(now: arrival)
            return .late
        }
        if extended >= nextSequence + Int64(capacity) {
            advance(to: extended - Int64(capacity) + 1, countingDropsAs: \.overflowed)
        }
        slots[extended] = packet
        seen.insert(extended)
        return .buffered
    }

    /// One tick of the playout clock: what to play for the next 20 ms.
    package mutating func pull(now: NIODeadline) -> Output {
        guard let nextSequence = next, let start = playoutStart, now >= start else { return .waiting }
        if pendingInsertions > 0 {
            pendingInsertions -= 1
            counters.inserted += 1
            return .inserted
        }
        shrinkIfSteady(now: now)
        if pendingDrops > 0, slots[nextSequence] != nil, slots[nextSequence + 1] != nil {
            pendingDrops -= 1
            advance(to: nextSequence + 1, countingDropsAs: \.dropped)
        }
        guard let current = next else { return .waiting }
        if let packet = slots.removeValue(forKey: current) {
            advance(to: current + 1, countingDropsAs: \.dropped)
            return .frame(packet)
        }
        if current < highest {
            counters.lost += 1
            advance(to: current + 1, countingDropsAs: \.dropped)
            return .lost(sequenceNumber: UInt16(truncatingIfNeeded: current))
        }
        counters.underruns += 1
        return .underrun
    }

    /// Moves the playout point, forgetting what is behind it; buffered packets skipped are counted.
    private mutating func advance(to newNext: Int64, countingDropsAs counter: WritableKeyPath<Counters, Int>) {
        guard let old = next, newNext > old else { return }
        if newNext - old <= Int64(slots.count) {
            for sequence in old..<newNext where slots.removeValue(forKey: sequence) != nil {
                counters[keyPath: counter] += 1
            }
        } else {
            let skipped = slots.keys.filter { $0 < newNext }
            for sequence in skipped { slots[sequence] = nil }
            counters[keyPath: counter] += skipped.count
        }
        next = newNext
        let horizon = newNext - Int64(capacity)
        if seen.count > 2 * capacity || seen.contains(where: { $0 < horizon }) {
            seen = seen.filter { $0 >= horizon }
        }
    }

    private mutating func grow(now: NIODeadline) {
        lastAdjustment = now
        guard targetFrames < maximumFrames else { return }
        targetFrames += 1
        if pendingDrops > 0 { pendingDrops -= 1 } else { pendingInsertions += 1 }
    }

    private mutating func shrinkIfSteady(now: NIODeadline) {
        guard now - lastAdjustment >= configuration.shrinkAfter, targetFrames > minimumFrames else { return }
        lastAdjustment = now
        targetFrames -= 1
        if pendingInsertions > 0 { pendingInsertions -= 1 } else { pendingDrops += 1 }
    }
}
