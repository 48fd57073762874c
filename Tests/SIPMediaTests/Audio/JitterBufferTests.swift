import NIOCore
import Testing

@testable import SIPMedia

@Suite("Jitter buffer")
struct JitterBufferTests {
    static func at(_ ms: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(1_000_000_000 + ms * 1_000_000)) }

    static func packet(_ sequence: UInt16) -> JitterBufferPacket {
        JitterBufferPacket(
            sequenceNumber: sequence, timestamp: UInt32(sequence) &* 160, payload: [UInt8(truncatingIfNeeded: sequence)]
        )
    }

    /// Runs a script: `arrivals` are (ms, sequence); the playout clock ticks every 20 ms from 0 to `until`.
    /// Returns what each tick played, as sequence numbers (`nil` for anything that is not a frame).
    static func run(
        _ buffer: inout JitterBuffer, arrivals: [(Int64, UInt16)], until: Int64
    ) -> [JitterBuffer.Output] {
        var outputs: [JitterBuffer.Output] = []
        var pending = arrivals.sorted { $0.0 < $1.0 }[...]
        var tick: Int64 = 0
        while tick <= until {
            while let (time, sequence) = pending.first, time <= tick {
                buffer.insert(packet(sequence), arrival: at(time))
                pending = pending.dropFirst()
            }
            outputs.append(buffer.pull(now: at(tick)))
            tick += 20
        }
        return outputs
    }

    static func played(_ outputs: [JitterBuffer.Output]) -> [UInt16] {
        outputs.compactMap { if case .frame(let p) = $0 { p.sequenceNumber } else { nil } }
    }

    @Test func inOrderArrivalsPlayInOrderAfterTheInitialDelay() {
        var buffer = JitterBuffer()
        let outputs = Self.run(&buffer, arrivals: (0..<10).map { (Int64($0) * 20, UInt16($0)) }, until: 240)
        #expect(Array(outputs.prefix(3)) == [.waiting, .waiting, .waiting])
        #expect(outputs[3] == .frame(Self.packet(0)))
        #expect(Self.played(outputs) == Array(0..<10))
        #expect(buffer.counters == .init())
        #expect(buffer.targetDelay == .milliseconds(60))
    }

    @Test func reorderedAndDuplicatedPacketsAreCountedAndPlayedOnce() {
        var buffer = JitterBuffer()
        let arrivals: [(Int64, UInt16)] = [(0, 0), (20, 2), (25, 1), (40, 3), (45, 3), (60, 4)]
        let outputs = Self.run(&buffer, arrivals: arrivals, until: 160)
        #expect(Self.played(outputs) == [0, 1, 2, 3, 4])
        #expect(buffer.counters.reordered == 1)
        #expect(buffer.counters.duplicated == 1)
        #expect(buffer.counters.lost == 0 && buffer.counters.late == 0)
    }

    @Test func aMissingPacketIsLostWhenALaterOneIsWaiting() {
        var buffer = JitterBuffer()
        let arrivals: [(Int64, UInt16)] = [(0, 0), (20, 1), (60, 3), (80, 4)]
        let outputs = Self.run(&buffer, arrivals: arrivals, until: 160)
        #expect(Self.played(outputs) == [0, 1, 3, 4])
        #expect(outputs.contains(.lost(sequenceNumber: 2)))
        #expect(buffer.counters.lost == 1)
    }

    @Test func aLatePacketIsDroppedAndGrowsTheDelayByAnInsertedFrame() {
        var buffer = JitterBuffer()
        // Packet 2's slot is played at 100 ms (60 ms delay + 2 frames); it arrives at 130 ms.
        let arrivals: [(Int64, UInt16)] = [(0, 0), (20, 1), (60, 3), (80, 4), (100, 5), (130, 2), (120, 6), (140, 7)]
        let outputs = Self.run(&buffer, arrivals: arrivals, until: 260)
        #expect(buffer.counters.late == 1)
        #expect(buffer.counters.lost == 1)
        #expect(buffer.targetDelay == .milliseconds(80))
        #expect(buffer.counters.inserted == 1)
        #expect(outputs.contains(.inserted))
        #expect(Self.played(outputs) == [0, 1, 3, 4, 5, 6, 7])
    }

    @Test func aSteadyStreamShrinksTheDelaySlowlyByDroppingAFrame() {
        var configuration = JitterBufferConfiguration()
        configuration.initialDelay = .milliseconds(100)
        configuration.shrinkAfter = .seconds(1)
        var buffer = JitterBuffer(configuration: configuration)
        let arrivals = (0..<150).map { (Int64($0) * 20, UInt16($0)) }
        let outputs = Self.run(&buffer, arrivals: arrivals, until: 3000)
        // 3 s of steady packets: a frame dropped after each second without a late packet.
        #expect(buffer.targetDelay == .milliseconds(40))
        #expect(buffer.counters.dropped == 3)
        #expect(buffer.counters.late == 0 && buffer.counters.lost == 0)
        #expect(Self.played(outputs).count + buffer.counters.dropped + buffer.bufferedCount == 150)
    }

    @Test func sequenceNumbersWrapAround() {
        var buffer = JitterBuffer()
        let sequences: [UInt16] = [65533, 65534, 65535, 0, 1, 2]
        // 0 comes before 65535: reordered across the wrap.
        let arrivals: [(Int64, UInt16)] = [(0, 65533), (20, 65534), (40, 0), (45, 65535), (60, 1), (80, 2)]
        let outputs = Self.run(&buffer, arrivals: arrivals, until: 200)
        #expect(Self.played(outputs) == sequences)
        #expect(buffer.counters.reordered == 1 && buffer.counters.lost == 0 && buffer.counters.late == 0)
    }

    @Test func aFloodFromTheNetworkStaysWithinCapacity() {
        var buffer = JitterBuffer()
        buffer.insert(Self.packet(0), arrival: Self.at(0))
        for sequence in 1...5000 {
            buffer.insert(Self.packet(UInt16(truncatingIfNeeded: sequence * 7)), arrival: Self.at(1))
        }
        #expect(buffer.bufferedCount <= buffer.configuration.capacity)
        #expect(buffer.counters.overflowed > 0)
    }

    @Test func anEmptyBufferHoldsThePlayoutPointSoAPausedSenderResumes() {
        var buffer = JitterBuffer()
        // Packets 0–2, then a 1-second pause (hold), then 3–5.
        let arrivals: [(Int64, UInt16)] = [(0, 0), (20, 1), (40, 2), (1040, 3), (1060, 4), (1080, 5)]
        let outputs = Self.run(&buffer, arrivals: arrivals, until: 1200)
        #expect(Self.played(outputs) == [0, 1, 2, 3, 4, 5])
        #expect(buffer.counters.late == 0 && buffer.counters.lost == 0)
        #expect(buffer.counters.underruns > 40)
    }
}
