/// Planned moves of an active/standby line (`policy/failover/mode = active-standby`): maintenance of
/// a site, failback by hand, another primary. Each returns once the move has started (the REGISTER or
/// un-REGISTER it needs is out); the move itself is reported as status changes whose reason is
/// ``ConnectionStatusReason/Kind/roleChanged``. Calls in progress are never cut: moving a
/// registration ends no dialog.
extension ConnectionManager {
    /// Takes connection `id` out of service for maintenance: new calls stop using it (a dial never
    /// tries it), and if it holds its line's registration the registration moves to the first healthy
    /// other connection of the line, which the status changes report. It keeps probing its site.
    ///
    /// Throws ``SipEndpointError/Code/unknownConnection`` for no such connection and
    /// ``SipEndpointError/Code/invalidState`` when the connection is not on an active/standby line, or
    /// when it is its line's only healthy connection (the line keeps its registration rather than
    /// losing it).
    public func startMaintenance(_ id: Int) async throws(SipEndpointError) {
        let shard = core.of(connection: id)
        try await shard.onLoop { () throws(SipEndpointError) in try shard.plannedMove(id, .startMaintenance) }
    }

    /// Ends connection `id`'s maintenance: it may take calls again, and a primary takes its line back
    /// by the failback rule (`failback = auto`: after `failback_hold_down`; `manual`: when asked).
    public func endMaintenance(_ id: Int) async throws(SipEndpointError) {
        let shard = core.of(connection: id)
        try await shard.onLoop { () throws(SipEndpointError) in try shard.plannedMove(id, .endMaintenance) }
    }

    /// Moves the registration of connection `id`'s line back to its primary now (failback `manual`,
    /// or sooner than the hold-down). Throws ``SipEndpointError/Code/invalidState`` when the primary
    /// is not healthy, is already active, or is in maintenance.
    public func failBack(line id: Int) async throws(SipEndpointError) {
        let shard = core.of(connection: id)
        try await shard.onLoop { () throws(SipEndpointError) in try shard.plannedMove(id, .failBack) }
    }

    /// Makes connection `id` its line's primary (the connection failback returns to); if its site
    /// answers, the registration moves to it now.
    public func prefer(_ id: Int) async throws(SipEndpointError) {
        let shard = core.of(connection: id)
        try await shard.onLoop { () throws(SipEndpointError) in try shard.plannedMove(id, .prefer) }
    }
}
