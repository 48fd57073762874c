import NIOCore

/// Servers that recently failed, so the next location tries them last (RFC 3263 §4.3 leaves the
/// memory to the client; RFC 2782 only says which order to try working ones in). A value type with
/// time as an input.
///
/// A failed server is not dropped: when every server has failed, the least recently failed is still
/// worth a try, so failed ones keep their relative order at the back of the list.
package struct FailedTargets: Sendable {
    /// How long a failure sends a server to the back of the list. Default: 30 seconds.
    package var holdDuration: TimeAmount
    private var failedAt: [ServerTarget.Endpoint: NIODeadline] = [:]
    /// A hold the server asked for itself (a 503's Retry-After, RFC 3261 §21.5.4): longer than
    /// ``holdDuration`` and not ended by a success before it runs out.
    private var heldUntil: [ServerTarget.Endpoint: NIODeadline] = [:]

    package init(holdDuration: TimeAmount = .seconds(30)) {
        self.holdDuration = holdDuration
    }

    package mutating func markFailed(_ target: ServerTarget, now: NIODeadline) {
        failedAt[target.endpoint] = now
    }

    /// The server said it is unavailable for `retryAfter` (503 with Retry-After): failed at least
    /// that long, whatever answers it gives meanwhile.
    package mutating func markUnavailable(_ target: ServerTarget, retryAfter: TimeAmount, now: NIODeadline) {
        failedAt[target.endpoint] = now
        heldUntil[target.endpoint] = now + retryAfter
    }

    /// A request through it got an answer: it is good again at once (unless its own Retry-After runs).
    package mutating func markSucceeded(_ target: ServerTarget, now: NIODeadline = .now()) {
        if let until = heldUntil[target.endpoint], now < until { return }
        heldUntil[target.endpoint] = nil
        failedAt[target.endpoint] = nil
    }

    package func isFailed(_ target: ServerTarget, now: NIODeadline) -> Bool {
        if let until = heldUntil[target.endpoint], now < until { return true }
        guard let at = failedAt[target.endpoint] else { return false }
        return now < at + holdDuration
    }

    /// `targets` with the currently failed ones moved to the back, the longest-failed of them first;
    /// the others keep the order RFC 3263 gave them.
    package func reordered(_ targets: [ServerTarget], now: NIODeadline) -> [ServerTarget] {
        let healthy = targets.filter { !isFailed($0, now: now) }
        let failed = targets.enumerated()
            .filter { isFailed($0.element, now: now) }
            .sorted { lhs, rhs in
                let l = failedAt[lhs.element.endpoint] ?? now
                let r = failedAt[rhs.element.endpoint] ?? now
                return l == r ? lhs.offset < rhs.offset : l < r
            }
            .map(\.element)
        return healthy + failed
    }

    /// Forgets failures older than the hold, so the memory stays as small as the set of failing servers.
    package mutating func removeExpired(now: NIODeadline) {
        failedAt = failedAt.filter { now < $0.value + holdDuration || heldUntil[$0.key].map { now < $0 } == true }
        heldUntil = heldUntil.filter { now < $0.value }
    }
}
