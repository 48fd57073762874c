import Testing

@testable import SIPMedia

@Suite("RFC 4733 telephone-event")
struct TelephoneEventTests {
    @Test func theDTMFCodesOfTable3() {
        let keys: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#", "A", "B", "C", "D"]
        for (code, key) in keys.enumerated() {
            #expect(DTMFEvent(key)?.rawValue == UInt8(code))
            #expect(DTMFEvent(rawValue: UInt8(code))?.character == key)
        }
        #expect(DTMFEvent("d") == .d)
        #expect(DTMFEvent("E") == nil)
        #expect(DTMFEvent(rawValue: 16) == nil)
        #expect(DTMFEvent.allCases.count == 16)
    }

    @Test func encodesEventEndBitVolumeAndDuration() throws {
        let end = TelephoneEvent(.pound, isEnd: true, volume: 10, duration: 1_600)
        #expect(end.serialized() == [11, 0x8A, 0x06, 0x40])
        #expect(try TelephoneEvent(parsing: end.serialized()) == end)
        #expect(try TelephoneEvent(parsing: [5, 0x3F, 0, 160]) == TelephoneEvent(.digit5, volume: 63, duration: 160))
    }

    @Test func theReservedBitIsIgnoredAndTrailingBytesToo() throws {
        let event = try TelephoneEvent(parsing: [1, 0xC7, 0x01, 0x00, 0xEE])
        #expect(event == TelephoneEvent(.digit1, isEnd: true, volume: 7, duration: 256))
        #expect(event.dtmf == .digit1)
        #expect(try TelephoneEvent(parsing: [32, 0, 0, 0]).dtmf == nil)  // a fax tone, passed through
    }

    @Test func shortPayloadsAreTypedErrors() {
        for length in 0..<4 {
            #expect(throws: RTPParseError(.tooShort, "")) {
                try TelephoneEvent(parsing: [UInt8](repeating: 0, count: length))
            }
        }
    }
}
