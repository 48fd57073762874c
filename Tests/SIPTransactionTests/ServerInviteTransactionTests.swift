import NIOCore
import Testing

@testable import SIPTransaction

@Suite("ServerInviteTransaction (RFC 3261 figure 7 + RFC 6026 Accepted)")
struct ServerInviteTransactionTests {
    @Test("Proceeding: INVITE to TU, 100 Trying, retransmissions answered with the latest provisional")
    func proceeding() {
        var machine = ServerInviteTransaction(isReliable: false)
        let now = NIODeadline.uptimeNanoseconds(0)
        #expect(machine.start(now: now) == [.passRequest, .sendTrying])
        #expect(machine.start(now: now).isEmpty)
        #expect(machine.requestRetransmissionReceived(now: now) == [.retransmitResponse])
        #expect(machine.tuSendsResponse(statusCode: 180, now: now) == [.sendResponse(statusCode: 180)])
        #expect(machine.requestRetransmissionReceived(now: now) == [.retransmitResponse])
        #expect(machine.ackReceived(now: now).isEmpty)
        #expect(machine.state == .proceeding)
        #expect(machine.responseRetransmissionCount == 2)
    }

    @Test("Without the automatic 100, an early retransmission is absorbed")
    func noTrying() {
        var machine = ServerInviteTransaction(isReliable: false)
        let now = NIODeadline.uptimeNanoseconds(0)
        #expect(machine.start(now: now, sendTrying: false) == [.passRequest])
        #expect(machine.requestRetransmissionReceived(now: now).isEmpty)
    }

    @Test("UDP 486: Timer G 500, 1000, 2000, 4000, 4000… (capped at T2); ACK → Confirmed; Timer I = T4 ends it")
    func completedConfirmedUDP() {
        var machine = ServerInviteTransaction(isReliable: false)
        var clock = MockTimers()
        clock.perform(machine.start(now: clock.now))
        let final = machine.tuSendsResponse(statusCode: 486, now: clock.now)
        #expect(
            final == [
                .sendResponse(statusCode: 486), .schedule(.g, at: clock.now + .milliseconds(500)),
                .schedule(.h, at: clock.now + .seconds(32)),
            ])
        clock.perform(final)
        #expect(machine.state == .completed)
        for _ in 0..<5 {
            #expect(clock.advanceToNextTimer() == .g)
            clock.perform(machine.timerFired(.g, now: clock.now))
        }
        #expect(clock.responseRetransmissionTimes == [500, 1500, 3500, 7500, 11500])
        #expect(machine.requestRetransmissionReceived(now: clock.now) == [.retransmitResponse])
        #expect(machine.tuSendsResponse(statusCode: 500, now: clock.now).isEmpty)
        #expect(machine.tuSendsResponse(statusCode: 180, now: clock.now).isEmpty)

        clock.advance(by: .milliseconds(100))
        let ack = machine.ackReceived(now: clock.now)
        #expect(ack == [.cancel(.g), .cancel(.h), .schedule(.i, at: clock.now + .seconds(5))])
        clock.perform(ack)
        #expect(machine.state == .confirmed)
        #expect(machine.ackReceived(now: clock.now).isEmpty)
        #expect(machine.requestRetransmissionReceived(now: clock.now).isEmpty)
        #expect(machine.transportError(now: clock.now).isEmpty)
        runTimers(&clock) { machine.timerFired($0, now: $1) }
        #expect(machine.state == .terminated)
        #expect(clock.elapsedMilliseconds == 11600 + 5000)
    }

    @Test("UDP, no ACK: 10 retransmissions by Timer G, then Timer H (64·T1) reports a timeout")
    func timerH() {
        var machine = ServerInviteTransaction(isReliable: false)
        var clock = MockTimers()
        clock.perform(machine.start(now: clock.now))
        clock.perform(machine.tuSendsResponse(statusCode: 603, now: clock.now))
        runTimers(&clock) { machine.timerFired($0, now: $1) }
        #expect(clock.responseRetransmissionTimes == [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500])
        #expect(clock.failures == [.timeout])
        #expect(clock.elapsedMilliseconds == 32000)
        #expect(clock.pending.isEmpty)
    }

    @Test("TCP: no Timer G; the ACK ends the transaction at once (Timer I = 0)")
    func completedReliable() {
        var machine = ServerInviteTransaction(isReliable: true)
        let now = NIODeadline.uptimeNanoseconds(0)
        _ = machine.start(now: now)
        #expect(
            machine.tuSendsResponse(statusCode: 404, now: now) == [
                .sendResponse(statusCode: 404), .schedule(.h, at: now + .seconds(32)),
            ])
        #expect(machine.ackReceived(now: now) == [.cancel(.h), .terminated])
    }

    @Test("2xx → Accepted (RFC 6026): INVITEs absorbed, ACK to TU, TU's 2xx sent, Timer L ends it")
    func accepted() {
        var machine = ServerInviteTransaction(isReliable: false)
        var clock = MockTimers()
        clock.perform(machine.start(now: clock.now))
        clock.perform(machine.tuSendsResponse(statusCode: 180, now: clock.now))
        clock.advance(by: .seconds(2))
        let ok = machine.tuSendsResponse(statusCode: 200, now: clock.now)
        #expect(ok == [.sendResponse(statusCode: 200), .schedule(.l, at: clock.now + .seconds(32))])
        clock.perform(ok)
        #expect(machine.state == .accepted)

        #expect(machine.requestRetransmissionReceived(now: clock.now).isEmpty)
        #expect(machine.tuSendsResponse(statusCode: 200, now: clock.now) == [.sendResponse(statusCode: 200)])
        #expect(machine.tuSendsResponse(statusCode: 486, now: clock.now).isEmpty)
        #expect(machine.tuSendsResponse(statusCode: 183, now: clock.now).isEmpty)
        #expect(machine.ackReceived(now: clock.now) == [.passRequest])
        #expect(machine.ackReceived(now: clock.now) == [.passRequest])
        #expect(machine.transportError(now: clock.now) == [.reportFailure(.transportError)])
        #expect(machine.state == .accepted)
        runTimers(&clock) { machine.timerFired($0, now: $1) }
        #expect(machine.state == .terminated)
        #expect(clock.elapsedMilliseconds == 34000)
        #expect(clock.responseRetransmissionTimes.isEmpty)
    }

    @Test("Transport errors are reported without a change of state in Proceeding and Completed (RFC 6026 fig. 7)")
    func transportErrors() {
        let now = NIODeadline.uptimeNanoseconds(0)
        var machine = ServerInviteTransaction(isReliable: false)
        _ = machine.start(now: now)
        #expect(machine.transportError(now: now) == [.reportFailure(.transportError)])
        #expect(machine.state == .proceeding)
        _ = machine.tuSendsResponse(statusCode: 500, now: now)
        #expect(machine.transportError(now: now) == [.reportFailure(.transportError)])
        #expect(machine.state == .completed)
    }
}
