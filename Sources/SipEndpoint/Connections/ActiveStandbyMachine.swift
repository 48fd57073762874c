import NIOCore

/// Active/standby for one agent line (`policy/failover/mode = active-standby`), as a value with time as
/// an input: which of the line's connections holds the line's one registration, when that role moves,
/// and what the driver must do about it. The driver feeds it each connection's health (its OPTIONS
/// probes, shared per site, and its registration's results) and the outcome of the REGISTERs it asked
/// for; it performs the actions and raises the role events. Nothing here sends or schedules anything.
///
/// The rules, in the order a deployment meets them:
/// - **Start.** The primary (the line's first connection, or the one preferred since) registers; every
///   other connection is a standby: probed, never registered, so a registrar that allows one binding
///   per DN (or a licence that counts them) sees one.
/// - **Failover.** When the active connection turns unhealthy, the first healthy standby in line order
///   registers, and becomes active once its REGISTER is accepted (a role swap with reason
///   ``Reason/activeFailed``). A standby whose REGISTER fails hands the role to the next healthy one.
///   The failed connection's binding is let go (``Action/unregister(_:)``; a dead site will not
///   answer it, and the registrar's expiry removes it).
/// - **Failback.** With ``Failback/automatic(holdDown:)``, once the primary has been healthy without a
///   break for the hold-down, the role moves back (``Reason/failback``); with ``Failback/manual``
///   only ``failBack(now:)`` moves it. The move is make-before-break by default (register the
///   primary, then un-register the standby, so a registrar that allows one binding replaces it through
///   the line's `+sip.instance`), or break-before-make for registrars that refuse a second binding.
/// - **Planned moves.** ``moveOff(_:now:)`` takes a connection out for maintenance (it holds no role
///   and new calls stop using it) and ``endMaintenance(_:now:)`` brings it back; ``prefer(_:now:)``
///   makes another connection the primary. Calls in progress are never the machine's concern: moving
///   the registration cuts no dialog.
package struct ActiveStandbyMachine: Sendable, Hashable {
    package enum Failback: Sendable, Hashable {
        /// Move back to the primary after it has been healthy for `holdDown` without a break.
        case automatic(holdDown: Duration)
        /// Stay on the standby until the application calls ``failBack(now:)``.
        case manual
    }

    package enum MoveOrder: Sendable, Hashable {
        /// Register the new active connection first, then un-register the old (no moment without a
        /// binding).
        case makeBeforeBreak
        /// Un-register the old first, then register the new (for registrars that refuse a second
        /// binding for the DN).
        case breakBeforeMake
    }

    /// Why the role moved.
    package enum Reason: Sendable, Hashable, CustomStringConvertible {
        case started
        case activeFailed
        case failback
        case maintenance
        case preferred

        package var description: String {
            switch self {
            case .started: "started"
            case .activeFailed: "the active connection failed"
            case .failback: "failback to the primary"
            case .maintenance: "the active connection was moved off for maintenance"
            case .preferred: "another connection was preferred"
            }
        }
    }

    package enum Role: Sendable, Hashable {
        case active, standby, maintenance
    }

    package enum Action: Sendable, Hashable {
        /// Start registering this connection (its REGISTERs carry the line's `+sip.instance` and reg-id).
        case register(Int)
        /// Remove this connection's binding (Expires 0) and from now on only probe its site.
        case unregister(Int)
        /// Call ``failbackTimerFired(now:)`` at this time (replaces any earlier one).
        case scheduleFailback(at: NIODeadline)
        case cancelFailback
        /// The role moved: `active` holds the registration now, `previous` held it before.
        case roleChanged(active: Int, previous: Int?, reason: Reason)
    }

    /// The line's connections in order; the primary is ``primary``.
    package let connections: [Int]
    package let failback: Failback
    package let moveOrder: MoveOrder
    /// The connection the line returns to: the first one, or the one ``prefer(_:now:)`` named.
    package private(set) var primary: Int
    /// The connection whose registration the line uses now; nil before start or while none could.
    package private(set) var active: Int?
    /// A connection whose REGISTER is out to take the role, and why.
    package struct Taking: Sendable, Hashable {
        package var id: Int
        package var reason: Reason
    }
    package private(set) var taking: Taking?
    /// Break-before-make: the connection to register once `release`'s un-REGISTER is done.
    private struct Handover: Sendable, Hashable {
        var release: Int
        var next: Int
    }
    private var registerAfterRelease: Handover?
    private var healthySince: [Int: NIODeadline] = [:]
    private var inMaintenance: Set<Int> = []
    private var failbackDue: NIODeadline?

    /// - Parameter connections: the line's connection ids in line order (at least one).
    package init(connections: [Int], failback: Failback, moveOrder: MoveOrder = .makeBeforeBreak) {
        precondition(!connections.isEmpty, "a line has at least one connection")
        self.connections = connections
        self.failback = failback
        self.moveOrder = moveOrder
        self.primary = connections[0]
    }

    /// The role of a connection now.
    package func role(of id: Int) -> Role {
        if inMaintenance.contains(id) { return .maintenance }
        return id == active ? .active : .standby
    }

    package func isHealthy(_ id: Int) -> Bool { healthySince[id] != nil }

    /// The line starts: the primary (or, if it is in maintenance, the next connection) registers.
    package mutating func start(now: NIODeadline) -> [Action] {
        guard active == nil, taking == nil else { return [] }
        guard let first = ([primary] + connections).first(where: { !inMaintenance.contains($0) }) else { return [] }
        taking = Taking(id: first, reason: .started)
        return [.register(first)]
    }

    /// The connection's site answers (probes, registration) or stops answering.
    package mutating func health(_ id: Int, healthy: Bool, now: NIODeadline) -> [Action] {
        guard connections.contains(id) else { return [] }
        var actions: [Action] = []
        if healthy {
            if healthySince[id] == nil { healthySince[id] = now }
            let activeIsDown = active.map { $0 != id && !isHealthy($0) } ?? true
            if activeIsDown, taking == nil, !inMaintenance.contains(id) {
                // The active connection is down (or none could take the role so far): this one can.
                taking = Taking(id: id, reason: .activeFailed)
                actions.append(.register(id))
            }
            armFailback(now: now, into: &actions)
            return actions
        }
        healthySince[id] = nil
        if id == primary, failbackDue != nil {
            failbackDue = nil
            actions.append(.cancelFailback)
        }
        if id == active, taking == nil {
            handOver(from: id, reason: .activeFailed, now: now, into: &actions)
        } else if id == taking?.id {
            let reason = taking?.reason ?? .activeFailed
            taking = nil
            handOver(from: active, reason: reason, excluding: [id], now: now, into: &actions)
        }
        return actions
    }

    /// The REGISTER that ``Action/register(_:)`` asked for was accepted.
    package mutating func registered(_ id: Int, now: NIODeadline) -> [Action] {
        guard let taking, taking.id == id else { return [] }
        self.taking = nil
        let previous = active
        active = id
        var actions: [Action] = []
        if let previous, previous != id, moveOrder == .makeBeforeBreak || !isHealthy(previous) {
            actions.append(.unregister(previous))
        }
        actions.append(.roleChanged(active: id, previous: previous, reason: taking.reason))
        armFailback(now: now, into: &actions)
        return actions
    }

    /// The REGISTER that ``Action/register(_:)`` asked for failed: the next healthy connection tries.
    package mutating func registrationFailed(_ id: Int, now: NIODeadline) -> [Action] {
        guard let taking, taking.id == id else { return [] }
        self.taking = nil
        var actions: [Action] = []
        handOver(from: active, reason: taking.reason, excluding: [id], now: now, into: &actions)
        return actions
    }

    /// The un-REGISTER that ``Action/unregister(_:)`` asked for is done (answered or given up).
    package mutating func released(_ id: Int, now: NIODeadline) -> [Action] {
        guard let pending = registerAfterRelease, pending.release == id else { return [] }
        registerAfterRelease = nil
        guard isHealthy(pending.next) || pending.next == taking?.id else { return [] }
        return [.register(pending.next)]
    }

    /// The hold-down ran out: move back to the primary if it is still healthy and has been for the
    /// whole hold-down.
    package mutating func failbackTimerFired(now: NIODeadline) -> [Action] {
        guard let due = failbackDue, now >= due else { return [] }
        failbackDue = nil
        guard case .automatic(let holdDown) = failback, let since = healthySince[primary],
            now - since >= TimeAmount(holdDown)
        else { return [] }
        var actions: [Action] = []
        move(to: primary, reason: .failback, into: &actions)
        return actions
    }

    /// The application asks to go back to the primary now (failback `manual`, or sooner than the
    /// hold-down). Nothing happens when the primary is not healthy or already active.
    package mutating func failBack(now: NIODeadline) -> [Action] {
        guard isHealthy(primary), active != primary, taking == nil, !inMaintenance.contains(primary) else { return [] }
        var actions: [Action] = []
        if failbackDue != nil {
            failbackDue = nil
            actions.append(.cancelFailback)
        }
        move(to: primary, reason: .failback, into: &actions)
        return actions
    }

    /// Takes a connection out for maintenance: it holds no role, and if it is active the role moves to
    /// the first healthy other connection.
    package mutating func moveOff(_ id: Int, now: NIODeadline) -> [Action] {
        guard connections.contains(id), inMaintenance.insert(id).inserted else { return [] }
        var actions: [Action] = []
        if id == active {
            handOver(from: id, reason: .maintenance, now: now, into: &actions)
            if taking == nil {
                // Nowhere to go: the line keeps its registration rather than losing it.
                inMaintenance.remove(id)
                return []
            }
        }
        return actions
    }

    /// Ends a connection's maintenance; the primary's return follows the failback rule.
    package mutating func endMaintenance(_ id: Int, now: NIODeadline) -> [Action] {
        guard inMaintenance.remove(id) != nil else { return [] }
        var actions: [Action] = []
        armFailback(now: now, into: &actions)
        return actions
    }

    /// Makes `id` the primary; when it is healthy the role moves to it now.
    package mutating func prefer(_ id: Int, now: NIODeadline) -> [Action] {
        guard connections.contains(id), id != primary else { return [] }
        primary = id
        var actions: [Action] = []
        if failbackDue != nil {
            failbackDue = nil
            actions.append(.cancelFailback)
        }
        if isHealthy(id), active != id, taking == nil, !inMaintenance.contains(id) {
            move(to: id, reason: .preferred, into: &actions)
        }
        return actions
    }

    // MARK: Rules

    /// The role leaves `from` (failed, or in maintenance): the first healthy connection in line order,
    /// primary first, that is neither `from` nor excluded registers.
    private mutating func handOver(
        from: Int?, reason: Reason, excluding: Set<Int> = [], now: NIODeadline, into actions: inout [Action]
    ) {
        let order = [primary] + connections.filter { $0 != primary }
        guard
            let next = order.first(where: {
                $0 != from && !excluding.contains($0) && !inMaintenance.contains($0) && isHealthy($0)
            })
        else { return }
        taking = Taking(id: next, reason: reason)
        actions.append(.register(next))
    }

    /// A planned move of a healthy line: in the configured order.
    private mutating func move(to id: Int, reason: Reason, into actions: inout [Action]) {
        taking = Taking(id: id, reason: reason)
        if moveOrder == .breakBeforeMake, let current = active, current != id {
            registerAfterRelease = Handover(release: current, next: id)
            actions.append(.unregister(current))
        } else {
            actions.append(.register(id))
        }
    }

    /// Automatic failback: when the primary is healthy, not active, not in maintenance, and no move is
    /// under way, the failback is due one hold-down after it became healthy.
    private mutating func armFailback(now: NIODeadline, into actions: inout [Action]) {
        guard case .automatic(let holdDown) = failback, let active, active != primary, taking == nil,
            !inMaintenance.contains(primary), let since = healthySince[primary]
        else { return }
        let due = since + TimeAmount(holdDown)
        guard failbackDue != due else { return }
        failbackDue = due
        actions.append(.scheduleFailback(at: due))
    }
}
