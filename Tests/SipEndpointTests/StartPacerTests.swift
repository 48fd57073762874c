import Testing

@testable import SipEndpoint

/// The start-up window per site: a value with ids in and ids out, no clock.
@Suite("StartPacer")
struct StartPacerTests {
    @Test func aSiteHasAtMostWindowFirstRegistrationsInFlight() {
        var pacer = StartPacer<String>(window: 2)
        #expect(pacer.enqueue(0, site: "a") == [0])
        #expect(pacer.enqueue(1, site: "a") == [1])
        #expect(pacer.enqueue(2, site: "a") == [])
        #expect(pacer.enqueue(3, site: "a") == [])
        #expect(pacer.waiting == 2)
        // Each settled registration lets the next in line start, in order.
        #expect(pacer.settled(1, answered: true) == [2])
        #expect(pacer.settled(0, answered: true) == [3])
        #expect(pacer.waiting == 0)
        #expect(pacer.settled(7, answered: true) == [])  // never started: nothing to free
    }

    @Test func sitesArePacedApart() {
        var pacer = StartPacer<String>(window: 1)
        #expect(pacer.enqueue(0, site: "a") == [0])
        #expect(pacer.enqueue(1, site: "a") == [])
        // Site A's full window never holds site B back: trouble on one site never delays another.
        #expect(pacer.enqueue(2, site: "b") == [2])
        #expect(pacer.settled(2, answered: true) == [])
        #expect(pacer.settled(0, answered: true) == [1])
    }

    @Test func aSiteThatDoesNotAnswerIsNoLongerPaced() {
        var pacer = StartPacer<String>(window: 1)
        #expect(pacer.enqueue(0, site: "a") == [0])
        for id in 1...3 { #expect(pacer.enqueue(id, site: "a") == []) }
        // A timeout: the rest start at once and fail within one transaction timeout, not one by one.
        #expect(pacer.settled(0, answered: false) == [1, 2, 3])
        #expect(pacer.enqueue(4, site: "a") == [4])
    }

    @Test func aDisabledConnectionLeavesTheQueueOrFreesItsPlace() {
        var pacer = StartPacer<String>(window: 1)
        #expect(pacer.enqueue(0, site: "a") == [0])
        #expect(pacer.enqueue(1, site: "a") == [])
        #expect(pacer.enqueue(2, site: "a") == [])
        #expect(pacer.forget(1) == [])
        #expect(pacer.waiting == 1)
        #expect(pacer.forget(0) == [2])
    }

    @Test func aLongQueueDrainsInOrder() {
        var pacer = StartPacer<Int>(window: 3)
        var started: [Int] = []
        for id in 0..<10_000 { started += pacer.enqueue(id, site: 0) }
        var next = 0
        while next < started.count {
            started += pacer.settled(started[next], answered: true)
            next += 1
        }
        #expect(started == Array(0..<10_000))
        #expect(pacer.waiting == 0)
    }
}
