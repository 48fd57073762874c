import Foundation
import Synchronization

extension PhoneDriver {
    /// A connection's state as the phone reports it: a class, allocated once when the connection is
    /// added, so the record table and the snapshot each hold a pointer per connection rather than the
    /// whole value in every bucket of two dictionaries.
    ///
    /// The record is its own snapshot: ``ConnectionManager/connections`` reads ``connection`` under
    /// ``PhoneDriver/snapshot``'s lock. It is written only on the phone's loop and only inside that lock
    /// (``PhoneDriver/modify(_:_:)``), so the loop reads it without the lock and another thread reads it
    /// whole.
    final class Record: @unchecked Sendable {
        // @unchecked: written on the phone's loop inside `snapshot`'s lock; read elsewhere inside it.

        /// The published value; change it with ``PhoneDriver/modify(_:_:)``.
        var connection: Connection

        init(id: Int, configuration: ConnectionConfiguration, isEnabled: Bool) {
            connection = Connection(
                id: id, configuration: configuration, status: .disabled, reason: .notStarted, target: nil,
                nextRetry: nil, heldDownUntil: nil, isEnabled: isEnabled)
        }

        var configuration: ConnectionConfiguration { connection.configuration }
        var status: ConnectionStatus { connection.status }
        var reason: ConnectionStatusReason { connection.reason }
        var target: String? { connection.target }
        var isEnabled: Bool { connection.isEnabled }
    }

    /// Changes connection `id`'s published state (on the loop), under the snapshot's lock so a reader
    /// on another thread sees all of one change or none of it.
    func modify(_ id: Int, _ change: (inout Connection) -> Void) {
        guard let record = records[id] else { return }
        snapshot.withLock { _ in change(&record.connection) }
    }
}
