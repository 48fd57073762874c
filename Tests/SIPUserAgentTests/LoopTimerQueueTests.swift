import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import SIPUserAgent

/// The one-NIO-timer queue behind every registration timer, on a real event loop.
@Suite("LoopTimerQueue")
struct LoopTimerQueueTests {
    /// Found by the Kamailio lab: connection 1's probe, due a millisecond after connection 0's, waited
    /// a whole probe interval because connection 0's callback re-armed the queue for one interval on.
    @Test func anEntryDueJustAfterOneThatReschedulesItselfStillFiresOnTime() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let fired = NIOLockedValueBox<[(token: Int, at: NIODeadline)]>([])
        let start = NIODeadline.now()
        try await loop.submit {
            let queue = LoopTimerQueue<Int>(eventLoop: loop)
            queue.onFire = { token in
                fired.withLockedValue { $0.append((token, .now())) }
                // Token 0 is a probe: it schedules its next run far away, as the registration machine does.
                if token == 0 { queue.schedule(0, at: .now() + .seconds(10)) }
            }
            queue.schedule(0, at: start + .milliseconds(50))
            queue.schedule(1, at: start + .milliseconds(52))
            // Keep the queue alive until the test ends (the loop holds the scheduled task, not the queue).
            loop.scheduleTask(in: .seconds(2)) { _ = queue }
        }.get()
        for _ in 0..<100 where fired.withLockedValue({ $0.count }) < 2 {
            try await Task.sleep(for: .milliseconds(10))
        }
        let events = fired.withLockedValue { $0 }
        #expect(events.map(\.token) == [0, 1])
        if let second = events.last, second.token == 1 {
            #expect(second.at - start < .milliseconds(500), "token 1 fired \(second.at - start) after start")
        }
        try await group.shutdownGracefully()
    }
}
