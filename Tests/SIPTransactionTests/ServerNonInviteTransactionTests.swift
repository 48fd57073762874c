import NIOCore
import Testing

@testable import SIPTransaction

@Suite("ServerNonInviteTransaction (RFC 3261 figure 8)")
struct ServerNonInviteTransactionTests {
    @Test("Trying → 1xx → Proceeding → 200 → Completed on UDP; retransmissions answered; Timer J ends it")
    func fullPathUDP() {
        var machine = ServerNonInviteTransaction(isReliable: false)
        var clock = MockTimers()
        #expect(machine.start(now: clock.now) == [.passRequest])
        #expect(machine.requestRetransmissionReceived(now: clock.now).isEmpty)
        #expect(machine.tuSendsResponse(statusCode: 100, now: clock.now) == [.sendResponse(statusCode: 100)])
        #expect(machine.state == .proceeding)
        #expect(machine.requestRetransmissionReceived(now: clock.now) == [.retransmitResponse])
        #expect(machine.tuSendsResponse(statusCode: 180, now: clock.now) == [.sendResponse(statusCode: 180)])
        clock.advance(by: .seconds(1))
        let final = machine.tuSendsResponse(statusCode: 200, now: clock.now)
        #expect(final == [.sendResponse(statusCode: 200), .schedule(.j, at: clock.now + .seconds(32))])
        clock.perform(final)
        #expect(machine.state == .completed)
        #expect(machine.requestRetransmissionReceived(now: clock.now) == [.retransmitResponse])
        #expect(machine.tuSendsResponse(statusCode: 500, now: clock.now).isEmpty)
        #expect(machine.tuSendsResponse(statusCode: 100, now: clock.now).isEmpty)
        runTimers(&clock) { machine.timerFired($0, now: $1) }
        #expect(machine.state == .terminated)
        #expect(clock.elapsedMilliseconds == 33000)
        #expect(machine.responseRetransmissionCount == 2)
    }

    @Test("Trying → final directly; on TCP the transaction ends at once (Timer J = 0)")
    func finalFromTrying() {
        let now = NIODeadline.uptimeNanoseconds(0)
        var udp = ServerNonInviteTransaction(isReliable: false)
        _ = udp.start(now: now)
        #expect(
            udp.tuSendsResponse(statusCode: 404, now: now) == [
                .sendResponse(statusCode: 404), .schedule(.j, at: now + .seconds(32)),
            ])
        var tcp = ServerNonInviteTransaction(isReliable: true)
        _ = tcp.start(now: now)
        #expect(tcp.tuSendsResponse(statusCode: 200, now: now) == [.sendResponse(statusCode: 200), .terminated])
    }

    @Test("Transport error in Proceeding and Completed: inform TU, Terminated; ignored in Trying")
    func transportErrors() {
        let now = NIODeadline.uptimeNanoseconds(0)
        var trying = ServerNonInviteTransaction(isReliable: false)
        _ = trying.start(now: now)
        #expect(trying.transportError(now: now).isEmpty)

        var proceeding = ServerNonInviteTransaction(isReliable: false)
        _ = proceeding.start(now: now)
        _ = proceeding.tuSendsResponse(statusCode: 100, now: now)
        #expect(proceeding.transportError(now: now) == [.reportFailure(.transportError), .terminated])

        var completed = ServerNonInviteTransaction(isReliable: false)
        _ = completed.start(now: now)
        _ = completed.tuSendsResponse(statusCode: 200, now: now)
        #expect(completed.transportError(now: now) == [.cancel(.j), .reportFailure(.transportError), .terminated])
    }
}
