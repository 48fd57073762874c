import NIOCore

/// The connections of a phone: several simultaneous registrations, each its own DN, site, transport,
/// credentials and re-register interval (DESIGN.md §1.1), and their ``ConnectionStatusChanged`` events.
///
/// Every method may be called from any task while calls and other connections run; the work happens
/// on the phone's event loop.
public final class ConnectionManager: Sendable {
    let core: PhoneCore

    init(core: PhoneCore) {
        self.core = core
    }

    /// Every status change of every connection, from the moment of subscribing. Each access is a new
    /// subscription (any number may be open); a subscriber that falls behind by more than 1024 events
    /// loses the oldest. Ends when the phone shuts down.
    public var statusChanges: AsyncStream<ConnectionStatusChanged> { core.connectionEvents.subscribe() }

    /// A snapshot of every connection, by id.
    public var connections: [Connection] {
        core.snapshot.withLock { $0.values.sorted { $0.id < $1.id } }
    }

    /// A snapshot of one connection.
    public func connection(_ id: Int) -> Connection? { core.snapshot.withLock { $0[id] } }

    /// Adds a connection and, if it is enabled, registers it at once. Returns its id.
    public func addConnection(_ configuration: ConnectionConfiguration) async throws(SipEndpointError) -> Int {
        try await onLoop { () throws(SipEndpointError) in
            guard self.core.isRunning else { throw SipEndpointError(.notRunning, "the phone is not running") }
            return self.core.add(configuration)
        }
    }

    /// Enables a disabled connection: it registers at once.
    public func enableConnection(_ id: Int) async throws(SipEndpointError) {
        try await onLoop { () throws(SipEndpointError) in try self.core.enable(id) }
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
        let result: Result<Void, SipEndpointError> = await withCheckedContinuation { continuation in
            core.eventLoop.execute {
                do throws(SipEndpointError) {
                    try self.core.disable(id, remove: remove) { continuation.resume(returning: .success(())) }
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        try result.get()
    }

    func onLoop<T: Sendable>(_ body: @escaping @Sendable () throws(SipEndpointError) -> T) async throws(SipEndpointError) -> T {
        let result: Result<T, SipEndpointError> = await withCheckedContinuation { continuation in
            core.eventLoop.execute {
                do throws(SipEndpointError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
