import NIOCore
import Testing

@testable import SIPTransaction

/// The driver's one heap of timers: deadline order, arming order on ties, nothing early.
@Suite struct TransactionTimerQueueTests {
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test func popsInDeadlineOrderAndNothingBeforeItsTime() {
        var queue = TransactionTimerQueue<String>()
        _ = queue.push(.j, of: "j", at: t0 + .seconds(32))
        _ = queue.push(.f, of: "f", at: t0 + .seconds(4))
        _ = queue.push(.e, of: "e", at: t0 + .milliseconds(500))
        #expect(queue.earliestDeadline == t0 + .milliseconds(500))
        #expect(queue.popDue(now: t0 + .milliseconds(499)) == nil)
        #expect(queue.popDue(now: t0 + .seconds(5))?.owner == "e")
        #expect(queue.popDue(now: t0 + .seconds(5))?.owner == "f")
        #expect(queue.popDue(now: t0 + .seconds(5)) == nil)
        #expect(queue.popDue(now: t0 + .seconds(32))?.timer == .j)
        #expect(queue.count == 0)
    }

    @Test func equalDeadlinesFireInArmingOrderWithTheirTickets() {
        var queue = TransactionTimerQueue<Int>()
        let tickets = (0..<5).map { queue.push(.k, of: $0, at: t0) }
        #expect(Set(tickets).count == 5 && !tickets.contains(0))
        var popped: [(Int, UInt64)] = []
        while let item = queue.popDue(now: t0) { popped.append((item.owner, item.ticket)) }
        #expect(popped.map(\.0) == [0, 1, 2, 3, 4])
        #expect(popped.map(\.1) == tickets)
    }

    @Test func manyRandomDeadlinesComeOutSorted() {
        var queue = TransactionTimerQueue<Int>()
        var generator = SystemRandomNumberGenerator()
        var deadlines: [NIODeadline] = []
        for round in 0..<3 {
            for i in 0..<2_000 {
                let deadline = t0 + .milliseconds(Int64.random(in: 0..<10_000, using: &generator))
                deadlines.append(deadline)
                _ = queue.push(.j, of: round * 10_000 + i, at: deadline)
            }
            // Pop about half, so freed owner slots are reused by the next round.
            var last = NIODeadline.uptimeNanoseconds(0)
            while let item = queue.popDue(now: t0 + .seconds(5)) {
                #expect(item.deadline >= last)
                last = item.deadline
            }
        }
        var last = NIODeadline.uptimeNanoseconds(0)
        var rest = 0
        while let item = queue.popDue(now: .distantFuture) {
            #expect(item.deadline >= last)
            last = item.deadline
            rest += 1
        }
        #expect(rest == deadlines.filter { $0 > t0 + .seconds(5) }.count)
    }

    @Test func armedTimersHoldOneTicketPerTimer() {
        var armed = ArmedTimers()
        #expect(TransactionTimer.allCases.count <= 12, "ArmedTimers has one slot per timer")
        for timer in TransactionTimer.allCases { #expect(armed[timer] == 0) }
        armed[.e] = 7
        armed[.f] = 8
        #expect(armed[.e] == 7 && armed[.f] == 8 && armed[.j] == 0)
        armed.removeAll()
        #expect(armed[.e] == 0)
    }
}
