import NIOCore
import Testing

@testable import SipEndpoint

/// The active/standby role rules as a value on a virtual clock: who registers, when the role moves
/// on a failure, when it moves back, and the planned moves.
@Suite struct ActiveStandbyMachineTests {
    typealias Machine = ActiveStandbyMachine
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    func started(
        _ failback: Machine.Failback = .automatic(holdDown: .seconds(3)), order: Machine.MoveOrder = .makeBeforeBreak
    )
        -> Machine
    {
        var machine = Machine(connections: [0, 1], failback: failback, moveOrder: order)
        #expect(machine.start(now: t0) == [.register(0)], "only the primary registers")
        _ = machine.health(0, healthy: true, now: t0)
        _ = machine.health(1, healthy: true, now: t0)
        #expect(machine.registered(0, now: t0) == [.roleChanged(active: 0, previous: nil, reason: .started)])
        #expect(machine.role(of: 0) == .active && machine.role(of: 1) == .standby)
        return machine
    }

    @Test func theActivesFailureMovesTheRoleToTheHealthyStandby() {
        var machine = started()
        let failed = t0 + .seconds(10)
        #expect(machine.health(0, healthy: false, now: failed) == [.register(1)])
        #expect(machine.role(of: 0) == .active, "the role moves when the standby's REGISTER is accepted")
        #expect(
            machine.registered(1, now: failed + .milliseconds(20)) == [
                .unregister(0), .roleChanged(active: 1, previous: 0, reason: .activeFailed),
            ])
        #expect(machine.role(of: 1) == .active && machine.role(of: 0) == .standby)
    }

    @Test func failbackWaitsForTheHoldDownOfUnbrokenHealth() {
        var machine = started()
        _ = machine.health(0, healthy: false, now: t0 + .seconds(10))
        _ = machine.registered(1, now: t0 + .seconds(10))
        // The primary answers again at 20 s, fails at 21 s (a flap), answers again at 22 s.
        #expect(machine.health(0, healthy: true, now: t0 + .seconds(20)) == [.scheduleFailback(at: t0 + .seconds(23))])
        #expect(machine.health(0, healthy: false, now: t0 + .seconds(21)) == [.cancelFailback])
        #expect(machine.failbackTimerFired(now: t0 + .seconds(23)) == [], "a cancelled failback does nothing")
        #expect(machine.health(0, healthy: true, now: t0 + .seconds(22)) == [.scheduleFailback(at: t0 + .seconds(25))])
        #expect(machine.failbackTimerFired(now: t0 + .seconds(24)) == [], "not before the hold-down")
        #expect(machine.failbackTimerFired(now: t0 + .seconds(25)) == [.register(0)])
        #expect(
            machine.registered(0, now: t0 + .seconds(25)) == [
                .unregister(1), .roleChanged(active: 0, previous: 1, reason: .failback),
            ], "make before break: the primary registers first, then the standby lets go")
        #expect(machine.role(of: 1) == .standby)
    }

    @Test func manualFailbackWaitsForTheApplication() {
        var machine = started(.manual)
        _ = machine.health(0, healthy: false, now: t0 + .seconds(10))
        _ = machine.registered(1, now: t0 + .seconds(10))
        #expect(machine.health(0, healthy: true, now: t0 + .seconds(20)) == [], "no failback is scheduled")
        #expect(machine.failBack(now: t0 + .seconds(60)) == [.register(0)])
        #expect(
            machine.registered(0, now: t0 + .seconds(60)) == [
                .unregister(1), .roleChanged(active: 0, previous: 1, reason: .failback),
            ])
    }

    @Test func breakBeforeMakeReleasesTheStandbyFirst() {
        var machine = started(.automatic(holdDown: .seconds(3)), order: .breakBeforeMake)
        _ = machine.health(0, healthy: false, now: t0 + .seconds(10))
        #expect(
            machine.registered(1, now: t0 + .seconds(10)) == [
                .unregister(0), .roleChanged(active: 1, previous: 0, reason: .activeFailed),
            ], "a failed active is let go whatever the order")
        _ = machine.health(0, healthy: true, now: t0 + .seconds(20))
        #expect(machine.failbackTimerFired(now: t0 + .seconds(23)) == [.unregister(1)])
        #expect(machine.released(1, now: t0 + .seconds(23)) == [.register(0)])
        #expect(
            machine.registered(0, now: t0 + .seconds(23)) == [.roleChanged(active: 0, previous: 1, reason: .failback)])
    }

    @Test func aStandbyThatCannotRegisterHandsTheRoleOn() {
        var machine = Machine(connections: [0, 1, 2], failback: .manual)
        _ = machine.start(now: t0)
        for id in [0, 1, 2] { _ = machine.health(id, healthy: true, now: t0) }
        _ = machine.registered(0, now: t0)
        #expect(machine.health(0, healthy: false, now: t0 + .seconds(5)) == [.register(1)])
        #expect(machine.registrationFailed(1, now: t0 + .seconds(6)) == [.register(2)])
        #expect(
            machine.registered(2, now: t0 + .seconds(6)) == [
                .unregister(0), .roleChanged(active: 2, previous: 0, reason: .activeFailed),
            ])
    }

    @Test func withNoHealthyStandbyTheLineWaitsAndTheFirstToAnswerTakesTheRole() {
        var machine = started()
        _ = machine.health(1, healthy: false, now: t0 + .seconds(5))
        #expect(machine.health(0, healthy: false, now: t0 + .seconds(6)) == [], "nowhere to go")
        #expect(machine.role(of: 0) == .active)
        #expect(machine.health(1, healthy: true, now: t0 + .seconds(8)) == [.register(1)])
        #expect(
            machine.registered(1, now: t0 + .seconds(8)).last
                == .roleChanged(active: 1, previous: 0, reason: .activeFailed))
    }

    @Test func maintenanceAndPreferenceArePlannedMoves() {
        var machine = started()
        #expect(machine.moveOff(0, now: t0 + .seconds(1)) == [.register(1)])
        #expect(
            machine.registered(1, now: t0 + .seconds(1)) == [
                .unregister(0), .roleChanged(active: 1, previous: 0, reason: .maintenance),
            ])
        #expect(machine.role(of: 0) == .maintenance)
        #expect(machine.failBack(now: t0 + .seconds(2)) == [], "a connection in maintenance takes no role")
        #expect(machine.endMaintenance(0, now: t0 + .seconds(10)) == [.scheduleFailback(at: t0 + .seconds(3))])
        #expect(machine.failbackTimerFired(now: t0 + .seconds(10)) == [.register(0)])
        _ = machine.registered(0, now: t0 + .seconds(10))

        #expect(machine.prefer(1, now: t0 + .seconds(20)) == [.register(1)])
        #expect(
            machine.registered(1, now: t0 + .seconds(20)).last
                == .roleChanged(active: 1, previous: 0, reason: .preferred))
        #expect(machine.primary == 1)
        // Taking the only other connection off while it is active keeps the line registered.
        _ = machine.health(0, healthy: false, now: t0 + .seconds(30))
        #expect(machine.moveOff(1, now: t0 + .seconds(31)) == [])
        #expect(machine.role(of: 1) == .active)
    }
}
