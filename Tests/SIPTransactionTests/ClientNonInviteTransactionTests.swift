import NIOCore
import Testing

@testable import SIPTransaction

@Suite("ClientNonInviteTransaction (RFC 3261 figure 6)")
struct ClientNonInviteTransactionTests {
    let rfcTimers = TransactionTimerConfiguration(transactionTimeout: .seconds(32))

    @Test("UDP, no response: Timer E at 500, 1000, 2000 ms; Timer F capped at 4000 ms → local 408")
    func udpTimeoutWithCap() {
        var machine = ClientNonInviteTransaction(isReliable: false)
        var clock = MockTimers()
        clock.perform(machine.start(now: clock.now))
        runTimers(&clock) { machine.timerFired($0, now: $1) }
        #expect(clock.requestTransmissionTimes == [0, 500, 1500, 3500])
        #expect(machine.retransmissionCount == 3)
        #expect(clock.failures == [.timeout])
        #expect(clock.elapsedMilliseconds == 4000)
        #expect(clock.pending.isEmpty)
    }

    @Test("UDP, no response, RFC 32 s Timer F: E doubles up to T2 = 4 s, 10 retransmissions")
    func udpTimeoutRFC() {
        var machine = ClientNonInviteTransaction(isReliable: false, configuration: rfcTimers)
        var clock = MockTimers()
        clock.perform(machine.start(now: clock.now))
        runTimers(&clock) { machine.timerFired($0, now: $1) }
        let times = clock.requestTransmissionTimes
        #expect(times == [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500])
        #expect(
            zip(times.dropFirst(), times).map { $0 - $1 } == [
                500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000,
            ])
        #expect(machine.retransmissionCount == 10)
        #expect(clock.elapsedMilliseconds == 32000)
        #expect(clock.failures == [.timeout])
    }

    @Test("TCP, no response: one transmission, local 408 after 4 s")
    func reliableTimeout() {
        var machine = ClientNonInviteTransaction(isReliable: true)
        var clock = MockTimers()
        clock.perform(machine.start(now: clock.now))
        runTimers(&clock) { machine.timerFired($0, now: $1) }
        #expect(clock.requestTransmissionTimes == [0])
        #expect(clock.failures == [.timeout])
        #expect(clock.elapsedMilliseconds == 4000)
    }

    @Test("Trying → 1xx → Proceeding: E at T2, F moves out to 64·T1; 200 → Completed, K = T4; K ends it")
    func proceedingThenFinal() {
        var machine = ClientNonInviteTransaction(isReliable: false)
        var clock = MockTimers()
        clock.perform(machine.start(now: clock.now))
        clock.advance(by: .milliseconds(200))
        let provisional = machine.responseReceived(statusCode: 100, now: clock.now)
        #expect(provisional == [.passResponse(statusCode: 100), .schedule(.f, at: clock.start + .seconds(32))])
        clock.perform(provisional)
        #expect(machine.state == .proceeding)

        // E still fires at 500 ms, then every T2.
        for _ in 0..<3 {
            let timer = clock.advanceToNextTimer()
            #expect(timer == .e)
            clock.perform(machine.timerFired(.e, now: clock.now))
        }
        #expect(clock.requestTransmissionTimes == [0, 500, 4500, 8500])
        #expect(machine.responseReceived(statusCode: 180, now: clock.now) == [.passResponse(statusCode: 180)])

        clock.advance(by: .seconds(1))
        let final = machine.responseReceived(statusCode: 200, now: clock.now)
        #expect(
            final == [
                .cancel(.e), .cancel(.f), .passResponse(statusCode: 200), .schedule(.k, at: clock.now + .seconds(5)),
            ])
        clock.perform(final)
        #expect(machine.state == .completed)
        #expect(machine.responseReceived(statusCode: 200, now: clock.now).isEmpty)
        #expect(machine.transportError(now: clock.now).isEmpty)
        runTimers(&clock) { machine.timerFired($0, now: $1) }
        #expect(machine.state == .terminated)
        #expect(clock.elapsedMilliseconds == 9500 + 5000)
    }

    @Test("A slow server that sent 1xx still times out at the RFC's 64·T1")
    func proceedingTimesOutAt64T1() {
        var machine = ClientNonInviteTransaction(isReliable: true)
        var clock = MockTimers()
        clock.perform(machine.start(now: clock.now))
        clock.advance(by: .seconds(1))
        clock.perform(machine.responseReceived(statusCode: 100, now: clock.now))
        runTimers(&clock) { machine.timerFired($0, now: $1) }
        #expect(clock.failures == [.timeout])
        #expect(clock.elapsedMilliseconds == 32000)
    }

    @Test("Trying → final directly, on UDP and on TCP", arguments: [200, 202, 401, 404, 500, 603])
    func finalFromTrying(statusCode: Int) {
        let now = NIODeadline.uptimeNanoseconds(0)
        var udp = ClientNonInviteTransaction(isReliable: false)
        _ = udp.start(now: now)
        #expect(
            udp.responseReceived(statusCode: statusCode, now: now) == [
                .cancel(.e), .cancel(.f), .passResponse(statusCode: statusCode), .schedule(.k, at: now + .seconds(5)),
            ])
        var tcp = ClientNonInviteTransaction(isReliable: true)
        _ = tcp.start(now: now)
        #expect(
            tcp.responseReceived(statusCode: statusCode, now: now) == [
                .cancel(.f), .passResponse(statusCode: statusCode), .terminated,
            ])
        // No ACK for a non-INVITE.
        #expect(!udp.responseReceived(statusCode: statusCode, now: now).contains(.sendAck))
    }

    @Test("Transport error in Trying and Proceeding → local 503")
    func transportError() {
        let now = NIODeadline.uptimeNanoseconds(0)
        var trying = ClientNonInviteTransaction(isReliable: false)
        _ = trying.start(now: now)
        #expect(
            trying.transportError(now: now) == [.cancel(.e), .cancel(.f), .reportFailure(.transportError), .terminated])

        var proceeding = ClientNonInviteTransaction(isReliable: true)
        _ = proceeding.start(now: now)
        _ = proceeding.responseReceived(statusCode: 100, now: now)
        #expect(proceeding.transportError(now: now) == [.cancel(.f), .reportFailure(.transportError), .terminated])
    }
}
