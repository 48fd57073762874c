import SIPCore
import Testing

@testable import SIPTransport

@Suite("RFC 2782 SRV ordering")
struct SRVOrderingTests {
    @Test("lower priority always comes first, whatever the weights")
    func priorityAscending() {
        let records = [
            SRVRecord(priority: 20, weight: 100, port: 5060, target: "c.example"),
            SRVRecord(priority: 10, weight: 1, port: 5060, target: "a.example"),
            SRVRecord(priority: 30, weight: 0, port: 5060, target: "d.example"),
            SRVRecord(priority: 10, weight: 1, port: 5060, target: "b.example"),
        ]
        var random = SeededRandom(seed: 1)
        for _ in 0..<200 {
            let ordered = SRVOrdering.ordered(records, using: &random)
            #expect(ordered.map(\.priority) == [10, 10, 20, 30])
            #expect(Set(ordered.prefix(2).map(\.target)) == ["a.example", "b.example"])
        }
    }

    @Test("within a priority, the first pick follows the weights (seeded draw)")
    func weightedDistribution() {
        let records = [
            SRVRecord(priority: 10, weight: 60, port: 5060, target: "heavy.example"),
            SRVRecord(priority: 10, weight: 30, port: 5060, target: "medium.example"),
            SRVRecord(priority: 10, weight: 10, port: 5060, target: "light.example"),
        ]
        var random = SeededRandom(seed: 42)
        var firsts: [String: Int] = [:]
        let draws = 20_000
        for _ in 0..<draws {
            firsts[SRVOrdering.ordered(records, using: &random)[0].target, default: 0] += 1
        }
        // Expected share: weight / (sum + 1) for the first record in the running sum (it also wins
        // the draw of 0), weight / (sum + 1) for the others: 61/101, 30/101, 10/101.
        let heavy = Double(firsts["heavy.example", default: 0]) / Double(draws)
        let medium = Double(firsts["medium.example", default: 0]) / Double(draws)
        let light = Double(firsts["light.example", default: 0]) / Double(draws)
        #expect(abs(heavy - 61.0 / 101) < 0.02)
        #expect(abs(medium - 30.0 / 101) < 0.02)
        #expect(abs(light - 10.0 / 101) < 0.02)
    }

    @Test("the same seed gives the same order")
    func deterministicWithSeed() {
        let records = (0..<6).map { SRVRecord(priority: 1, weight: UInt16($0 * 10 + 5), port: 5060, target: "h\($0)") }
        var first = SeededRandom(seed: 7)
        var second = SeededRandom(seed: 7)
        #expect(SRVOrdering.ordered(records, using: &first) == SRVOrdering.ordered(records, using: &second))
    }

    @Test("weight 0 is placed first in the running sum: chosen first only when the draw is 0")
    func weightZero() {
        let records = [
            SRVRecord(priority: 10, weight: 9, port: 5060, target: "weighted.example"),
            SRVRecord(priority: 10, weight: 0, port: 5060, target: "zero.example"),
        ]
        var random = SeededRandom(seed: 3)
        var zeroFirst = 0
        let draws = 20_000
        for _ in 0..<draws {
            let ordered = SRVOrdering.ordered(records, using: &random)
            #expect(ordered.count == 2)
            if ordered[0].target == "zero.example" { zeroFirst += 1 }
        }
        // The draw is uniform over 0...9, so the zero-weight record leads 1 time in 10.
        let share = Double(zeroFirst) / Double(draws)
        #expect(zeroFirst > 0)
        #expect(abs(share - 0.1) < 0.015)
    }

    @Test("all weights 0: every record is still returned once")
    func allZero() {
        let records = (0..<4).map { SRVRecord(priority: 5, weight: 0, port: 5060, target: "z\($0)") }
        var random = SeededRandom(seed: 9)
        let ordered = SRVOrdering.ordered(records, using: &random)
        #expect(Set(ordered.map(\.target)) == Set(records.map(\.target)))
        #expect(ordered.count == 4)
    }

    @Test("a target of \".\" is dropped: the service is decidedly not available there")
    func dotTarget() {
        var random = SeededRandom(seed: 1)
        #expect(SRVOrdering.ordered([SRVRecord(priority: 0, weight: 0, port: 0, target: ".")], using: &random).isEmpty)
    }
}
