import NIOCore

/// Every armed timer of every transaction of one driver, in deadline order: a binary min-heap the
/// driver serves with a single NIO scheduled task for the earliest deadline.
///
/// Why not one `EventLoop.scheduleTask` per timer: a non-INVITE server transaction on UDP keeps
/// Timer J alive 64·T1 = 32 s (RFC 3261 §17.2.2), so at 20,000 transactions a second some 640,000
/// timers are pending, and NIO cancels a scheduled task by a linear search of its queue. Every
/// answered client transaction cancels Timers E and F, so cancellation must cost nothing: here it
/// is lazy. The driver remembers, per transaction and timer, the ``Ticket`` of the arming it still
/// wants; a cancelled or re-armed timer's item stays in the heap and is dropped when it comes due,
/// because its ticket no longer matches. Stale items therefore live at most as long as the timer
/// they stood for, which bounds the heap by the rate of arming times the longest timer.
///
/// A value with no I/O: ``push(_:at:)`` and ``popDue(now:)`` are all there is; time is an input.
struct TransactionTimerQueue<Owner> {
    /// Identifies one arming; never reused within a queue, never zero.
    typealias Ticket = UInt64

    struct Item {
        var deadline: NIODeadline
        var ticket: Ticket
        var owner: Owner
        var timer: TransactionTimer
    }

    /// A heap node holds no reference, so sifting moves plain bytes; its owner waits in `owners`.
    private struct Node {
        var deadline: NIODeadline
        var ticket: Ticket
        var slot: UInt32
        var timer: TransactionTimer
    }

    private var heap: [Node] = []
    private var owners: [Owner?] = []
    private var freeSlots: [UInt32] = []
    private var lastTicket: Ticket = 0

    /// How many items are in the heap, stale ones included.
    var count: Int { heap.count }

    /// The deadline of the earliest item, stale or not.
    var earliestDeadline: NIODeadline? { heap.first?.deadline }

    /// Arms `timer` of `owner` for `deadline`; the ticket tells this arming from any earlier one.
    mutating func push(_ timer: TransactionTimer, of owner: Owner, at deadline: NIODeadline) -> Ticket {
        lastTicket += 1
        let slot: UInt32
        if let free = freeSlots.popLast() {
            slot = free
            owners[Int(slot)] = owner
        } else {
            slot = UInt32(owners.count)
            owners.append(owner)
        }
        heap.append(Node(deadline: deadline, ticket: lastTicket, slot: slot, timer: timer))
        siftUp(heap.count - 1)
        return lastTicket
    }

    /// Removes and returns the earliest item whose deadline is at or before `now`.
    mutating func popDue(now: NIODeadline) -> Item? {
        guard let first = heap.first, first.deadline <= now else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        guard let owner = owners[Int(first.slot)].take() else { return nil }
        freeSlots.append(first.slot)
        return Item(deadline: first.deadline, ticket: first.ticket, owner: owner, timer: first.timer)
    }

    /// Forgets every item (the driver is shutting down).
    mutating func removeAll() {
        heap.removeAll()
        owners.removeAll()
        freeSlots.removeAll()
    }

    /// Earlier deadline first; equal deadlines in arming order, so timers armed by one event for
    /// the same instant fire in the order the machine listed them.
    private static func precedes(_ a: Node, _ b: Node) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.ticket < b.ticket)
    }

    private mutating func siftUp(_ index: Int) {
        let node = heap[index]
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(node, heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = node
    }

    private mutating func siftDown(_ index: Int) {
        let node = heap[index]
        let count = heap.count
        var parent = index
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            let right = left + 1
            let child = right < count && Self.precedes(heap[right], heap[left]) ? right : left
            guard Self.precedes(heap[child], node) else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = node
    }
}

/// The ticket of the arming a transaction still wants, per timer; zero means "not armed". Stored
/// inline in each driver entry: a transaction has at most a few timers, and this costs no allocation.
struct ArmedTimers {
    private var tickets = InlineArray<12, UInt64>(repeating: 0)

    subscript(timer: TransactionTimer) -> UInt64 {
        get { tickets[Int(timer.rawValue)] }
        set { tickets[Int(timer.rawValue)] = newValue }
    }

    mutating func removeAll() { tickets = InlineArray(repeating: 0) }
}
