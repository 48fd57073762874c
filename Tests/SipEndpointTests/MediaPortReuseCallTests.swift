import Foundation
import SIPTestSupport
import Testing

@testable import SipEndpoint

/// A call's media ports carry the phone's next call, but only once the last call's INVITE session is
/// over: until its BYE is answered the peer may still be sending to them.
@Suite("Media ports kept between calls, end to end")
struct MediaPortReuseCallTests {
    /// The `m=audio` port of an SDP body.
    static func mediaPort(_ body: String) -> Int? {
        body.split(whereSeparator: \.isNewline).first { $0.hasPrefix("m=audio ") }
            .flatMap { Int($0.split(separator: " ")[1]) }
    }

    static func idlePairs(_ phone: Phone) async throws -> Int {
        let driver = phone.shards.all[0]
        return try await driver.eventLoop.submit { driver.mediaPorts.idleCount }.get()
    }

    static func restedPairs(_ phone: Phone) async throws -> Int {
        let driver = phone.shards.all[0]
        return try await driver.eventLoop.submit { driver.mediaPorts.restedCount }.get()
    }

    @Test func theNextCallOffersTheLastCallsPortsOnceItsByeIsAnswered() async throws {
        let sites = try await CallControlTests.TwoSites.start()
        let first = try await sites.phone.callControl.dial(connectionId: 0, destination: "9000")
        let firstLog = SessionLog(first.statusChanges)
        try await firstLog.wait(for: .connected)
        try await first.hangUp()
        // The BYE is answered (hangUp returned): the pair rests 250 ms, then the next call takes it.
        #expect(try await Self.idlePairs(sites.phone) == 1)
        try await waitUntil { try await Self.restedPairs(sites.phone) == 1 }
        let second = try await sites.phone.callControl.dial(connectionId: 0, destination: "9000")
        let secondLog = SessionLog(second.statusChanges)
        try await secondLog.wait(for: .connected)
        let offers = sites.a.invites.compactMap { Self.mediaPort($0.bodyText) }
        #expect(offers.count == 2 && offers[0] == offers[1], "offered ports \(offers)")
        #expect(try await Self.idlePairs(sites.phone) == 0)
        try await second.hangUp()
        try await sites.stop()
    }

    @Test func aPairWaitsForAnUnansweredByeToEnd() async throws {
        let sites = try await CallControlTests.TwoSites.start()
        let call = try await sites.phone.callControl.dial(connectionId: 0, destination: "9000")
        let log = SessionLog(call.statusChanges)
        try await log.wait(for: .connected)
        try await sites.a.freeze()
        // The BYE goes unanswered until its transaction gives up (sip_transaction_timeout, 600 ms here).
        let hangUp = Task { try await call.hangUp() }
        try await log.wait(for: .disconnected)
        #expect(try await Self.idlePairs(sites.phone) == 0, "the peer may still send to the call's ports")
        try await hangUp.value
        #expect(try await Self.idlePairs(sites.phone) == 1, "the BYE is over: the pair waits for the next call")
        try await sites.a.thaw()
        try await sites.stop()
    }
}
