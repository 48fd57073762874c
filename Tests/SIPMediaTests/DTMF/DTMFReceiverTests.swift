import Testing

@testable import SIPMedia

@Suite("DTMF receiver (RFC 4733 §2.5.2)")
struct DTMFReceiverTests {
    /// Feeds every event packet a sender produces and collects what the receiver reports.
    static func received(from slots: [DTMFSlot], into receiver: inout DTMFReceiver) -> [ReceivedDTMF] {
        slots.compactMap { slot in
            guard case .event(let event, let timestamp, _) = slot else { return nil }
            return receiver.receive(event, timestamp: timestamp)
        }
    }

    @Test func eachKeyFromASenderIsReportedOnce() {
        var sender = DTMFSender()
        sender.enqueue([.digit1, .digit1, .star, .d])
        let slots = (0..<60).map { sender.nextSlot(rtpTimestamp: 5_000 + UInt32($0) * 160) }
        var receiver = DTMFReceiver()
        let keys = Self.received(from: slots, into: &receiver)
        // The same key twice is two events: they differ by timestamp.
        #expect(
            keys == [
                ReceivedDTMF(event: .digit1, timestamp: 5_000),
                ReceivedDTMF(event: .digit1, timestamp: 5_000 + 10 * 160),
                ReceivedDTMF(event: .star, timestamp: 5_000 + 20 * 160),
                ReceivedDTMF(event: .d, timestamp: 5_000 + 30 * 160),
            ])
    }

    @Test func theKeyIsReportedOnTheFirstPacketAndNotOnContinuationsOrEndRepeats() {
        var receiver = DTMFReceiver()
        #expect(
            receiver.receive(TelephoneEvent(.digit7, duration: 160), timestamp: 100)
                == ReceivedDTMF(event: .digit7, timestamp: 100))
        #expect(receiver.receive(TelephoneEvent(.digit7, duration: 320), timestamp: 100) == nil)
        #expect(receiver.receive(TelephoneEvent(.digit7, isEnd: true, duration: 800), timestamp: 100) == nil)
        #expect(receiver.receive(TelephoneEvent(.digit7, isEnd: true, duration: 800), timestamp: 100) == nil)
        #expect(receiver.receive(TelephoneEvent(.digit7, isEnd: true, duration: 800), timestamp: 100) == nil)
    }

    @Test func anEventWhoseStartPacketsWereLostIsReportedOnItsFirstEndPacket() {
        var receiver = DTMFReceiver()
        #expect(
            receiver.receive(TelephoneEvent(.pound, isEnd: true, duration: 800), timestamp: 42)
                == ReceivedDTMF(event: .pound, timestamp: 42))
        #expect(receiver.receive(TelephoneEvent(.pound, isEnd: true, duration: 800), timestamp: 42) == nil)
    }

    @Test func aLatePacketOfARecentEventIsNotANewKey() {
        var receiver = DTMFReceiver()
        #expect(receiver.receive(TelephoneEvent(.digit1, duration: 160), timestamp: 1_000) != nil)
        #expect(receiver.receive(TelephoneEvent(.digit2, duration: 160), timestamp: 2_600) != nil)
        // The first key's last end packet, overtaken by the second key's start.
        #expect(receiver.receive(TelephoneEvent(.digit1, isEnd: true, duration: 800), timestamp: 1_000) == nil)
        #expect(receiver.receive(TelephoneEvent(.digit2, isEnd: true, duration: 800), timestamp: 2_600) == nil)
    }

    @Test func eventsThatAreNotDTMFReportNothingButAreStillDeduplicated() {
        var receiver = DTMFReceiver()
        let faxCNG = TelephoneEvent(event: 36, duration: 160)  // §3.3: CNG tone
        #expect(receiver.receive(faxCNG, timestamp: 7) == nil)
        // A key sharing the fax tone's timestamp is a packet of that same event, not a new one.
        #expect(receiver.receive(TelephoneEvent(.digit3, duration: 320), timestamp: 7) == nil)
        #expect(
            receiver.receive(TelephoneEvent(.digit3, duration: 160), timestamp: 8)
                == ReceivedDTMF(event: .digit3, timestamp: 8))
    }

    /// §2.5.1.3: a segment that starts where the previous one's duration ends continues the same event.
    @Test func theNextSegmentOfALongEventIsNotANewKey() {
        var receiver = DTMFReceiver()
        #expect(receiver.receive(TelephoneEvent(.digit0, duration: 65_000), timestamp: 10) != nil)
        #expect(receiver.receive(TelephoneEvent(.digit0, duration: 65_535), timestamp: 10) == nil)
        #expect(receiver.receive(TelephoneEvent(.digit0, duration: 160), timestamp: 10 + 65_535) == nil)
        #expect(receiver.receive(TelephoneEvent(.digit0, isEnd: true, duration: 800), timestamp: 10 + 65_535) == nil)
        // Once ended, the same key at the next timestamp is a new press.
        #expect(receiver.receive(TelephoneEvent(.digit0, duration: 160), timestamp: 10 + 65_535 + 800) != nil)
    }

    @Test func aSegmentOfAnotherKeyAtThatTimestampIsANewKey() {
        var receiver = DTMFReceiver()
        #expect(receiver.receive(TelephoneEvent(.digit4, duration: 800), timestamp: 0) != nil)
        #expect(
            receiver.receive(TelephoneEvent(.digit5, duration: 160), timestamp: 800)
                == ReceivedDTMF(event: .digit5, timestamp: 800))
    }

    @Test func timestampsWrapAround() {
        var receiver = DTMFReceiver()
        #expect(receiver.receive(TelephoneEvent(.a, duration: 160), timestamp: UInt32.max) != nil)
        #expect(receiver.receive(TelephoneEvent(.b, duration: 160), timestamp: 1_599) != nil)
        #expect(receiver.receive(TelephoneEvent(.a, isEnd: true, duration: 800), timestamp: UInt32.max) == nil)
    }

    /// Memory is a fixed ring: an event older than the ring's span is forgotten and would count again.
    @Test func memoryIsBounded() {
        var receiver = DTMFReceiver()
        for index in 0..<1_000 {
            #expect(receiver.receive(TelephoneEvent(.digit9, duration: 160), timestamp: UInt32(index) * 1_600) != nil)
        }
        let recent = UInt32(1_000 - DTMFReceiver.rememberedEvents) * 1_600
        #expect(receiver.receive(TelephoneEvent(.digit9, isEnd: true, duration: 800), timestamp: recent) == nil)
        let forgotten = recent - 1_600
        #expect(receiver.receive(TelephoneEvent(.digit9, isEnd: true, duration: 800), timestamp: forgotten) != nil)
    }
}
