import SIPCore
import Testing

@testable import SIPMedia

/// The parser and the writer against descriptions no peer meant to send: real offers with bytes
/// flipped, inserted, dropped and repeated. Whatever parses must write back to text that parses and
/// writes back to the same text (the writer puts kept lines in RFC 4566's order, so the first write
/// may reorder them; nothing after it may change); whatever does not must be a named error on a line
/// inside the description.
@Suite("SDP parser and writer on mutated descriptions")
struct SDPMutationTests {
    /// Bytes the grammar turns on (separators, line ends, type letters, digits), a control byte, a
    /// broken and a whole UTF-8 sequence, a combining mark.
    static let alphabet: [UInt8] =
        Array(" :/\r\n=\tav0123456789IPNcmtosr".utf8) + [0, 0x7F, 0xC3, 0xA9, 0xFF, 0x80, 0xCC, 0x81]

    static func mutate(_ seed: [UInt8], using random: inout SeededRandom) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let at = Int.random(in: 0..<max(1, bytes.count), using: &random)
            let end = min(bytes.count, at + Int.random(in: 1...40, using: &random))
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where !bytes.isEmpty: bytes[at] = alphabet.randomElement(using: &random)!
            case 1: bytes.insert(alphabet.randomElement(using: &random)!, at: min(at, bytes.count))
            case 2 where !bytes.isEmpty: bytes.remove(at: at)
            case 3 where !bytes.isEmpty: bytes.removeSubrange(at..<end)
            default:
                guard at < end else { continue }
                bytes.insert(contentsOf: bytes[at..<end], at: Int.random(in: 0...bytes.count, using: &random))
            }
        }
        return bytes
    }

    @Test func whatParsesWritesBackAndWhatDoesNotIsANamedError() async throws {
        let seeds = [
            SDPParsingTests.asteriskOffer, SDPParsingTests.sippOffer, SDPParsingTests.kamailioRelayedOffer,
            SDPParsingTests.everything,
        ].map { Array($0.utf8) }
        var random = SeededRandom(seed: 0x5D9)  // seeded: a failure names a case that reproduces
        var accepted = 0
        var refused = 0
        for n in 0..<20_000 {
            // A second of CPU in a debug build: Swift's pool (two threads here) runs other tests' work
            // between these turns instead of waiting for the end.
            if n % 500 == 0 { await Task.yield() }
            let bytes = Self.mutate(seeds[n % seeds.count], using: &random)
            let lineCount = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
            do {
                let parsed = try SessionDescription(parsing: bytes)
                accepted += 1
                let text = parsed.text
                guard try SessionDescription(parsing: text).text == text else {
                    Issue.record(
                        "case \(n) changed when written back: \(String(decoding: bytes, as: UTF8.self).debugDescription)"
                    )
                    return
                }
            } catch {
                refused += 1
                if let line = error.line, !(1...lineCount).contains(line) {
                    Issue.record("case \(n): \(error) names a line outside 1…\(lineCount)")
                    return
                }
            }
        }
        // Both outcomes are exercised, not only one: the mutations are neither all harmless nor all fatal.
        #expect(accepted > 1_000)
        #expect(refused > 1_000)
    }
}
