import DequeModule
import Synchronization

/// Fans events out to any number of subscribers, each an `AsyncStream` that gets every event from the
/// moment it subscribed. Each subscriber has its own bounded buffer: a consumer that falls behind loses
/// its oldest unread events, never the producer's time or memory, and is told so in its stream.
///
/// Loss is never silent. When a subscriber's buffer is full and a new event arrives, the oldest unread
/// event is discarded and counted, and the subscriber reads the marker made by `dropped(n)`
/// (``SessionEvent/dropped(count:)``, ``ConnectionEvent/dropped(count:)``, ``PhoneEvent/dropped(count:)``)
/// standing exactly where the lost events stood: the `n` events that
/// were published after the last element the subscriber read and before the next one it will read are
/// gone; every event after the marker arrives in order until the next marker. The event right after a
/// marker is set aside when the marker is read, so it cannot be lost in turn: a marker is always
/// followed by an event, never by another marker (a reader can hold 1 + `bufferSize` unread events).
/// For each subscriber the events it read plus the sum of its markers' counts is the number of events
/// published while it was subscribed (until it stopped reading).
package final class EventBroadcaster<Event: Sendable>: Sendable {
    private struct State: ~Copyable {
        var nextID = 0
        /// In subscription order. An array, not a dictionary by id: `yield` takes a copy of it on
        /// every event, and an array's copy is one retain where a dictionary's values are a new array.
        var subscribers: [(id: Int, subscription: Subscription)] = []
        var observers: [@Sendable (Event) -> Void] = []
        var finished = false
    }

    private let state = Mutex(State())
    /// Events kept for a subscriber that is not keeping up. Default: 1024.
    package let bufferSize: Int
    /// Makes the element that tells a subscriber how many events it lost.
    private let droppedMarker: @Sendable (Int) -> Event

    /// - Parameters:
    ///   - bufferSize: events kept per subscriber (at least 1).
    ///   - dropped: makes the element that stands for `n` lost events in a subscriber's stream.
    package init(bufferSize: Int = 1024, dropped: @escaping @Sendable (Int) -> Event) {
        self.bufferSize = max(1, bufferSize)
        self.droppedMarker = dropped
    }

    /// A stream of every event from now on (those `filter` accepts, when given: an agent's handle sees
    /// its own line's); it ends when the broadcaster finishes (after the events still buffered for it),
    /// or when the task reading it is cancelled.
    package func subscribe(filter: (@Sendable (Event) -> Bool)? = nil) -> AsyncStream<Event> {
        let subscription = Subscription(capacity: bufferSize, dropped: droppedMarker, filter: filter)
        let id: Int? = state.withLock { s in
            guard !s.finished else { return nil }
            let id = s.nextID
            s.nextID += 1
            s.subscribers.append((id, subscription))
            return id
        }
        guard let id else { return AsyncStream { $0.finish() } }
        // The stream owns the handle: when the stream is cancelled or released the subscriber leaves.
        let handle = Handle { [weak self] in
            self?.state.withLock { $0.subscribers.removeAll { $0.id == id } }
            subscription.cancel()
        }
        return AsyncStream(
            unfolding: {
                _ = handle
                return await subscription.next()
            },
            onCancel: { handle.leave() })
    }

    /// Calls `observer` with every event from now on, synchronously, on the thread that publishes it
    /// and before any stream sees it. For the library's own bookkeeping (its metrics), which must see
    /// every event and cannot fall behind: an observer must be quick and must not block.
    package func addObserver(_ observer: @escaping @Sendable (Event) -> Void) {
        state.withLock { $0.observers.append(observer) }
    }

    package func yield(_ event: Event) {
        let (subscribers, observers) = state.withLock { ($0.subscribers, $0.observers) }
        for observe in observers { observe(event) }
        for (_, s) in subscribers where s.filter?(event) ?? true { s.push(event) }
    }

    /// Ends every stream once its buffered events are read; later subscribers get a finished stream.
    package func finish() {
        let subscribers = state.withLock { s -> [Subscription] in
            s.finished = true
            defer { s.subscribers.removeAll() }
            return s.subscribers.map(\.subscription)
        }
        for s in subscribers { s.finish() }
    }

    package var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Leaves the broadcaster once: on cancellation, or when the stream that owns it is released.
    private final class Handle: Sendable {
        private let action: Mutex<(@Sendable () -> Void)?>

        init(_ action: @escaping @Sendable () -> Void) { self.action = Mutex(action) }

        func leave() {
            let action = self.action.withLock { a -> (@Sendable () -> Void)? in
                defer { a = nil }
                return a
            }
            action?()
        }

        deinit { leave() }
    }

    /// One subscriber's bounded buffer, its loss counter, and the reader waiting for an element.
    private final class Subscription: Sendable {
        private struct State: ~Copyable {
            var buffer = Deque<Event>()
            /// The first event after a gap, taken out of `buffer` when the gap's marker was read.
            var afterMarker: Event?
            /// Events discarded just before `buffer.first` (after `afterMarker`).
            var lost = 0
            var finished = false
            var cancelled = false
            var waiter: CheckedContinuation<Event?, Never>?
        }

        private let state = Mutex(State())
        private let capacity: Int
        private let dropped: @Sendable (Int) -> Event
        /// Which events this subscriber wants; nil: all.
        let filter: (@Sendable (Event) -> Bool)?

        init(capacity: Int, dropped: @escaping @Sendable (Int) -> Event, filter: (@Sendable (Event) -> Bool)? = nil) {
            self.capacity = capacity
            self.dropped = dropped
            self.filter = filter
        }

        func push(_ event: Event) {
            let waiter = state.withLock { s -> CheckedContinuation<Event?, Never>? in
                guard !s.finished, !s.cancelled else { return nil }
                if let waiter = s.waiter {
                    // Someone waits: the buffer is empty and nothing is lost.
                    s.waiter = nil
                    return waiter
                }
                if s.buffer.count >= capacity {
                    s.buffer.removeFirst()
                    s.lost += 1
                }
                s.buffer.append(event)
                return nil
            }
            waiter?.resume(returning: event)
        }

        func next() async -> Event? {
            await withCheckedContinuation { (continuation: CheckedContinuation<Event?, Never>) in
                let ready: Event?? = state.withLock { s in
                    if s.cancelled { return .some(nil) }
                    if let event = s.afterMarker {
                        s.afterMarker = nil
                        return .some(event)
                    }
                    if s.lost > 0 {
                        let n = s.lost
                        s.lost = 0
                        s.afterMarker = s.buffer.popFirst()
                        return .some(dropped(n))
                    }
                    if let event = s.buffer.popFirst() { return .some(event) }
                    if s.finished { return .some(nil) }
                    s.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }

        func finish() {
            let waiter = state.withLock { s -> CheckedContinuation<Event?, Never>? in
                s.finished = true
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume(returning: nil)
        }

        func cancel() {
            let waiter = state.withLock { s -> CheckedContinuation<Event?, Never>? in
                s.cancelled = true
                s.buffer.removeAll()
                s.afterMarker = nil
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
