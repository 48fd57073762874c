import HeapModule
import NIOCore

/// Many logical timers on one event loop behind a single NIO timer.
///
/// Scheduling 20,000 NIO tasks in one tick stalled a loop for about 40 ms; here a timer is
/// a heap insert, and only the earliest deadline is armed with NIO. Rescheduling or cancelling a
/// token leaves its old heap entry behind; the entry's generation tells the queue to skip it when it
/// comes up (lazy deletion), so neither operation searches the heap.
///
/// Loop-confined: every method must be called on `eventLoop`; `onFire` runs there.
package final class LoopTimerQueue<Token: Hashable & Sendable>: @unchecked Sendable {
    private struct Entry: Comparable {
        var deadline: NIODeadline
        var sequence: UInt64
        var token: Token
        var generation: UInt64

        static func < (a: Entry, b: Entry) -> Bool {
            a.deadline != b.deadline ? a.deadline < b.deadline : a.sequence < b.sequence
        }
        static func == (a: Entry, b: Entry) -> Bool { a.deadline == b.deadline && a.sequence == b.sequence }
    }

    package let eventLoop: any EventLoop
    /// Called for each due token, in deadline order.
    package var onFire: ((Token) -> Void)?

    private var heap = Heap<Entry>()
    private var live: [Token: UInt64] = [:]
    private var sequence: UInt64 = 0
    private var armed: (deadline: NIODeadline, task: Scheduled<Void>)?

    package init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// How many timers are pending.
    package var count: Int { live.count }

    /// Arms `token` for `deadline`, replacing its earlier deadline if it had one.
    package func schedule(_ token: Token, at deadline: NIODeadline) {
        sequence &+= 1
        live[token] = sequence
        heap.insert(Entry(deadline: deadline, sequence: sequence, token: token, generation: sequence))
        if armed.map({ deadline < $0.deadline }) ?? true { arm(deadline) }
    }

    package func cancel(_ token: Token) {
        live[token] = nil
    }

    package func cancelAll() {
        live.removeAll()
        heap = Heap()
        armed?.task.cancel()
        armed = nil
    }

    private func arm(_ deadline: NIODeadline) {
        armed?.task.cancel()
        let task = eventLoop.scheduleTask(deadline: deadline) { [weak self] () -> Void in self?.fireDue() }
        armed = (deadline, task)
    }

    private func fireDue() {
        armed = nil
        let now = self.eventLoop.now
        while let first = heap.min, first.deadline <= now {
            _ = heap.popMin()
            guard live[first.token] == first.generation else { continue }
            live[first.token] = nil
            onFire?(first.token)
        }
        // Drop cancelled entries at the top so the next arm is for a live timer.
        while let first = heap.min, live[first.token] != first.generation { _ = heap.popMin() }
        // A callback above may have armed a later deadline (a probe rescheduling itself one interval
        // on) while an entry due a moment after `now` is still waiting: arm for the earliest.
        if let next = heap.min, armed.map({ next.deadline < $0.deadline }) ?? true { arm(next.deadline) }
    }
}
