/// The actions one event produced, in the order the driver performs them.
///
/// Stored inline (no heap allocation) because every request and response of the endpoint goes
/// through a transaction machine. No event of RFC 3261 §17 needs more than five actions (client
/// INVITE getting a 3xx–6xx on UDP: cancel A, cancel B, send ACK, pass response, schedule D).
package struct TransactionActions: RandomAccessCollection, Hashable, Sendable, ExpressibleByArrayLiteral,
    CustomStringConvertible
{
    /// How many actions fit. One more than any event needs.
    package static let capacity = 6

    private var storage: InlineArray<6, TransactionAction?>
    package private(set) var count: Int

    package init() {
        storage = InlineArray(repeating: nil)
        count = 0
    }

    package init(arrayLiteral elements: TransactionAction...) {
        self.init()
        for element in elements { append(element) }
    }

    package var startIndex: Int { 0 }
    package var endIndex: Int { count }

    package subscript(position: Int) -> TransactionAction {
        // Only the machines append, and never beyond `capacity` (the tests cover the longest
        // action lists), so a slot below `count` always holds an action.
        storage[position] ?? .terminated
    }

    /// Appends an action. The machines never exceed ``capacity``; an overflow is a bug in a
    /// machine, not something input can cause, and traps in debug builds.
    mutating func append(_ action: TransactionAction) {
        assert(count < Self.capacity, "TransactionActions overflow: a machine emitted too many actions")
        guard count < Self.capacity else { return }
        storage[count] = action
        count += 1
    }

    package static func == (lhs: TransactionActions, rhs: TransactionActions) -> Bool {
        lhs.elementsEqual(rhs)
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for action in self { hasher.combine(action) }
    }

    package var description: String { "\(Array(self))" }
}
