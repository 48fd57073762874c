import Logging
import NIOCore

/// The shards of one phone, one per event loop its lines are spread over, and what they share
/// (``PhoneHub``): what the public types hold to find the loop a connection, a line or a session
/// lives on. A line's connections and calls are all on its shard (``LineShards``).
struct PhoneShards: Sendable {
    let hub: PhoneHub
    let all: [PhoneDriver]

    /// The first shard: the listeners' loop, and the one that takes what belongs to no line.
    var first: PhoneDriver { all[0] }
    var logger: Logger { all[0].logger }

    /// The shard of connection `id` (the first for an id the phone does not have: it says so).
    func of(connection id: Int) -> PhoneDriver { hub.lines.shard(ofConnection: id).map { all[$0] } ?? all[0] }

    /// The shard of line `user` (the first for a line the phone does not have yet).
    func of(line user: String) -> PhoneDriver { hub.lines.shard(ofLine: user).map { all[$0] } ?? all[0] }

    /// The shard of session `id`: its line's (the first for a session that is over: it says so).
    func of(session id: String) -> PhoneDriver {
        hub.callSnapshot.withLock { $0[id]?.user }.map { of(line: $0) } ?? all[0]
    }

    /// Adds a connection to the running phone: takes id `id` (the next free one when nil), places it on
    /// its line's shard, which registers it at once when it is enabled. Returns its id.
    func add(_ configuration: ConnectionConfiguration, id explicitID: Int? = nil) async throws(SipEndpointError)
        -> Int
    {
        if let explicitID, hub.lines.shard(ofConnection: explicitID) != nil {
            throw SipEndpointError(
                .invalidConfiguration, "connection \(explicitID) exists already (added at run time?)")
        }
        let (id, shard) = hub.lines.add(id: explicitID, line: configuration.user)
        let driver = all[shard]
        do throws(SipEndpointError) {
            return try await driver.onLoop { () throws(SipEndpointError) in
                guard driver.isRunning else { throw SipEndpointError(.notRunning, "the phone is not running") }
                return driver.add(configuration, id: id)
            }
        } catch {
            hub.lines.remove(id: id)
            throw error
        }
    }
}
