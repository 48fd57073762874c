import Foundation
import NIOCore
import SIPTestSupport
import Testing

@testable import SipEndpoint

/// A finished call leaves nothing behind in the INVITE driver (its answered INVITE is kept for 2xx
/// retransmissions only while the dialog lives).
@Suite("INVITE driver clean-up")
struct InviteDriverCleanupTests {
    @Test func anAnsweredInboundCallLeavesNoPendingRequests() async throws {
        let sites = try await CallControlTests.TwoSites.start()
        var incoming = sites.phone.callControl.incomingCalls.makeAsyncIterator()
        async let code = sites.a.call("7001")
        let session = try #require(await incoming.next())
        let log = SessionLog(session.statusChanges)
        try await session.answer()
        #expect(try await code == 200)
        try await log.wait(for: .connected)
        try await session.hangUp()
        try await log.wait(for: .disconnected)
        // The session is released once its BYE is answered (`.terminated`); wait for that, bounded.
        let core = sites.phone.core
        var (pending, sessions) = (-1, -1)
        let deadline = ContinuousClock.now + .seconds(3)
        repeat {
            (pending, sessions) = try await core.eventLoop.submit {
                (core.calls.engine.pendingRequestCount, core.calls.engine.count)
            }.get()
            if sessions == 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now < deadline
        #expect(sessions == 0)
        #expect(pending == 0, "the INVITE kept for 2xx retransmissions is released with its dialog")
        try await sites.stop()
    }
}
