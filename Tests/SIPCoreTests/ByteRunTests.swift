import Testing

@testable import SIPCore

/// The eight-bytes-at-a-time skip over letters, digits, `-` and `.` against a byte-by-byte test.
@Suite("Word-at-a-time byte runs")
struct ByteRunTests {
    static func isAlnumDashDot(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x2D || b == 0x2E
    }

    /// Every byte value at every position of a word of otherwise good bytes, and at every length.
    @Test func everyByteAtEveryPosition() {
        for value in 0...255 {
            for position in 0..<12 {
                var bytes = Array("aZ09-.mQ7x-y".utf8)
                bytes[position] = UInt8(value)
                bytes.withUnsafeBytes { raw in
                    let base = raw.baseAddress!
                    for end in 0...bytes.count {
                        let fast = alnumDashDotPrefix(base, from: 0, to: end)
                        let slow = bytes[..<end].firstIndex { !Self.isAlnumDashDot($0) } ?? end
                        // The fast skip may stop short (fewer than eight bytes left), never past.
                        #expect(fast <= slow && (fast == slow || end - fast < 8))
                    }
                }
            }
        }
    }

    /// The class tables agree: every class said to hold letters, digits, `-` and `.` holds them.
    @Test func classesHoldingAlnumDashDot() {
        for b in UInt8(0)...UInt8(127) where Self.isAlnumDashDot(b) {
            #expect(b.classBits & ByteClass.holdingAlnumDashDot == ByteClass.holdingAlnumDashDot)
        }
    }
}
