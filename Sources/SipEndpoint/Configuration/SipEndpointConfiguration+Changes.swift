extension SipEndpointConfiguration {
    /// How the connections of `new` differ from these, by connection id (the 0-based position of the
    /// `Connectivity` line), for applying a new configuration at run time: added ids
    /// start registering, removed ones un-register, changed ones re-register, and unchanged ones (and
    /// their calls) are left alone. Any difference in a connection's fields counts as a change; the
    /// policies outside `connections` are not compared here. Each list is in ascending id order.
    public func connectionChanges(
        to new: SipEndpointConfiguration
    ) -> (added: [Int], removed: [Int], changed: [Int], unchanged: [Int]) {
        let shared = min(connections.count, new.connections.count)
        var changed: [Int] = []
        var unchanged: [Int] = []
        for id in 0..<shared {
            if connections[id] == new.connections[id] { unchanged.append(id) } else { changed.append(id) }
        }
        return (
            added: Array(shared..<new.connections.count),
            removed: Array(shared..<connections.count),
            changed: changed,
            unchanged: unchanged
        )
    }
}
