import NIOCore

/// What a receiver knows about one RTP source: the numbers an RTCP reception report block carries
/// (RFC 3550 §6.4.1) and the per-call statistics the application reads.
///
/// Follows RFC 3550 Appendix A.3 for expected and lost packets and A.8 for the interarrival jitter.
/// Deviations: the A.1 probation of a new source is left to the RTP session (this starts counting at the
/// first packet it is given), and a jump of more than `maxDropout` is taken as the sender restarting its
/// sequence (A.1's "two sequential packets" rule is reduced to a resynchronisation on the jump).
package struct ReceptionStatistics: Sendable {
    /// A.1: packets further ahead than this are a restart, not a loss.
    package static let maxDropout: UInt32 = 3000
    /// A.1: packets further behind than this are a restart, not a late duplicate.
    package static let maxMisorder: UInt32 = 100

    /// RTP timestamp units per second (8000 for PCMU/PCMA).
    package let clockRate: Int

    private var started = false
    private var baseSequence: UInt32 = 0
    private var cycles: UInt32 = 0
    private var maxSequence: UInt16 = 0
    /// Packets received, duplicates included (A.3 counts them too, so loss can go negative).
    package private(set) var received: UInt64 = 0
    private var expectedPrior: Int64 = 0
    private var receivedPrior: UInt64 = 0
    private var lastTransit: Int64?
    /// A.8's J, in timestamp units, kept unscaled in floating point.
    private var jitterUnits: Double = 0

    package init(clockRate: Int = NarrowbandAudio.sampleRate) {
        self.clockRate = clockRate
    }

    /// The highest sequence number seen, extended with the count of wrap-arounds (A.3's `extended_max`).
    package var extendedHighestSequence: UInt32 { cycles &+ UInt32(maxSequence) }

    /// A.3: `extended_max - base_seq + 1`.
    package var expected: Int64 { started ? Int64(extendedHighestSequence) - Int64(baseSequence) + 1 : 0 }

    /// A.3: expected minus received; negative when duplicates outnumber losses.
    package var cumulativeLost: Int64 { expected - Int64(received) }

    /// Cumulative loss as a fraction of the packets expected, 0…1.
    package var lossRatio: Double {
        expected > 0 ? max(0, Double(cumulativeLost)) / Double(expected) : 0
    }

    /// A.8's interarrival jitter in timestamp units, as the report block carries it.
    package var jitter: UInt32 { UInt32(min(Double(UInt32.max), jitterUnits.rounded(.down))) }

    /// The interarrival jitter in milliseconds.
    package var jitterMilliseconds: Double { jitterUnits * 1000 / Double(clockRate) }

    /// Takes one received packet. `arrival` is when it came off the socket.
    package mutating func record(sequenceNumber: UInt16, timestamp: UInt32, arrival: NIODeadline) {
        if !started {
            started = true
            restart(at: sequenceNumber)
        } else {
            updateSequence(sequenceNumber)
        }
        received += 1

        // A.8: transit = arrival (in timestamp units) - RTP timestamp; only differences matter, so the
        // arbitrary origins of both clocks cancel. Wrapping arithmetic keeps the 32-bit timestamp honest.
        let arrivalUnits =
            arrival.uptimeNanoseconds / 1_000_000_000 * UInt64(clockRate)
            + arrival.uptimeNanoseconds % 1_000_000_000 * UInt64(clockRate) / 1_000_000_000
        let transit = Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: arrivalUnits) &- timestamp))
        if let last = lastTransit {
            let d = Double(abs(transit - last))
            jitterUnits += (d - jitterUnits) / 16
        }
        lastTransit = transit
    }

    /// A.3's update_seq without probation: in-order and wrapped packets advance the highest sequence,
    /// a big jump restarts the count, small reorders and duplicates are just counted as received.
    private mutating func updateSequence(_ sequence: UInt16) {
        let delta = UInt32(sequence &- maxSequence)
        if delta < Self.maxDropout {
            if sequence < maxSequence { cycles &+= 1 << 16 }
            maxSequence = sequence
        } else if delta <= (1 << 16) - Self.maxMisorder {
            restart(at: sequence)
            received = 0
            expectedPrior = 0
            receivedPrior = 0
        }
        // Otherwise a duplicate or reordered packet behind the highest: counted, nothing moves.
    }

    private mutating func restart(at sequence: UInt16) {
        baseSequence = UInt32(sequence)
        maxSequence = sequence
        cycles = 0
        lastTransit = nil
    }

    /// The loss fields of a reception report block for the interval since the previous call
    /// (A.3: `fraction = (lost_interval << 8) / expected_interval`, 0 when nothing was lost).
    package mutating func makeReportBlock() -> ReceptionReport {
        let expectedInterval = expected - expectedPrior
        expectedPrior = expected
        let receivedInterval = Int64(received - receivedPrior)
        receivedPrior = received
        let lostInterval = expectedInterval - receivedInterval
        let fraction: UInt8 =
            expectedInterval == 0 || lostInterval <= 0 ? 0 : UInt8(min(255, (lostInterval << 8) / expectedInterval))
        // §6.4.1: cumulative lost is a signed 24-bit field; clamp rather than wrap.
        let cumulative = Int32(max(-0x80_0000, min(0x7F_FFFF, cumulativeLost)))
        return ReceptionReport(
            fractionLost: fraction,
            cumulativeLost: cumulative,
            extendedHighestSequence: extendedHighestSequence,
            jitter: jitter
        )
    }
}

/// The receiver-side fields of an RTCP report block (RFC 3550 §6.4.1); SSRC, LSR and DLSR are the
/// RTCP session's to add.
package struct ReceptionReport: Hashable, Sendable {
    /// Lost packets over expected packets in the interval, as a fixed-point fraction of 256.
    package var fractionLost: UInt8
    /// Signed 24-bit: expected minus received since the start.
    package var cumulativeLost: Int32
    package var extendedHighestSequence: UInt32
    /// Interarrival jitter in timestamp units.
    package var jitter: UInt32
}
