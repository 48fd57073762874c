import Foundation
import Logging
import Metrics
import NIOCore
import SIPCore
import SIPMedia
import SIPTransaction
import SIPTransport
import SIPUserAgent
import Synchronization

/// A connection's status as the registration reports it, through flap damping and the active/standby
/// roles, to its snapshot and the connection and phone events.
extension PhoneDriver {
    // MARK: Events

    func statusChanged(_ id: Int, _ change: RegistrationStatusChange, target: SIPTransportTarget?) {
        guard let record = records[id] else { return }
        guard let change = roleFiltered(id, change) else { return }
        let now = eventLoop.now
        let (dampedStatus, dampedReason, heldDownUntil) = damped(
            id, ConnectionStatus(change.status), ConnectionStatusReason(change.reason), previous: record.status,
            now: now)
        let (status, reason) = roleShown(id, dampedStatus, dampedReason)
        report(
            id, status: status, reason: reason,
            target: target.map { "\($0.address.ipAddress ?? "?"):\($0.address.port ?? 0)" },
            nextRetry: change.nextRetryAt.map { Date($0, now: now) },
            heldDownUntil: heldDownUntil.map { Date($0, now: now) },
            lastAnswered: change.lastAnsweredAt.map { Date($0, now: now) })
    }

    /// Records and announces connection `id`'s new status. `lastAnswered`: when its site last answered,
    /// when the registration knows.
    func report(
        _ id: Int, status: ConnectionStatus, reason: ConnectionStatusReason, target: String?, nextRetry: Date?,
        heldDownUntil: Date?,
        lastAnswered: Date? = nil
    ) {
        guard let record = records[id] else { return }
        let previous = record.status
        modify(id) {
            $0.status = status
            $0.reason = reason
            $0.target = target
            $0.nextRetry = nextRetry
            $0.heldDownUntil = heldDownUntil
        }
        if previous.isRegistered, !status.isRegistered { readyChanged(by: -1) }
        if !previous.isRegistered, status.isRegistered { readyChanged(by: 1) }
        if status != .registering {
            // A first registration that settled frees its place in the site's start-up window; a site
            // that did not answer is no longer paced.
            let answered: Bool
            switch reason.kind {
            case .localTimeout, .transportError, .flowLost, .probeFailed: answered = false
            default: answered = true
            }
            start(paced: pacer.settled(id, answered: answered))
        }
        if status == .failed, previous != .failed { calls.connectionFailed(id, reason: "\(reason)") }
        if status == .ready { calls.connectionReady(id) }
        logger.info(
            "connection \(id) \(previous.rawValue) → \(status.rawValue): \(reason)",
            metadata: ["sip.connection": "\(id)"])
        connectionEvents.yield(
            .statusChanged(
                ConnectionStatusChanged(
                    connectionId: id, user: record.configuration.user, server: record.configuration.server.description,
                    target: target, transport: record.configuration.transport, previousStatus: previous,
                    status: status, reason: reason, time: Date(), nextRetry: nextRetry,
                    heldDownUntil: heldDownUntil, lastAnswered: lastAnswered)))
    }

    /// Makes connection `id`'s record visible in the snapshot, with the Contact its binding registers
    /// (after it was added or its configuration replaced).
    func publish(_ id: Int) {
        guard let record = records[id] else { return }
        let contact = engine.contact(of: id)?.uri.description ?? ""
        snapshot.withLock { all in
            record.connection.contact = contact
            all[id] = record
        }
    }

    /// `delta` more (or fewer) of this shard's connections are `ready` or `recovering`; the phone's
    /// status follows the total of every shard (``PhoneHub/readyChanged(by:)``).
    func readyChanged(by delta: Int) {
        readyCount += delta
        hub.readyChanged(by: delta)
    }
}
