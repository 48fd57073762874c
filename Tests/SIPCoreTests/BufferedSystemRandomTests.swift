import Testing

@testable import SIPCore

@Suite("Random words read from the system in blocks")
struct BufferedSystemRandomTests {
    @Test func wordsAcrossManyBlocksAreAllDifferent() {
        var random = BufferedSystemRandom()
        let words = (0..<10_000).map { _ in random.next() }
        // 10,000 draws of 64 bits collide with probability about 3e-12; a block handed out twice,
        // or a block left unfilled (zeros), would repeat at once.
        #expect(Set(words).count == words.count)
        #expect(!words.contains(0))
    }

    @Test func aCopySharesTheBufferSoNoWordIsHandedOutTwice() {
        var original = BufferedSystemRandom()
        _ = original.next()
        var copy = original
        let fromCopy = (0..<100).map { _ in copy.next() }
        let fromOriginal = (0..<100).map { _ in original.next() }
        #expect(Set(fromCopy).isDisjoint(with: fromOriginal))
    }

    @Test func identifiersFromItAreWellFormed() {
        var random = BufferedSystemRandom()
        let branch = SIPIdentifiers.branch(using: &random)
        #expect(branch.hasPrefix("z9hG4bK") && branch.utf8.count == 23)
        #expect(Set((0..<1_000).map { _ in SIPIdentifiers.hex(count: 10, using: &random) }).count == 1_000)
    }
}
