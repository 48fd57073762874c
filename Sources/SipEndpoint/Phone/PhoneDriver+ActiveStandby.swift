import Foundation
import NIOCore
import SIPUserAgent

/// The phone's active/standby lines (`policy/failover/mode = active-standby`): one
/// ``ActiveStandbyMachine`` per line of two or more connections, the standbys' probe-only bindings,
/// and the failback timers.
struct LineRoles {
    /// By DN.
    var machines: [String: ActiveStandbyMachine] = [:]
    /// Connections whose binding only probes its site (lifetime 0): the standbys.
    var probeOnly: Set<Int> = []
    /// Connections whose binding is being replaced (registering ↔ probing only): the old binding's
    /// stop is not news.
    var swapping: Set<Int> = []
    /// The reason to announce with a connection's next status, after its role moved.
    var announcements: [Int: String] = [:]
    var failbackTimers: [String: Scheduled<Void>] = [:]
    /// Connections in maintenance: no dial tries them.
    var maintenance: Set<Int> = []
}

/// The driver of active/standby (the rules are ``ActiveStandbyMachine``'s). It feeds each line's
/// machine its connections' health — a registration or probe-only binding that is `ready` answers,
/// one that is `failed` does not — and the results of the REGISTERs the machine asked for; it turns a
/// role's move into bindings: the connection taking the role gets a registering binding, the one
/// giving it up a probe-only binding (after its un-REGISTER). A standby whose site answers is shown
/// `standby`; a dial may go out through it at once (an INVITE's own digest needs no registration).
///
/// The roles cover the connections configured when the phone starts; a connection added later is
/// active-active.
extension PhoneDriver {
    /// Sets the roles of every line with two or more enabled connections, before they are added: the
    /// first connection of each registers, the others only probe.
    func assignRoles(_ connections: [(id: Int, configuration: ConnectionConfiguration)]) {
        let failover = configuration.failover
        guard failover.mode == .activeStandby else { return }
        var lines: [String: [Int]] = [:]
        var order: [String] = []
        for (id, connection) in connections where connection.enabled {
            if lines[connection.user] == nil { order.append(connection.user) }
            lines[connection.user, default: []].append(id)
        }
        for user in order {
            guard let ids = lines[user], ids.count > 1 else { continue }
            var machine = ActiveStandbyMachine(
                connections: ids,
                failback: failover.failback == .manual
                    ? .manual : .automatic(holdDown: .seconds(Int64(max(0, failover.failbackHoldDownSeconds)))),
                moveOrder: failover.failbackOrder == .breakBeforeMake ? .breakBeforeMake : .makeBeforeBreak)
            let registering = machine.start(now: self.eventLoop.now).compactMap { action -> Int? in
                if case .register(let id) = action { return id }
                return nil
            }
            for id in ids where !registering.contains(id) { roles.probeOnly.insert(id) }
            roles.machines[user] = machine
        }
    }

    /// Feeds the line's machine what connection `id`'s registration reports; nil when the report is
    /// only the old binding of a role move stopping.
    func roleFiltered(_ id: Int, _ change: RegistrationStatusChange) -> RegistrationStatusChange? {
        guard let user = records[id]?.configuration.user, var machine = roles.machines[user] else { return change }
        if roles.swapping.contains(id), change.status == .disabled || change.status == .unregistering { return nil }
        let now = self.eventLoop.now
        var actions: [ActiveStandbyMachine.Action] = []
        switch change.status {
        case .ready:
            actions += machine.health(id, healthy: true, now: now)
            if machine.taking?.id == id, change.reason != .registrationNotRequired {
                actions += machine.registered(id, now: now)
            }
        case .failed:
            if machine.taking?.id == id { actions += machine.registrationFailed(id, now: now) }
            actions += machine.health(id, healthy: false, now: now)
        case .registering, .unregistering, .disabled:
            break
        }
        roles.machines[user] = machine
        perform(actions, line: user)
        return change
    }

    /// What connection `id` shows: a standby whose site answers is `standby`; after a role move the
    /// reason says so.
    func roleShown(_ id: Int, _ status: ConnectionStatus, _ reason: ConnectionStatusReason)
        -> (ConnectionStatus, ConnectionStatusReason)
    {
        guard let user = records[id]?.configuration.user, let machine = roles.machines[user] else {
            return (status, reason)
        }
        let announced = roles.announcements.removeValue(forKey: id)
        if status == .ready, roles.probeOnly.contains(id), machine.taking?.id != id {
            let text =
                announced
                ?? "standby: probed, not registered (the line's registration is on connection \(machine.active.map(String.init) ?? "none"))"
            return (.standby, ConnectionStatusReason(kind: .roleChanged, text: text))
        }
        if let announced, status == .ready {
            return (
                status,
                ConnectionStatusReason(
                    kind: .roleChanged, statusCode: reason.statusCode, reasonPhrase: reason.reasonPhrase,
                    text: announced)
            )
        }
        return (status, reason)
    }

    /// The role actions: bookkeeping at once, binding changes on the next turn of the loop (they
    /// stop and start registration bindings, which must not happen inside a binding's own report).
    private func perform(_ actions: [ActiveStandbyMachine.Action], line user: String) {
        var later: [ActiveStandbyMachine.Action] = []
        for action in actions {
            switch action {
            case .roleChanged(let active, let previous, let reason):
                logger.info("line \(user): connection \(active) is active now (\(reason))")
                roles.announcements[active] = "active: \(reason)"
                if let previous { roles.announcements[previous] = "standby: \(reason)" }
            case .scheduleFailback(let deadline):
                roles.failbackTimers.removeValue(forKey: user)?.cancel()
                let loop = eventLoop
                roles.failbackTimers[user] = eventLoop.scheduleTask(deadline: deadline) { [weak self] in
                    self?.feedRoles(user) { $0.failbackTimerFired(now: loop.now) }
                }
            case .cancelFailback:
                roles.failbackTimers.removeValue(forKey: user)?.cancel()
            case .register, .unregister:
                later.append(action)
            }
        }
        guard !later.isEmpty else { return }
        let loop = eventLoop
        eventLoop.execute { [weak self, later] in
            for action in later {
                switch action {
                case .register(let id):
                    self?.swapBinding(id, probeOnly: false)
                case .unregister(let id):
                    self?.swapBinding(id, probeOnly: true) { self?.feedRoles(user) { $0.released(id, now: loop.now) } }
                default:
                    break
                }
            }
        }
    }

    enum PlannedMove { case startMaintenance, endMaintenance, failBack, prefer }

    /// A planned move asked through the API (``ConnectionManager/startMaintenance(_:)`` and the
    /// others), on the loop.
    func plannedMove(_ id: Int, _ move: PlannedMove) throws(SipEndpointError) {
        guard let user = records[id]?.configuration.user else {
            throw SipEndpointError(.unknownConnection, "no connection \(id)")
        }
        guard var machine = roles.machines[user] else {
            throw SipEndpointError(
                .invalidState,
                "connection \(id) is not on an active/standby line (policy/failover/mode = active-standby)")
        }
        let now = self.eventLoop.now
        let actions: [ActiveStandbyMachine.Action]
        switch move {
        case .startMaintenance:
            actions = machine.moveOff(id, now: now)
            guard machine.role(of: id) == .maintenance else {
                throw SipEndpointError(
                    .invalidState, "connection \(id) is its line's only healthy connection: it keeps the registration")
            }
            roles.maintenance.insert(id)
        case .endMaintenance:
            actions = machine.endMaintenance(id, now: now)
            roles.maintenance.remove(id)
        case .failBack:
            actions = machine.failBack(now: now)
            guard actions.contains(.register(machine.primary)) || actions.contains(.unregister(machine.active ?? -1))
            else {
                throw SipEndpointError(
                    .invalidState,
                    "no failback: the primary (connection \(machine.primary)) is active, in maintenance, or not answering"
                )
            }
        case .prefer:
            actions = machine.prefer(id, now: now)
        }
        roles.machines[user] = machine
        perform(actions, line: user)
        logger.info("line \(user): \(move) on connection \(id)")
    }

    private func feedRoles(_ user: String, _ event: (inout ActiveStandbyMachine) -> [ActiveStandbyMachine.Action]) {
        guard var machine = roles.machines[user] else { return }
        let actions = event(&machine)
        roles.machines[user] = machine
        perform(actions, line: user)
    }

    /// Replaces connection `id`'s binding: its REGISTERs stop (un-REGISTER first when it is bound)
    /// and a binding that registers, or only probes, takes its place.
    private func swapBinding(_ id: Int, probeOnly: Bool, then done: (() -> Void)? = nil) {
        guard records[id]?.isEnabled == true, isRunning else { return }
        if probeOnly { roles.probeOnly.insert(id) } else { roles.probeOnly.remove(id) }
        roles.swapping.insert(id)
        engine.remove(id) { [weak self] in
            guard let self, let record = self.records[id] else { return }
            self.engine.add(id, configuration: self.bindingConfiguration(record.configuration, id: id))
            self.roles.swapping.remove(id)
            if self.isRunning, record.isEnabled { self.engine.start(id) }
            done?()
        }
    }
}
