/// One agent of a phone that hosts many: the handle a back end keeps per agent. Its
/// ``connectionManager`` and ``callControl`` are the phone's, scoped to the agent's line (the
/// connections that share its DN): they list, add, enable, dial and report only that line's
/// connections and calls, and its event streams carry only that line's events. Every call rule
/// (dial candidates and failover, hold of the other calls, ringing) already works within a line.
///
/// ```swift
/// let agent = try await phone.addAgent("7002", connections: [siteA7002, siteB7002])
/// for await call in agent.callControl.incomingCalls { try await call.answer() }
/// ```
public struct Agent: Sendable {
    /// The agent's DN.
    public let user: String
    /// The line's connections and their status changes.
    public let connectionManager: ConnectionManager
    /// The line's calls: dial through its connections, its incoming calls, its sessions' events.
    public let callControl: CallControl
}

extension Phone {
    /// The handle of the agent whose DN is `user`. It may be asked before the agent has connections:
    /// its streams then carry the events of connections added later for that DN.
    public func agent(_ user: String) -> Agent {
        Agent(
            user: user, connectionManager: ConnectionManager(core: shards, line: user),
            callControl: CallControl(core: shards, line: user))
    }

    /// Adds an agent to the running phone: each configuration (its DN must be `user`, typically one per
    /// site) becomes a connection and registers at once. Returns the agent's handle.
    /// - Throws: ``SipEndpointError/Code/invalidConfiguration`` for a configuration of another DN,
    ///   ``SipEndpointError/Code/notRunning`` when the phone is not running.
    @discardableResult
    public func addAgent(_ user: String, connections: [ConnectionConfiguration]) async throws(SipEndpointError) -> Agent
    {
        let agent = agent(user)
        for configuration in connections { _ = try await agent.connectionManager.addConnection(configuration) }
        return agent
    }

    /// Removes an agent: every connection of its line un-REGISTERs (Expires: 0) and goes. Its calls are
    /// not ended; they end as calls do.
    public func removeAgent(_ user: String) async throws(SipEndpointError) {
        let manager = ConnectionManager(core: shards, line: user)
        for connection in manager.connections { try await manager.removeConnection(connection.id) }
    }
}
