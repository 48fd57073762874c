import Synchronization

/// Fans events out to any number of subscribers, each an `AsyncStream` that gets every event from the
/// moment it subscribed (DESIGN.md §3). Each subscriber has its own bounded buffer: a consumer that falls
/// behind loses its oldest events, never the producer's time or memory.
package final class EventBroadcaster<Event: Sendable>: Sendable {
    private struct State: ~Copyable {
        var nextID = 0
        var subscribers: [Int: AsyncStream<Event>.Continuation] = [:]
        var finished = false
    }

    private let state = Mutex(State())
    /// Events kept for a subscriber that is not keeping up. Default: 1024.
    package let bufferSize: Int

    package init(bufferSize: Int = 1024) {
        self.bufferSize = bufferSize
    }

    /// A stream of every event from now on; it ends when the broadcaster finishes.
    package func subscribe() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        let id: Int? = state.withLock { s in
            guard !s.finished else { return nil }
            let id = s.nextID
            s.nextID += 1
            s.subscribers[id] = continuation
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    package func yield(_ event: Event) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for s in subscribers { s.yield(event) }
    }

    /// Ends every stream; later subscribers get a stream that is already finished.
    package func finish() {
        let subscribers = state.withLock { s -> [AsyncStream<Event>.Continuation] in
            s.finished = true
            defer { s.subscribers.removeAll() }
            return Array(s.subscribers.values)
        }
        for s in subscribers { s.finish() }
    }

    package var subscriberCount: Int { state.withLock { $0.subscribers.count } }
}
