import NIOCore

/// The connections of a phone, or of one agent's line (``Phone/agent(_:)``): several simultaneous
/// registrations, each its own DN, site, transport, credentials and re-register interval, and their
/// ``ConnectionStatusChanged`` events.
///
/// Every method may be called from any task while calls and other connections run; the work happens
/// on the phone's event loop.
public final class ConnectionManager: Sendable {
    let core: PhoneShards
    /// The DN this manager is scoped to (an agent's handle: its connections, its events, and only
    /// connections of that DN may be added); nil: every connection of the phone.
    public let line: String?

    init(core: PhoneShards, line: String? = nil) {
        self.core = core
        self.line = line
    }

    private func inLine(_ id: Int) throws(SipEndpointError) {
        guard let line else { return }
        guard connection(id) != nil else {
            throw SipEndpointError(.unknownConnection, "no connection \(id) on \(line)'s line")
        }
    }

    /// Every status change of every connection, from the moment of subscribing. Each access is a new
    /// subscription (any number may be open), before ``Phone/start()`` too: it then sees the first
    /// `registering`. A subscriber that falls more than 1024 events behind loses the oldest it has not
    /// read, and reads ``ConnectionEvent/dropped(count:)`` where they were: never a silent gap. Ends
    /// when the phone shuts down.
    public var statusChanges: AsyncStream<ConnectionEvent> {
        guard let line else { return core.hub.connectionEvents.subscribe() }
        return core.hub.connectionEvents.subscribe { event in
            guard case .statusChanged(let change) = event else { return true }
            return change.user == line
        }
    }

    /// A snapshot of every connection, by id.
    public var connections: [Connection] {
        core.hub.snapshot.withLock { all in
            all.values.compactMap { line == nil || $0.connection.user == line ? $0.connection : nil }.sorted {
                $0.id < $1.id
            }
        }
    }

    /// A snapshot of one connection (nil for another agent's connection on an agent's handle).
    public func connection(_ id: Int) -> Connection? {
        core.hub.snapshot.withLock { $0[id]?.connection }.flatMap { line == nil || $0.user == line ? $0 : nil }
    }

    /// Waits until every connection of `ids` is `ready` — by default every enabled connection — and
    /// returns their snapshots, by id. Driven by ``statusChanges`` (no polling): returns at once when
    /// they are ready already.
    /// - Throws: ``SipEndpointError/Code/timedOut`` when `timeout` passes first, with the connections
    ///   not ready in ``SipEndpointError/connectionIds`` and their statuses in the detail;
    ///   ``SipEndpointError/Code/notRunning`` when the phone is not running or shuts down meanwhile;
    ///   ``SipEndpointError/Code/unknownConnection`` for an id the phone does not have.
    public func waitUntilReady(_ ids: [Int]? = nil, timeout: Duration) async throws(SipEndpointError) -> [Connection] {
        let first = core.first
        let isRunning = try await first.onLoop { () throws(SipEndpointError) in first.isRunning }
        guard isRunning else { throw SipEndpointError(.notRunning, "the phone is not running") }
        if let ids, let unknown = ids.first(where: { connection($0) == nil }) {
            throw SipEndpointError(.unknownConnection, "no connection \(unknown)")
        }
        @Sendable func watched(_ all: [Connection]) -> [Connection] {
            guard let ids else { return all.filter(\.isEnabled) }
            let wanted = Set(ids)
            return all.filter { wanted.contains($0.id) }
        }
        do throws(SipEndpointError) {
            return try await waitUntil(timeout: timeout) { all in
                let these = watched(all)
                return these.allSatisfy { $0.status == .ready } ? these : nil
            }
        } catch let error where error.code == .timedOut {
            let late = watched(connections).filter { $0.status != .ready }
            let statuses = late.map { "\($0.id) \($0.status.rawValue) (\($0.reason))" }.joined(separator: ", ")
            throw SipEndpointError(
                .timedOut, "not ready within \(timeout): \(statuses)", connectionIds: late.map(\.id))
        }
    }

    /// Waits until `condition`, asked of every connection's snapshot now and after each status change,
    /// gives a value, and returns it. Driven by ``statusChanges``: no polling.
    /// - Throws: ``SipEndpointError/Code/timedOut`` when `timeout` passes first;
    ///   ``SipEndpointError/Code/notRunning`` when the phone shuts down meanwhile.
    public func waitUntil<T: Sendable>(
        timeout: Duration, _ condition: @escaping @Sendable ([Connection]) -> T?
    ) async throws(SipEndpointError) -> T {
        // Subscribed before the first look: a snapshot is published before its change is announced,
        // so no change can fall between the look and the subscription.
        let changes = statusChanges
        if let value = condition(connections) { return value }
        let outcome = await withTaskGroup(of: WaitOutcome<T>.self) { group in
            group.addTask {
                // A `dropped` marker is a reason to look again, like any change.
                for await _ in changes {
                    if let value = condition(self.connections) { return .met(value) }
                }
                return .ended
            }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                    return .timedOut
                } catch {
                    return .ended
                }
            }
            let first = await group.next() ?? .ended
            group.cancelAll()
            return first
        }
        switch outcome {
        case .met(let value): return value
        case .timedOut: throw SipEndpointError(.timedOut, "the condition did not hold within \(timeout)")
        case .ended: throw SipEndpointError(.notRunning, "the phone shut down while waiting")
        }
    }

    /// Adds a connection and, if it is enabled, registers it at once. Returns its id.
    public func addConnection(_ configuration: ConnectionConfiguration) async throws(SipEndpointError) -> Int {
        if let line, configuration.user != line {
            throw SipEndpointError(
                .invalidConfiguration,
                "\(configuration.user) is not \(line): an agent's handle adds its own line's connections")
        }
        return try await core.add(configuration)
    }

    /// Enables a disabled connection: it registers at once.
    public func enableConnection(_ id: Int) async throws(SipEndpointError) {
        try inLine(id)
        let shard = core.of(connection: id)
        try await shard.onLoop { () throws(SipEndpointError) in try shard.enable(id) }
    }

    /// Disables a connection: un-REGISTER (Expires 0) first, waiting at most one transaction timeout and a
    /// margin for the answer, then `disabled`. Returns when it is disabled.
    public func disableConnection(_ id: Int) async throws(SipEndpointError) {
        try await stop(id, remove: false)
    }

    /// Removes a connection: un-REGISTER first, as for ``disableConnection(_:)``, then forgets it.
    public func removeConnection(_ id: Int) async throws(SipEndpointError) {
        try await stop(id, remove: true)
    }

    private func stop(_ id: Int, remove: Bool) async throws(SipEndpointError) {
        try inLine(id)
        let shard = core.of(connection: id)
        let result: Result<Void, SipEndpointError> = await withCheckedContinuation { continuation in
            shard.eventLoop.execute {
                do throws(SipEndpointError) {
                    try shard.disable(id, remove: remove) { continuation.resume(returning: .success(())) }
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        try result.get()
    }

}

/// How a ``ConnectionManager/waitUntil(timeout:_:)`` ended.
private enum WaitOutcome<T: Sendable>: Sendable {
    case met(T)
    case timedOut
    case ended
}
