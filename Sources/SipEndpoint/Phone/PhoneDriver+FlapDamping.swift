import Foundation
import NIOCore

/// The flap damping of the phone's connections: one ``FlapDamping`` per connection that failed
/// recently, and the timer that ends a connection's hold-down.
struct ConnectionDamping {
    var machines: [Int: FlapDamping] = [:]
    var holdDownEnds: [Int: Scheduled<Void>] = [:]
}

/// The driver of flap damping (the rule is ``FlapDamping``'s): the registration engine's statuses go
/// through ``damped(_:_:_:previous:now:)`` before they are announced. A failure feeds the
/// connection's machine; a registration that is ready again becomes `ready` at once — or
/// `recovering`, REGISTERed (so inbound calls reach it) but held down, with a timer for the
/// hold-down's end that asks the machine again.
extension PhoneDriver {
    /// What a status the registration reports becomes, with the hold-down's end for `recovering`.
    func damped(
        _ id: Int, _ status: ConnectionStatus, _ reason: ConnectionStatusReason, previous: ConnectionStatus,
        now: NIODeadline
    ) -> (ConnectionStatus, ConnectionStatusReason, NIODeadline?) {
        switch status {
        case .failed:
            cancelHoldDown(id)
            // One failure per outage: a failed connection whose retries fail is still the same outage.
            if previous != .failed {
                var machine = damping.machines[id] ?? FlapDamping(policy: dampingPolicy(id))
                machine.failed(now: now)
                damping.machines[id] = machine
            }
            return (.failed, reason, nil)
        case .ready:
            guard var machine = damping.machines[id] else { return (.ready, reason, nil) }
            let verdict = machine.verdict(now: now)
            damping.machines[id] = machine.isForgettable(at: now) ? nil : machine
            switch verdict {
            case .usable:
                cancelHoldDown(id)
                return (.ready, reason, nil)
            case .holdDown(let until):
                scheduleHoldDownEnd(id, at: until)
                let text = "\(reason.text); held down after repeated failures (flap damping)"
                return (
                    .recovering,
                    ConnectionStatusReason(
                        kind: .flapDamped, statusCode: reason.statusCode, reasonPhrase: reason.reasonPhrase, text: text),
                    until
                )
            }
        case .disabled, .unregistering:
            // A stopped connection starts afresh when enabled again.
            cancelHoldDown(id)
            damping.machines[id] = nil
            return (status, reason, nil)
        case .registering, .recovering, .standby:
            return (status, reason, nil)
        }
    }

    private func dampingPolicy(_ id: Int) -> FlapDamping.Policy {
        configuration.failover.flapDamping(optionsInterval: records[id]?.configuration.optionsInterval ?? 0)
    }

    private func scheduleHoldDownEnd(_ id: Int, at deadline: NIODeadline) {
        cancelHoldDown(id)
        damping.holdDownEnds[id] = eventLoop.scheduleTask(deadline: deadline) { [weak self] in
            self?.holdDownEnded(id)
        }
    }

    private func cancelHoldDown(_ id: Int) {
        damping.holdDownEnds.removeValue(forKey: id)?.cancel()
    }

    /// The hold-down's deadline came: still recovering (it did not fail meanwhile) → ask the machine.
    private func holdDownEnded(_ id: Int) {
        damping.holdDownEnds[id] = nil
        guard let record = records[id], record.status == .recovering, engine.status(of: id) == .ready else { return }
        let stable = ConnectionStatusReason(
            kind: .holdDownEnded, statusCode: record.reason.statusCode, reasonPhrase: record.reason.reasonPhrase,
            text: "stable through the hold-down (flap damping)")
        let (status, reason, _) = damped(id, .ready, stable, previous: .recovering, now: self.eventLoop.now)
        guard status == .ready else { return }  // a deadline a moment early: the new timer asks again
        report(id, status: .ready, reason: reason, target: record.target, nextRetry: nil, heldDownUntil: nil)
    }
}
