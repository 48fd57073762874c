/// The targets of one location, handed out one at a time: the first try, then the next one after
/// each failure (RFC 3263 §4.3: after a transport error or timeout, go on to the next element).
package struct ServerTargetList: Sendable, Hashable, Sequence, IteratorProtocol {
    /// Every target, in the order they are to be tried.
    package let targets: [ServerTarget]
    private var position = 0

    package init(_ targets: [ServerTarget]) {
        self.targets = targets
    }

    /// The next target to try, or `nil` when all have been tried.
    package mutating func next() -> ServerTarget? {
        guard position < targets.count else { return nil }
        defer { position += 1 }
        return targets[position]
    }

    /// How many targets are still untried.
    package var remaining: Int { targets.count - position }
}
