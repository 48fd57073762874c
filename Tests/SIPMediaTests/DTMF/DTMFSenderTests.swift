import Testing

@testable import SIPMedia

@Suite("DTMF sender (RFC 4733 §2.5.1)")
struct DTMFSenderTests {
    /// Runs `slots` slots from `start`, the stream's timestamp advancing 160 a slot as a 20 ms G.711
    /// stream's does.
    static func run(_ sender: inout DTMFSender, slots: Int, start: UInt32 = 1_000, step: UInt32 = 160) -> [DTMFSlot] {
        (0..<slots).map { sender.nextSlot(rtpTimestamp: start &+ UInt32($0) &* step) }
    }

    @Test func anIdleSenderSendsAudio() {
        var sender = DTMFSender()
        #expect(sender.isIdle)
        #expect(sender.pendingCount == 0)
        #expect(Self.run(&sender, slots: 5) == Array(repeating: .audio, count: 5))
        #expect(sender.isIdle)
    }

    @Test func oneKeyWithTheDefaults() {
        var sender = DTMFSender()
        sender.enqueue([.digit5])
        #expect(!sender.isIdle)
        #expect(sender.pendingCount == 1)
        let slots = Self.run(&sender, slots: 12)
        let start: UInt32 = 1_000
        let expected: [DTMFSlot] = [
            .event(TelephoneEvent(.digit5, duration: 160), timestamp: start, marker: true),
            .event(TelephoneEvent(.digit5, duration: 320), timestamp: start, marker: false),
            .event(TelephoneEvent(.digit5, duration: 480), timestamp: start, marker: false),
            .event(TelephoneEvent(.digit5, duration: 640), timestamp: start, marker: false),
            .event(TelephoneEvent(.digit5, isEnd: true, duration: 800), timestamp: start, marker: false),
            .event(TelephoneEvent(.digit5, isEnd: true, duration: 800), timestamp: start, marker: false),
            .event(TelephoneEvent(.digit5, isEnd: true, duration: 800), timestamp: start, marker: false),
            .audio, .audio, .audio,  // 50 ms gap rounded up to three 20 ms packets
            .audio, .audio,
        ]
        #expect(slots == expected)
        #expect(sender.isIdle)
    }

    @Test func theGapSeparatesKeysAndTheNextKeyTakesItsOwnTimestamp() {
        var sender = DTMFSender()
        sender.enqueue([.digit1, .pound])
        #expect(sender.pendingCount == 2)
        let slots = Self.run(&sender, slots: 20)
        #expect(sender.pendingCount == 0)
        // 7 event packets, 3 gap slots, then the second key at slot 10.
        #expect(slots[7..<10].allSatisfy { $0 == .audio })
        #expect(slots[10] == .event(TelephoneEvent(.pound, duration: 160), timestamp: 1_000 + 10 * 160, marker: true))
        #expect(
            slots[16] == .event(TelephoneEvent(.pound, isEnd: true, duration: 800), timestamp: 2_600, marker: false))
        #expect(slots[17...].allSatisfy { $0 == .audio })
        #expect(sender.isIdle)
    }

    @Test func aKeyQueuedDuringTheGapWaitsForIt() {
        var sender = DTMFSender()
        sender.enqueue([.a])
        _ = Self.run(&sender, slots: 8)  // 7 event packets and the first gap slot
        #expect(!sender.isIdle)
        sender.enqueue([.b])
        let slots = Self.run(&sender, slots: 3, start: 9_000)
        #expect(slots[0] == .audio)
        #expect(slots[1] == .audio)
        #expect(slots[2] == .event(TelephoneEvent(.b, duration: 160), timestamp: 9_320, marker: true))
    }

    @Test func everyPacketOfAnEventCarriesItsStartTimestampWhateverTheCallerPasses() {
        var sender = DTMFSender()
        sender.enqueue([.star])
        // A stream whose timestamp wraps around during the event.
        let slots = Self.run(&sender, slots: 7, start: UInt32.max - 200)
        for slot in slots {
            guard case .event(let event, let timestamp, _) = slot else {
                Issue.record("expected an event packet, got \(slot)")
                continue
            }
            #expect(timestamp == UInt32.max - 200)
            #expect(event.dtmf == .star)
            #expect(event.volume == 10)
        }
    }

    @Test func aLengthThatIsNotAWholeNumberOfPacketsIsRoundedUp() {
        var sender = DTMFSender(eventDuration: 90, interDigitGap: 0, ptime: 20, volume: 20)
        sender.enqueue([.digit9, .digit0])
        let slots = Self.run(&sender, slots: 16)
        #expect(
            slots[4]
                == .event(
                    TelephoneEvent(.digit9, isEnd: true, volume: 20, duration: 800), timestamp: 1_000, marker: false))
        // No gap: the next key starts in the slot after the third end packet.
        #expect(
            slots[7]
                == .event(TelephoneEvent(.digit0, volume: 20, duration: 160), timestamp: 1_000 + 7 * 160, marker: true))
        #expect(slots[14] == .audio)
    }

    @Test func aToneShorterThanOnePacketIsOnePacketOfEndsWithTheMarker() {
        var sender = DTMFSender(eventDuration: 10, interDigitGap: 30, ptime: 30)
        sender.enqueue([.c])
        let slots = Self.run(&sender, slots: 5, step: 240)
        let end = TelephoneEvent(.c, isEnd: true, duration: 240)
        #expect(
            slots == [
                .event(end, timestamp: 1_000, marker: true),
                .event(end, timestamp: 1_000, marker: false),
                .event(end, timestamp: 1_000, marker: false),
                .audio,
                .audio,
            ])
        #expect(sender.isIdle)
    }

    /// §2.5.1.3: the duration field is 16 bits; the sender caps the tone rather than splitting it.
    @Test func aLongToneIsCappedBelow0xFFFF() {
        var sender = DTMFSender(eventDuration: 60_000, interDigitGap: 0, ptime: 20)
        sender.enqueue([.d])
        var durations: [UInt16] = []
        var ends = 0
        for index in 0..<1_000 {
            guard case .event(let event, _, _) = sender.nextSlot(rtpTimestamp: UInt32(index) * 160) else { break }
            durations.append(event.duration)
            if event.isEnd { ends += 1 }
        }
        #expect(ends == 3)
        #expect(durations.last == UInt16(65_440))  // 409 packets of 160: the last whole 20 ms packet under 65,535
        #expect(durations == durations.sorted())
        #expect(sender.isIdle)
    }

    @Test func enqueueingNothingChangesNothing() {
        var sender = DTMFSender()
        sender.enqueue([])
        #expect(sender.isIdle)
        #expect(sender.nextSlot(rtpTimestamp: 0) == .audio)
    }

    @Test func manyKeysAreSentInOrderEachOnce() {
        var sender = DTMFSender()
        sender.enqueue(Array(DTMFEvent.allCases))
        var started: [DTMFEvent] = []
        var index: UInt32 = 0
        while !sender.isIdle, index < 10_000 {
            if case .event(let event, _, true) = sender.nextSlot(rtpTimestamp: index * 160), let key = event.dtmf {
                started.append(key)
            }
            index += 1
        }
        #expect(started == DTMFEvent.allCases)
        #expect(index == 16 * 10)  // 7 event packets and 3 gap slots a key
    }
}
