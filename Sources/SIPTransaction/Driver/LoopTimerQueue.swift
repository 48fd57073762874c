import NIOCore

/// Every armed timer of one driver — transactions, registrations, sessions — in deadline order, served
/// by a single NIO scheduled task for the earliest deadline.
///
/// Why not one `EventLoop.scheduleTask` per timer: a non-INVITE server transaction on UDP keeps
/// Timer J alive 64·T1 = 32 s (RFC 3261 §17.2.2), so at 20,000 transactions a second some 640,000
/// timers are pending, and NIO cancels a scheduled task by a linear search of its queue; scheduling
/// 20,000 NIO tasks in one tick stalled a loop for about 40 ms. Here arming is a heap insert and
/// cancelling is O(1): ``cancel(_:)`` forgets the timer's owner and leaves its heap node, which is
/// dropped when it comes due. Stale nodes therefore live at most as long as the timer they stood for.
///
/// The heap holds plain bytes (deadline, arming order, slot); owners wait in a side array, so sifting
/// moves no references. Most timers need no heap at all: a driver arms each kind with one duration
/// (Timer J 64·T1, K T4, F 64·T1…), so the deadlines of one kind come in order. A timer whose
/// deadline is no earlier than the last one of a *lane* (a FIFO, at most ``laneLimit``) is appended
/// there, to the lane whose last deadline is the latest that fits; only the others go to the heap.
/// The earliest timer is the earliest of the heap's top and the lanes' heads. With 65,000 completed
/// transactions a heap of some 200,000 nodes was sifted on every arming and every due timer (cache
/// misses on each level, ≈ 3 % of a transaction's CPU). A ``Handle`` names a slot and the generation of its use, so a handle kept after
/// its timer fired or was cancelled never touches a later timer in the same slot.
///
/// Time comes from `eventLoop.now`, so a `EmbeddedEventLoop` or `NIOAsyncTestingEventLoop` drives it
/// with a virtual clock. Loop-confined: every method must be called on `eventLoop`; ``onFire`` runs there.
package final class LoopTimerQueue<Owner>: @unchecked Sendable {
    // @unchecked: every field is touched only on `eventLoop`.

    /// Names one arming: nonzero; stale once its timer fired or was cancelled.
    package typealias Handle = UInt64

    package let eventLoop: any EventLoop
    /// Called on the loop for each due timer, in deadline order (arming order on equal deadlines).
    /// It may arm and cancel timers; one armed for a deadline already past fires in the same pass.
    package var onFire: ((Owner) -> Void)?

    private struct Node {
        var deadline: NIODeadline
        var order: UInt64
        var slot: UInt32
    }

    // `@exclusivity(unchecked)`: the queue is confined to its loop and never hands out access to
    // these arrays across a call that could reach the queue again, so the run-time check (a
    // thread-local access set, on every schedule, sift and pop) guards nothing; it was about 3 %
    // of a transaction's instructions with the driver's tables below.
    @exclusivity(unchecked) private var heap: [Node] = []
    /// FIFOs of nodes in (deadline, arming order) order; see the type's comment.
    @exclusivity(unchecked) private var lanes: [CircularBuffer<Node>] = []
    /// How many lanes at most: one per timer duration a driver uses, and a spare.
    static var laneLimit: Int { 6 }
    @exclusivity(unchecked) private var owners: [Owner?] = []
    /// The generation of each slot's current use; bumped when the slot is freed.
    @exclusivity(unchecked) private var generations: [UInt32] = []
    @exclusivity(unchecked) private var freeSlots: [UInt32] = []
    @exclusivity(unchecked) private var armings: UInt64 = 0
    @exclusivity(unchecked) private var live = 0
    private let granularity: TimeAmount
    @exclusivity(unchecked) private var wake: (deadline: NIODeadline, task: Scheduled<Void>)?
    @exclusivity(unchecked) private var isFiring = false

    /// - Parameter granularity: due timers are served in batches at most this often. SIP's shortest
    ///   timer is T1 (500 ms by default), so a millisecond late costs nothing, while waking for every
    ///   stale node would. Default: zero (wake exactly at each earliest deadline).
    package init(eventLoop: any EventLoop, granularity: TimeAmount = .zero) {
        self.eventLoop = eventLoop
        self.granularity = granularity
    }

    /// How many timers are armed (cancelled and fired ones not counted).
    package var count: Int { live }

    /// How many nodes the heap and the lanes hold, stale ones included (for tests of the memory bound).
    package var heapCount: Int { lanes.reduce(heap.count) { $0 + $1.count } }

    /// Arms a timer for `owner` at `deadline` and returns its handle.
    @discardableResult
    package func schedule(_ owner: Owner, at deadline: NIODeadline) -> Handle {
        armings &+= 1
        let slot: UInt32
        if let free = freeSlots.popLast() {
            slot = free
            owners[Int(slot)] = owner
        } else {
            slot = UInt32(owners.count)
            owners.append(owner)
            // A slot used before the arrays were let go (``letGoWhenIdle()``) keeps its generation.
            if generations.count == owners.count - 1 { generations.append(1) }
        }
        live += 1
        let node = Node(deadline: deadline, order: armings, slot: slot)
        if let lane = lane(for: deadline) {
            lanes[lane].append(node)
        } else {
            heap.append(node)
            siftUp(heap.count - 1)
        }
        if !isFiring, wake.map({ deadline < $0.deadline }) ?? true { wake(at: deadline) }
        return UInt64(generations[Int(slot)]) << 32 | UInt64(slot)
    }

    /// Disarms the timer `handle` names; nothing happens when it already fired or was cancelled, or
    /// for 0.
    package func cancel(_ handle: Handle) {
        let slot = Int(handle & 0xFFFF_FFFF)
        guard handle != 0, slot < owners.count, generations[slot] == UInt32(handle >> 32), owners[slot] != nil
        else { return }
        owners[slot] = nil
        live -= 1
    }

    /// Disarms every timer (the driver is shutting down).
    package func cancelAll() {
        wake?.task.cancel()
        wake = nil
        heap.removeAll()
        lanes.removeAll()
        freeSlots.removeAll()
        for slot in owners.indices {
            owners[slot] = nil
            generations[slot] &+= 1
            freeSlots.append(UInt32(slot))
        }
        live = 0
    }

    // MARK: Serving

    private func wake(at deadline: NIODeadline) {
        wake?.task.cancel()
        let task = eventLoop.scheduleTask(deadline: deadline) { [weak self] () -> Void in self?.fireDue() }
        wake = (deadline, task)
    }

    /// Fires every live timer that is due, then sleeps until the earliest live deadline.
    private func fireDue() {
        wake = nil
        isFiring = true
        let now = eventLoop.now
        while let first = earliest(), first.node.deadline <= now {
            removeEarliest(first.lane)
            let slot = Int(first.node.slot)
            let owner = owners[slot].take()
            release(slot)
            guard let owner else { continue }
            live -= 1
            onFire?(owner)
        }
        // Stale nodes at the top would wake the loop for nothing.
        while let first = earliest(), owners[Int(first.node.slot)] == nil {
            removeEarliest(first.lane)
            release(Int(first.node.slot))
        }
        isFiring = false
        if let next = earliest()?.node.deadline { wake(at: max(next, now + granularity)) } else { letGoWhenIdle() }
    }

    /// With no timer left, the heap and the slots are let go: a start-up burst sized them for its peak
    /// (tens of thousands of transactions), and they would stay that size for the driver's life. The
    /// generations stay (4 bytes a slot), so a handle kept from before never names a later timer.
    private func letGoWhenIdle() {
        guard heap.isEmpty, lanes.allSatisfy(\.isEmpty), owners.count > 64 else { return }
        heap = []
        lanes = []
        owners = []
        freeSlots = []
    }

    private func release(_ slot: Int) {
        generations[slot] &+= 1
        if generations[slot] == 0 { generations[slot] = 1 }
        freeSlots.append(UInt32(slot))
    }

    /// The lane a timer due at `deadline` joins: the one whose last deadline is the latest not after
    /// it, else an empty one, else a new one while there are fewer than ``laneLimit``; nil: the heap.
    private func lane(for deadline: NIODeadline) -> Int? {
        var best: Int?
        var bestLast: NIODeadline?
        var empty: Int?
        for index in lanes.indices {
            guard let last = lanes[index].last else {
                if empty == nil { empty = index }
                continue
            }
            if last.deadline <= deadline, bestLast.map({ last.deadline > $0 }) ?? true {
                (best, bestLast) = (index, last.deadline)
            }
        }
        if let best { return best }
        if let empty { return empty }
        guard lanes.count < Self.laneLimit else { return nil }
        lanes.append(CircularBuffer(initialCapacity: 16))
        return lanes.count - 1
    }

    /// The earliest node (deadline, then arming order) and where it is: a lane's index, or nil for
    /// the heap.
    private func earliest() -> (node: Node, lane: Int?)? {
        var found: (node: Node, lane: Int?)? = heap.first.map { ($0, nil) }
        for index in lanes.indices {
            guard let head = lanes[index].first else { continue }
            if found.map({ Self.precedes(head, $0.node) }) ?? true { found = (head, index) }
        }
        return found
    }

    private func removeEarliest(_ lane: Int?) {
        if let lane {
            lanes[lane].removeFirst()
        } else {
            popFirst()
        }
    }

    private func popFirst() {
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
    }

    /// Earlier deadline first; equal deadlines in arming order, so timers armed by one event for
    /// the same instant fire in the order the machine listed them.
    private static func precedes(_ a: Node, _ b: Node) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.order < b.order)
    }

    private func siftUp(_ index: Int) {
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

    private func siftDown(_ index: Int) {
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

/// One timer per owner (a binding's or a session's timer kind): the caller keeps the handles by owner.
extension LoopTimerQueue where Owner: Hashable {
    /// Arms `owner`'s timer for `deadline`, disarming the one `handles` held for it.
    package func schedule(_ owner: Owner, at deadline: NIODeadline, handles: inout [Owner: Handle]) {
        if let earlier = handles[owner] { cancel(earlier) }
        handles[owner] = schedule(owner, at: deadline)
    }

    /// Disarms `owner`'s timer, if `handles` holds one.
    package func cancel(_ owner: Owner, handles: inout [Owner: Handle]) {
        if let handle = handles.removeValue(forKey: owner) { cancel(handle) }
    }
}

/// The handle of the arming a driver entry still wants, per timer; zero means "not armed". Stored
/// inline in each transaction entry: a transaction has at most a few timers, and this costs no allocation.
struct ArmedTimers {
    private var handles = InlineArray<12, UInt64>(repeating: 0)

    subscript(timer: TransactionTimer) -> UInt64 {
        get { handles[Int(timer.rawValue)] }
        set { handles[Int(timer.rawValue)] = newValue }
    }

    /// Calls `body` with every nonzero handle (to cancel them all when the transaction ends).
    func forEachArmed(_ body: (UInt64) -> Void) {
        for index in handles.indices where handles[index] != 0 { body(handles[index]) }
    }

    mutating func removeAll() { handles = InlineArray(repeating: 0) }
}
