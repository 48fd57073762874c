import Testing

@testable import SIPCore

/// Identifiers are written straight into their string: the digits must be the generator's bytes
/// in hex exactly as `lowercaseHex` prints them, for every length (odd ones end mid-byte).
@Suite struct IdentifierTests {
    /// Returns the words it was given, in order, then repeats them.
    struct Words: RandomNumberGenerator {
        let words: [UInt64]
        var index = 0
        mutating func next() -> UInt64 {
            defer { index = (index + 1) % words.count }
            return words[index]
        }
    }

    static let words: [UInt64] = [0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210, 0x00FF_10A0_0B0C_D0E1]

    @Test(arguments: [0, 1, 2, 7, 15, 16, 17, 24, 32, 33, 48])
    func hexDigitsAreTheGeneratorsBytes(_ count: Int) {
        var a = Words(words: Self.words)
        var b = Words(words: Self.words)
        var bytes: [UInt8] = []
        while bytes.count * 2 < count { withUnsafeBytes(of: b.next()) { bytes.append(contentsOf: $0) } }
        let expected = String(lowercaseHex(bytes).prefix(count))
        #expect(SIPIdentifiers.hex(count: count, using: &a) == expected)
        #expect(a.index == b.index)
    }

    @Test func branchIsTheMagicCookieAndSixteenDigits() {
        var a = Words(words: Self.words)
        let branch = SIPIdentifiers.branch(using: &a)
        #expect(branch == "z9hG4bK" + lowercaseHex(withUnsafeBytes(of: Self.words[0].littleEndian) { Array($0) }))
        #expect(branch.utf8.count == 23)
    }
}
