import NIOCore
import SIPCore
import Testing

@testable import SIPUserAgent

/// An incoming call ends on its own when nobody answers: the callee's session machine arms the ring
/// timer when it rings and answers 480 when it fires, on a virtual clock.
@Suite("Ring timeout of an incoming call")
struct RingTimeoutTests {
    @Test("Unanswered for the ring time: 480 Temporarily Unavailable, both sides end")
    func unansweredRingingEndsWith480() throws {
        var h = try CallHarness(configuration: InviteSessionConfiguration(ringTimeout: .seconds(60)))
        h.dial()
        h.actCallee { $0.ring(now: $1) }
        #expect(h.deadline(.callee, .ringTimeout) == 60)
        h.advance(seconds: 59.9)
        #expect(h.responses(480, from: .callee).isEmpty)
        h.fire(.callee, .ringTimeout)
        #expect(h.seconds == 60)
        let final = try #require(h.responses(480, from: .callee).first)
        #expect(final.reasonPhrase == "Temporarily Unavailable")
        #expect(h.lastChange(.callee)?.reason == .rejectedLocally)
        #expect(h.lastChange(.caller)?.statusCode == 480)
        #expect(h.finished == [.caller, .callee])
    }

    @Test("Answered before the ring time: the timer is cancelled, nothing more is sent")
    func answeredCancelsTheTimer() throws {
        var h = try CallHarness(configuration: InviteSessionConfiguration(ringTimeout: .seconds(5)))
        h.establish()
        #expect(h.deadline(.callee, .ringTimeout) == nil)
        h.act(.callee) { $0.timerFired(.ringTimeout, now: $1) }
        #expect(h.responses(480, from: .callee).isEmpty)
        #expect(h.lastChange(.callee)?.state == .confirmed)
    }

    @Test("A second provisional does not re-arm the ring timer; without a ring time none is armed")
    func oneTimerPerCall() throws {
        var h = try CallHarness(configuration: InviteSessionConfiguration(ringTimeout: .seconds(10)))
        h.dial()
        h.actCallee { $0.ring(now: $1) }
        h.advance(seconds: 4)
        h.actCallee { $0.ring(statusCode: 183, now: $1) }
        #expect(h.deadline(.callee, .ringTimeout) == 10)

        var off = try CallHarness(configuration: InviteSessionConfiguration(ringTimeout: nil))
        off.dial()
        off.actCallee { $0.ring(now: $1) }
        #expect(off.deadline(.callee, .ringTimeout) == nil)
    }
}
