import NIOCore
import NIOEmbedded
import Testing

@testable import SIPTransaction

/// The one timer queue of every driver, on a virtual clock: deadline order, arming order on ties,
/// nothing early, cancelling by handle, one NIO task however many timers.
@Suite struct LoopTimerQueueTests {
    /// A queue on an embedded loop that records what fired and when (in virtual nanoseconds from the start).
    final class Harness {
        let loop = EmbeddedEventLoop()
        let queue: LoopTimerQueue<String>
        var fired: [(owner: String, at: Int64)] = []
        let start: NIODeadline

        init(granularity: TimeAmount = .zero) {
            queue = LoopTimerQueue(eventLoop: loop, granularity: granularity)
            start = loop.now
            queue.onFire = { [unowned self] owner in
                self.fired.append((owner, (self.loop.now - self.start).nanoseconds))
            }
        }

        func at(_ milliseconds: Int64) -> NIODeadline { start + .milliseconds(milliseconds) }
        func advance(to milliseconds: Int64) { loop.advanceTime(to: at(milliseconds)) }
        var owners: [String] { fired.map(\.owner) }
    }

    @Test func firesInDeadlineOrderAndNothingBeforeItsTime() {
        let h = Harness()
        h.queue.schedule("j", at: h.at(32_000))
        h.queue.schedule("f", at: h.at(4_000))
        h.queue.schedule("e", at: h.at(500))
        #expect(h.queue.count == 3)
        h.advance(to: 499)
        #expect(h.fired.isEmpty)
        h.advance(to: 500)
        #expect(h.owners == ["e"])
        #expect(h.fired.first?.at == TimeAmount.milliseconds(500).nanoseconds)
        h.advance(to: 5_000)
        #expect(h.owners == ["e", "f"])
        h.advance(to: 32_000)
        #expect(h.owners == ["e", "f", "j"])
        #expect(h.queue.count == 0 && h.queue.heapCount == 0)
    }

    @Test func equalDeadlinesFireInArmingOrder() {
        let h = Harness()
        for owner in ["a", "b", "c", "d", "e"] { h.queue.schedule(owner, at: h.at(100)) }
        h.advance(to: 100)
        #expect(h.owners == ["a", "b", "c", "d", "e"])
    }

    @Test func aCancelledTimerNeverFiresAndItsHandleStaysHarmless() {
        let h = Harness()
        let e = h.queue.schedule("e", at: h.at(500))
        let f = h.queue.schedule("f", at: h.at(600))
        h.queue.cancel(e)
        h.queue.cancel(e)
        h.queue.cancel(0)
        #expect(h.queue.count == 1)
        h.advance(to: 1_000)
        #expect(h.owners == ["f"])
        // `e`'s and `f`'s slots are reused; their old handles must not cancel the new timers there.
        h.queue.schedule("g", at: h.at(1_500))
        h.queue.schedule("h", at: h.at(1_600))
        h.queue.cancel(e)
        h.queue.cancel(f)
        h.advance(to: 2_000)
        #expect(h.owners == ["f", "g", "h"])
    }

    @Test func oneOwnerPerKeyReplacesItsEarlierDeadline() {
        let h = Harness()
        var handles: [String: LoopTimerQueue<String>.Handle] = [:]
        h.queue.schedule("probe", at: h.at(100), handles: &handles)
        h.queue.schedule("probe", at: h.at(300), handles: &handles)
        #expect(h.queue.count == 1)
        h.advance(to: 200)
        #expect(h.fired.isEmpty)
        h.advance(to: 300)
        #expect(h.owners == ["probe"])
        h.queue.schedule("retry", at: h.at(400), handles: &handles)
        h.queue.cancel("retry", handles: &handles)
        h.advance(to: 500)
        #expect(h.owners == ["probe"] && h.queue.count == 0 && handles["retry"] == nil)
    }

    /// Found by the Kamailio lab: connection 1's probe, due a millisecond after connection 0's, waited
    /// a whole probe interval because connection 0's callback re-armed the queue for one interval on.
    @Test func anEntryDueJustAfterOneThatReschedulesItselfStillFiresOnTime() {
        let h = Harness()
        h.queue.onFire = { [unowned h] owner in
            h.fired.append((owner, (h.loop.now - h.start).nanoseconds))
            if owner == "probe 0" { h.queue.schedule("probe 0", at: h.loop.now + .seconds(10)) }
        }
        h.queue.schedule("probe 0", at: h.at(50))
        h.queue.schedule("probe 1", at: h.at(52))
        h.advance(to: 52)
        #expect(h.owners == ["probe 0", "probe 1"])
        #expect(h.fired.last?.at == TimeAmount.milliseconds(52).nanoseconds)
    }

    @Test func aTimerArmedWhileFiringForAPastDeadlineFiresInTheSamePass() {
        let h = Harness()
        h.queue.onFire = { [unowned h] owner in
            h.fired.append((owner, (h.loop.now - h.start).nanoseconds))
            if owner == "first" { h.queue.schedule("now", at: h.loop.now) }
        }
        h.queue.schedule("first", at: h.at(10))
        h.advance(to: 10)
        #expect(h.owners == ["first", "now"])
    }

    @Test func dueTimersAreServedAtMostOncePerGranularity() {
        let h = Harness(granularity: .milliseconds(5))
        h.queue.schedule("a", at: h.at(10))
        h.queue.schedule("b", at: h.at(11))
        h.advance(to: 11)
        // "a" woke the loop at 10 ms; "b" waits for the next batch, 5 ms later.
        #expect(h.owners == ["a"])
        h.advance(to: 15)
        #expect(h.owners == ["a", "b"])
        #expect(h.fired.last?.at == TimeAmount.milliseconds(15).nanoseconds)
    }

    @Test func cancelAllForgetsEverything() {
        let h = Harness()
        for i in 0..<100 { h.queue.schedule("t\(i)", at: h.at(Int64(i + 1))) }
        h.queue.cancelAll()
        #expect(h.queue.count == 0 && h.queue.heapCount == 0)
        h.advance(to: 1_000)
        #expect(h.fired.isEmpty)
        h.queue.schedule("after", at: h.at(1_001))
        h.advance(to: 1_001)
        #expect(h.owners == ["after"])
    }

    @Test func manyRandomDeadlinesFireSortedWithCancelledOnesLeftOut() {
        let h = Harness()
        var generator = SystemRandomNumberGenerator()
        var expected: [(Int64, Int)] = []
        for i in 0..<3_000 {
            let ms = Int64.random(in: 1..<10_000, using: &generator)
            let handle = h.queue.schedule("\(i)", at: h.at(ms))
            if i % 3 == 0 { h.queue.cancel(handle) } else { expected.append((ms, i)) }
        }
        #expect(h.queue.count == expected.count)
        h.advance(to: 10_000)
        let order = expected.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }.map { "\($0.1)" }
        #expect(h.owners == order)
        #expect(zip(h.fired, h.fired.dropFirst()).allSatisfy { $0.at <= $1.at })
    }

    /// Timers of fixed durations armed over time, as a driver arms E, F, K and J (each kind in
    /// deadline order: the lanes), mixed with random ones (the heap), many cancelled: every live one
    /// fires at its deadline, in deadline order, arming order on ties.
    @Test func fixedDurationsArmedOverTimeFireInOrderThroughLanesAndHeap() {
        let h = Harness()
        var generator = SystemRandomNumberGenerator()
        var expected: [(deadline: Int64, order: Int, owner: String)] = []
        var order = 0
        func arm(_ owner: String, at ms: Int64, cancel: Bool) {
            let handle = h.queue.schedule(owner, at: h.at(ms))
            order += 1
            if cancel { h.queue.cancel(handle) } else { expected.append((ms, order, owner)) }
        }
        for now in Int64(0)..<2_000 {
            h.advance(to: now)
            arm("E\(now)", at: now + 500, cancel: now % 4 != 0)
            arm("F\(now)", at: now + 32_000, cancel: now % 4 != 0)
            arm("K\(now)", at: now + 5_000, cancel: false)
            arm("J\(now)", at: now + 32_000, cancel: now % 7 == 0)
            if now % 3 == 0 {
                arm("R\(now)", at: now + Int64.random(in: 1..<40_000, using: &generator), cancel: now % 2 == 0)
            }
        }
        h.advance(to: 80_000)
        let sorted = expected.sorted { ($0.deadline, $0.order) < ($1.deadline, $1.order) }
        #expect(h.owners == sorted.map(\.owner))
        #expect(h.fired.map(\.at) == sorted.map { TimeAmount.milliseconds($0.deadline).nanoseconds })
        #expect(h.queue.count == 0 && h.queue.heapCount == 0)
    }

    @Test func armedTimersHoldOneHandlePerTimer() {
        var armed = ArmedTimers()
        #expect(TransactionTimer.allCases.count <= 12, "ArmedTimers has one slot per timer")
        for timer in TransactionTimer.allCases { #expect(armed[timer] == 0) }
        armed[.e] = 7
        armed[.f] = 8
        #expect(armed[.e] == 7 && armed[.f] == 8 && armed[.j] == 0)
        var all: [UInt64] = []
        armed.forEachArmed { all.append($0) }
        #expect(all.sorted() == [7, 8])
        armed.removeAll()
        #expect(armed[.e] == 0)
    }

    /// A burst's arrays are let go once no timer is left; a handle from before the burst stays stale
    /// for the timer that reuses its slot afterwards.
    @Test func anIdleQueueLetsGoOfItsBurstAndOldHandlesStayStale() {
        let h = Harness()
        var old: [LoopTimerQueue<String>.Handle] = []
        for i in 0..<500 { old.append(h.queue.schedule("burst \(i)", at: h.at(100))) }
        h.advance(to: 100)
        #expect(h.fired.count == 500)
        #expect(h.queue.count == 0 && h.queue.heapCount == 0)
        let later = h.queue.schedule("later", at: h.at(200))
        for handle in old { h.queue.cancel(handle) }
        #expect(h.queue.count == 1, "no handle of the burst names the timer in its old slot")
        h.advance(to: 200)
        #expect(h.owners.last == "later")
        h.queue.cancel(later)
        #expect(h.queue.count == 0)
    }
}
