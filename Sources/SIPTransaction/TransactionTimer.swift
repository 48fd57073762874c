import NIOCore

/// The timers of RFC 3261 §17 (A–K; C belongs to proxies and is not here) and RFC 6026 (L, M).
///
/// A machine asks its driver to `.schedule` and `.cancel` them and is told when one fires. The
/// driver keeps at most one pending deadline per timer and transaction: scheduling a timer that is
/// already pending replaces its deadline.
package enum TransactionTimer: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Client INVITE request retransmission (unreliable transports only).
    case a
    /// Client INVITE transaction timeout.
    case b
    /// Client INVITE: wait for 3xx–6xx retransmissions in Completed.
    case d
    /// Client non-INVITE request retransmission (unreliable transports only).
    case e
    /// Client non-INVITE transaction timeout.
    case f
    /// Server INVITE 3xx–6xx response retransmission (unreliable transports only).
    case g
    /// Server INVITE: wait for the ACK in Completed.
    case h
    /// Server INVITE: absorb ACK retransmissions in Confirmed.
    case i
    /// Server non-INVITE: absorb request retransmissions in Completed.
    case j
    /// Client non-INVITE: absorb response retransmissions in Completed.
    case k
    /// Server INVITE: absorb INVITE retransmissions in Accepted (RFC 6026).
    case l
    /// Client INVITE: accept 2xx retransmissions and forked 2xx in Accepted (RFC 6026).
    case m

    package var description: String { "Timer \(String(describing: self).uppercased())" }
}

/// The set of timers a machine has asked to be scheduled and that have neither fired nor been
/// cancelled. A fire for a timer outside the set is stale (raced with its cancel) and is ignored.
struct PendingTimers: OptionSet, Hashable, Sendable {
    var rawValue: UInt16

    init(rawValue: UInt16) { self.rawValue = rawValue }

    init(_ timer: TransactionTimer) { self.rawValue = 1 << UInt16(timer.rawValue) }
}

extension PendingTimers {
    /// Records `timer` as pending and asks the driver to arm it.
    mutating func schedule(_ timer: TransactionTimer, at deadline: NIODeadline, into actions: inout TransactionActions)
    {
        insert(PendingTimers(timer))
        actions.append(.schedule(timer, at: deadline))
    }

    /// Asks the driver to disarm `timer` if it is pending; a timer that is not pending needs no cancel.
    mutating func cancel(_ timer: TransactionTimer, into actions: inout TransactionActions) {
        if remove(PendingTimers(timer)) != nil {
            actions.append(.cancel(timer))
        }
    }

    /// Disarms every pending timer, in a fixed order, before a machine terminates.
    mutating func cancelAll(into actions: inout TransactionActions) {
        for timer in TransactionTimer.allCases { cancel(timer, into: &actions) }
    }

    /// True if `timer` was pending (and is no longer); false for a stale fire, which the
    /// machines ignore.
    mutating func fire(_ timer: TransactionTimer) -> Bool {
        remove(PendingTimers(timer)) != nil
    }
}
