import Foundation
import Testing

@testable import SipEndpoint

/// A session's id is a lowercase version 4 UUID (what `Session.id` promises), made from the call
/// core's generator rather than Foundation's `UUID()`.
@Suite struct SessionIDTests {
    /// Always returns the same word: every bit the id takes from the generator is visible.
    struct Constant: RandomNumberGenerator {
        var word: UInt64
        mutating func next() -> UInt64 { word }
    }

    @Test("From all-ones and all-zeros words: the version nibble is 4 and the variant bits are 10")
    func versionAndVariant() throws {
        var ones = Constant(word: .max)
        var zeros = Constant(word: 0)
        #expect(CallDriver.sessionID(using: &ones) == "ffffffff-ffff-4fff-bfff-ffffffffffff")
        #expect(CallDriver.sessionID(using: &zeros) == "00000000-0000-4000-8000-000000000000")
    }

    @Test("The two words fill the bytes in order, high word first")
    func byteOrder() {
        struct Two: RandomNumberGenerator {
            var words: [UInt64] = [0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210]
            mutating func next() -> UInt64 { words.removeFirst() }
        }
        var two = Two()
        #expect(CallDriver.sessionID(using: &two) == "01234567-89ab-4def-bedc-ba9876543210")
    }

    @Test("From the system generator: a lowercase UUID that Foundation parses, a new one each time")
    func systemGenerator() throws {
        var random = SystemRandomNumberGenerator()
        let ids = (0..<100).map { _ in CallDriver.sessionID(using: &random) }
        #expect(Set(ids).count == 100)
        for id in ids {
            let parsed = try #require(UUID(uuidString: id), "\(id)")
            #expect(parsed.uuidString.lowercased() == id)
        }
    }
}
