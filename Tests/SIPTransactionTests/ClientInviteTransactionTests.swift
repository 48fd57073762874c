import NIOCore
import Testing

@testable import SIPTransaction

@Suite("ClientInviteTransaction (RFC 3261 figure 5 + RFC 6026)")
struct ClientInviteTransactionTests {
    let rfcTimers = TransactionTimerConfiguration(transactionTimeout: .seconds(32))

    @Test("UDP, no response: Timer A at 500, 1000, 2000 ms; Timer B capped at 4000 ms → local 408")
    func udpTimeoutWithCap() {
        var machine = ClientInviteTransaction(isReliable: false)
        var clock = MockTimers()
        clock.perform(machine.start(now: clock.now))
        #expect(clock.deadlineMilliseconds(of: .a) == 500)
        #expect(clock.deadlineMilliseconds(of: .b) == 4000)
        runTimers(&clock) { machine.timerFired($0, now: $1) }

        #expect(clock.requestTransmissionTimes == [0, 500, 1500, 3500])
        #expect(machine.retransmissionCount == 3)
        #expect(clock.failures == [.timeout])
        #expect(clock.failures.first?.statusCode == 408)
        #expect(clock.elapsedMilliseconds == 4000)
        #expect(machine.state == .terminated)
        #expect(clock.pending.isEmpty)
    }

    @Test("UDP, no response, RFC 32 s Timer B: A doubles without cap (…, 8 s, 16 s), 6 retransmissions")
    func udpTimeoutRFC() {
        var machine = ClientInviteTransaction(isReliable: false, configuration: rfcTimers)
        var clock = MockTimers()
        clock.perform(machine.start(now: clock.now))
        runTimers(&clock) { machine.timerFired($0, now: $1) }

        #expect(clock.requestTransmissionTimes == [0, 500, 1500, 3500, 7500, 15500, 31500])
        let intervals = zip(clock.requestTransmissionTimes.dropFirst(), clock.requestTransmissionTimes).map { $0 - $1 }
        #expect(intervals == [500, 1000, 2000, 4000, 8000, 16000])
        #expect(machine.retransmissionCount == 6)
        #expect(clock.elapsedMilliseconds == 32000)
        #expect(clock.failures == [.timeout])
    }

    @Test("TCP, no response: one transmission, no Timer A, local 408 after 4 s")
    func reliableTimeout() {
        var machine = ClientInviteTransaction(isReliable: true)
        var clock = MockTimers()
        let actions = machine.start(now: clock.now)
        #expect(actions == [.transmitRequest(attempt: 1), .schedule(.b, at: clock.now + .seconds(4))])
        clock.perform(actions)
        runTimers(&clock) { machine.timerFired($0, now: $1) }
        #expect(machine.transmissionCount == 1)
        #expect(clock.requestTransmissionTimes == [0])
        #expect(clock.failures == [.timeout])
        #expect(clock.elapsedMilliseconds == 4000)
    }

    @Test("given up by the TU: no more retransmissions, but it listens until Timer B (4 s) → local 408")
    func stopRetransmittingKeepsTimerB() {
        var machine = ClientInviteTransaction(isReliable: false)
        var clock = MockTimers()
        clock.perform(machine.start(now: clock.now))
        clock.advance(by: .milliseconds(600))
        clock.perform(machine.timerFired(.a, now: clock.now))  // the 500 ms retransmission, late
        let stop = machine.stopRetransmitting(now: clock.now)
        #expect(stop == [.cancel(.a)])
        clock.perform(stop)
        #expect(machine.state == .calling)
        #expect(clock.deadlineMilliseconds(of: .b) == 4000)
        runTimers(&clock) { machine.timerFired($0, now: $1) }
        #expect(clock.requestTransmissionTimes == [0, 600])
        #expect(clock.failures == [.timeout])
        #expect(clock.elapsedMilliseconds == 4000)
    }

    @Test("given up by the TU, then a late 486 before Timer B: ACKed by the transaction and passed up (§17.1.1.3)")
    func stopRetransmittingThenLateFailure() {
        var machine = ClientInviteTransaction(isReliable: false)
        var clock = MockTimers()
        clock.perform(machine.start(now: clock.now))
        clock.perform(machine.stopRetransmitting(now: clock.now))
        clock.advance(by: .milliseconds(1500))
        let actions = machine.responseReceived(statusCode: 486, now: clock.now)
        #expect(actions.contains(.sendAck) && actions.contains(.passResponse(statusCode: 486)))
        #expect(machine.state == .completed)
        // And outside Calling the give-up changes nothing.
        #expect(machine.stopRetransmitting(now: clock.now).isEmpty)
    }

    @Test("1xx stops Timer A and Timer B; the final response is waited for without a timer")
    func provisionalStopsRetransmissionsAndTimerB() {
        var machine = ClientInviteTransaction(isReliable: false)
        var clock = MockTimers()
        clock.perform(machine.start(now: clock.now))
        clock.advance(by: .milliseconds(700))
        clock.perform(machine.timerFired(.a, now: clock.now))  // simulates the 500 ms fire, late
        clock.advance(by: .milliseconds(100))
        let actions = machine.responseReceived(statusCode: 180, now: clock.now)
        #expect(actions == [.cancel(.a), .cancel(.b), .passResponse(statusCode: 180)])
        clock.perform(actions)
        #expect(machine.state == .proceeding)
        #expect(clock.pending.isEmpty)

        // A stale Timer B fire (raced with its cancel) changes nothing.
        #expect(machine.timerFired(.b, now: clock.now + .seconds(4)).isEmpty)
        #expect(machine.responseReceived(statusCode: 183, now: clock.now) == [.passResponse(statusCode: 183)])
        #expect(machine.state == .proceeding)
    }

    @Test(
        "Proceeding → 486 on UDP: ACK by the transaction, response to TU, Timer D 32 s; retransmitted 486 re-ACKed only"
    )
    func failureFromProceedingUDP() {
        var machine = ClientInviteTransaction(isReliable: false)
        var clock = MockTimers()
        clock.perform(machine.start(now: clock.now))
        clock.perform(machine.responseReceived(statusCode: 100, now: clock.now))
        clock.advance(by: .seconds(10))
        let actions = machine.responseReceived(statusCode: 486, now: clock.now)
        #expect(actions == [.sendAck, .passResponse(statusCode: 486), .schedule(.d, at: clock.now + .seconds(32))])
        clock.perform(actions)
        #expect(machine.state == .completed)

        #expect(machine.responseReceived(statusCode: 486, now: clock.now) == [.sendAck])
        #expect(machine.responseReceived(statusCode: 200, now: clock.now).isEmpty)
        #expect(machine.responseReceived(statusCode: 180, now: clock.now).isEmpty)
        runTimers(&clock) { machine.timerFired($0, now: $1) }
        #expect(machine.state == .terminated)
        #expect(clock.elapsedMilliseconds == 42000)
        #expect(clock.failures.isEmpty)
    }

    @Test("Calling → 3xx–6xx on UDP cancels A and B, ACKs, passes up", arguments: [302, 404, 486, 503, 603])
    func failureFromCalling(statusCode: Int) {
        var machine = ClientInviteTransaction(isReliable: false)
        let start = NIODeadline.uptimeNanoseconds(0)
        _ = machine.start(now: start)
        let now = start + .milliseconds(100)
        #expect(
            machine.responseReceived(statusCode: statusCode, now: now) == [
                .cancel(.a), .cancel(.b), .sendAck, .passResponse(statusCode: statusCode),
                .schedule(.d, at: now + .seconds(32)),
            ])
    }

    @Test("TCP: 3xx–6xx is ACKed and the transaction ends at once (Timer D = 0)")
    func failureReliable() {
        var machine = ClientInviteTransaction(isReliable: true)
        let now = NIODeadline.uptimeNanoseconds(0)
        _ = machine.start(now: now)
        #expect(
            machine.responseReceived(statusCode: 404, now: now) == [
                .cancel(.b), .sendAck, .passResponse(statusCode: 404), .terminated,
            ])
        #expect(machine.state == .terminated)
    }

    @Test("2xx → Accepted: not ACKed by the transaction, retransmitted/forked 2xx to TU, Timer M ends it")
    func acceptedState() {
        var machine = ClientInviteTransaction(isReliable: false)
        var clock = MockTimers()
        clock.perform(machine.start(now: clock.now))
        clock.perform(machine.responseReceived(statusCode: 180, now: clock.now))
        clock.advance(by: .seconds(3))
        let actions = machine.responseReceived(statusCode: 200, now: clock.now)
        #expect(actions == [.passResponse(statusCode: 200), .schedule(.m, at: clock.now + .seconds(32))])
        clock.perform(actions)
        #expect(machine.state == .accepted)

        #expect(machine.responseReceived(statusCode: 200, now: clock.now) == [.passResponse(statusCode: 200)])
        #expect(machine.responseReceived(statusCode: 202, now: clock.now) == [.passResponse(statusCode: 202)])
        #expect(machine.responseReceived(statusCode: 486, now: clock.now).isEmpty)
        #expect(machine.responseReceived(statusCode: 183, now: clock.now).isEmpty)
        #expect(machine.transportError(now: clock.now).isEmpty)
        runTimers(&clock) { machine.timerFired($0, now: $1) }
        #expect(machine.state == .terminated)
        #expect(!clock.log.contains { $0.action == .sendAck })
        #expect(clock.elapsedMilliseconds == 35000)
    }

    @Test("2xx straight from Calling on TCP → Accepted with Timer M (64·T1 on every transport)")
    func acceptedFromCallingReliable() {
        var machine = ClientInviteTransaction(isReliable: true)
        let now = NIODeadline.uptimeNanoseconds(0)
        _ = machine.start(now: now)
        #expect(
            machine.responseReceived(statusCode: 200, now: now) == [
                .cancel(.b), .passResponse(statusCode: 200), .schedule(.m, at: now + .seconds(32)),
            ])
    }

    @Test("Transport error in Calling and Proceeding → local 503, timers cancelled")
    func transportErrorBeforeFinal() {
        var calling = ClientInviteTransaction(isReliable: false)
        let now = NIODeadline.uptimeNanoseconds(0)
        _ = calling.start(now: now)
        #expect(
            calling.transportError(now: now) == [
                .cancel(.a), .cancel(.b), .reportFailure(.transportError), .terminated,
            ])
        #expect(TransactionFailure.transportError.statusCode == 503)

        var proceeding = ClientInviteTransaction(isReliable: true)
        _ = proceeding.start(now: now)
        _ = proceeding.responseReceived(statusCode: 180, now: now)
        #expect(proceeding.transportError(now: now) == [.reportFailure(.transportError), .terminated])
    }

    @Test("Transport error in Completed ends the transaction without a second (synthetic) final")
    func transportErrorInCompleted() {
        var machine = ClientInviteTransaction(isReliable: false)
        let now = NIODeadline.uptimeNanoseconds(0)
        _ = machine.start(now: now)
        _ = machine.responseReceived(statusCode: 486, now: now)
        #expect(machine.transportError(now: now) == [.cancel(.d), .terminated])
    }

    @Test("Status codes outside 100–699 and a second start are ignored")
    func ignoredInput() {
        var machine = ClientInviteTransaction(isReliable: false)
        let now = NIODeadline.uptimeNanoseconds(0)
        _ = machine.start(now: now)
        #expect(machine.start(now: now).isEmpty)
        #expect(machine.responseReceived(statusCode: 99, now: now).isEmpty)
        #expect(machine.responseReceived(statusCode: 700, now: now).isEmpty)
        #expect(machine.state == .calling)
    }
}
