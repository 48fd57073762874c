import NIOCore
import Testing

@testable import SIPMedia

/// Which idle media port pairs a loop keeps and hands out, on a virtual clock.
@Suite("Media port pairs kept between calls: the rules")
struct MediaPortRulesTests {
    typealias Rules = MediaPortRules<Int>
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func idle(_ id: Int, port: Int? = nil, address: String = "127.0.0.1", at: TimeAmount) -> Rules.Idle {
        Rules.Idle(pair: id, address: address, rtpPort: port ?? 20_000 + 2 * id, releasedAt: start + at)
    }

    @Test func aPairRestsItsQuarantineBeforeTheNextCallTakesIt() {
        var rules = Rules(capacity: 4, quarantine: .milliseconds(250), idleLimit: .seconds(10))
        let kept = rules.release(Self.idle(1, at: .zero))
        #expect(kept)
        #expect(rules.restedCount(now: Self.start + .milliseconds(249)) == 0)
        #expect(rules.take(address: "127.0.0.1", range: nil, now: Self.start + .milliseconds(249)) == nil)
        #expect(rules.restedCount(now: Self.start + .milliseconds(250)) == 1)
        #expect(rules.take(address: "127.0.0.1", range: nil, now: Self.start + .milliseconds(250)) == 1)
        #expect(rules.take(address: "127.0.0.1", range: nil, now: Self.start + .seconds(1)) == nil, "taken once")
    }

    @Test func theOldestRestedPairGoesFirst() {
        var rules = Rules(capacity: 4, quarantine: .milliseconds(100), idleLimit: .seconds(10))
        for id in 1...3 { _ = rules.release(Self.idle(id, at: .milliseconds(Int64(10 * id)))) }
        let now = Self.start + .seconds(1)
        var taken: [Int?] = []
        for _ in 1...3 { taken.append(rules.take(address: "127.0.0.1", range: nil, now: now)) }
        #expect(taken == [1, 2, 3])
    }

    @Test func onlyPairsOnTheAddressAndInTheRangeAsked() {
        var rules = Rules(capacity: 8, quarantine: .zero, idleLimit: .seconds(10))
        _ = rules.release(Self.idle(1, address: "127.0.0.2", at: .zero))
        _ = rules.release(Self.idle(2, port: 30_000, at: .zero))
        _ = rules.release(Self.idle(3, port: 20_000, at: .zero))
        let now = Self.start + .seconds(1)
        // The RTCP port must fit too: 20,000-20,001 is in 20,000...20,001, 20,000 alone is not.
        #expect(rules.take(address: "127.0.0.1", range: 20_000...20_000, now: now) == nil)
        #expect(rules.take(address: "127.0.0.1", range: 20_000...20_001, now: now) == 3)
        #expect(rules.take(address: "127.0.0.1", range: nil, now: now) == 2)
        #expect(rules.take(address: "127.0.0.1", range: nil, now: now) == nil, "127.0.0.2's pair is not 127.0.0.1's")
        #expect(rules.take(address: "127.0.0.2", range: nil, now: now) == 1)
    }

    @Test func aFullPoolRefusesAndTheCallerCloses() {
        var rules = Rules(capacity: 2, quarantine: .zero, idleLimit: .seconds(10))
        let both = rules.release(Self.idle(1, at: .zero)) && rules.release(Self.idle(2, at: .zero))
        #expect(both)
        let third = rules.release(Self.idle(3, at: .zero))
        #expect(!third)
        #expect(rules.idle.map(\.pair) == [1, 2])
        var none = Rules(capacity: 0)
        let keptByNone = none.release(Self.idle(1, at: .zero))
        #expect(!keptByNone, "capacity 0 keeps nothing")
    }

    @Test func anExhaustedRangeTakesAPairThatHasNotRested() {
        var rules = Rules(capacity: 2, quarantine: .seconds(1), idleLimit: .seconds(10))
        _ = rules.release(Self.idle(1, at: .zero))
        #expect(rules.take(address: "127.0.0.1", range: nil, now: Self.start) == nil)
        #expect(rules.takeAny(address: "127.0.0.1", range: nil) == 1)
    }

    @Test func pairsIdleTooLongExpireOldestFirst() {
        var rules = Rules(capacity: 4, quarantine: .zero, idleLimit: .seconds(10))
        _ = rules.release(Self.idle(1, at: .zero))
        _ = rules.release(Self.idle(2, at: .seconds(4)))
        #expect(rules.nextExpiry == Self.start + .seconds(10))
        #expect(rules.expired(now: Self.start + .milliseconds(9_999)).isEmpty)
        #expect(rules.expired(now: Self.start + .seconds(10)) == [1])
        #expect(rules.nextExpiry == Self.start + .seconds(14))
        #expect(rules.expired(now: Self.start + .seconds(20)) == [2])
        #expect(rules.nextExpiry == nil && rules.idle.isEmpty)
    }
}
