import SIPTestSupport
import SipEndpoint
import Testing

/// `hold()`, `retrieve()` and `hangUp()` return when their request has its final answer: a peer that
/// delays its 200 to the re-INVITE or the BYE delays their return, and what they changed is visible
/// the moment they return.
@Suite("Operations that return when final")
struct FinalOperationsTests {
    static let delay = Duration.milliseconds(300)

    /// One site whose answers to re-INVITEs and BYEs come `delay` late (under the 600 ms transaction
    /// timeout of the test configuration), and a phone registered on it.
    static func slowPeer(answerDelay: Duration = delay) async throws -> (InProcessSite, Phone) {
        var configuration = InProcessSite.Configuration(
            name: "slow", testNumbers: ["9000": .answer(), "9999": .silent])
        configuration.inDialogAnswerDelay = answerDelay
        let site = try await InProcessSite.start(configuration)
        let phone = Phone.onOwnThread(
            configuration: fastConfiguration([
                ConnectionConfiguration(
                    user: "7001", server: ServerAddress(host: "127.0.0.1", port: site.port), password: "pass7001",
                    optionsInterval: 0)
            ]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        return (site, phone)
    }

    @Test(.timeLimit(.minutes(1))) func holdAndRetrieveReturnWithTheReinvitesAnswer() async throws {
        let (site, phone) = try await Self.slowPeer()
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        let log = SessionLog(session.statusChanges)
        try await log.wait(for: .connected)

        let asked = ContinuousClock.now
        try await session.hold()
        #expect(ContinuousClock.now - asked >= Self.delay, "hold() waited for the 200 to its re-INVITE")
        #expect(session.status == .held, "held the moment hold() returns")
        #expect(session.snapshot?.isHeldLocally == true)
        #expect(site.invites.last?.bodyText.contains("a=sendonly") == true)

        let retrieving = ContinuousClock.now
        try await session.retrieve()
        #expect(ContinuousClock.now - retrieving >= Self.delay, "retrieve() waited for its 200 too")
        #expect(session.status == .connected)
        try await session.hangUp()
        await phone.shutdown()
        try await site.stop()
    }

    @Test(.timeLimit(.minutes(1))) func hangUpReturnsWithTheByesAnswer() async throws {
        let (site, phone) = try await Self.slowPeer()
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        let log = SessionLog(session.statusChanges)
        try await log.wait(for: .connected)
        let asked = ContinuousClock.now
        try await session.hangUp()
        #expect(ContinuousClock.now - asked >= Self.delay, "hangUp() waited for the 200 to its BYE")
        #expect(site.byeCount == 1)
        #expect(session.status == .disconnected)
        await phone.shutdown()
        try await site.stop()
    }

    @Test(.timeLimit(.minutes(1))) func hangUpWhileRingingReturnsWhenTheInviteEnds() async throws {
        let (site, phone) = try await Self.slowPeer()
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9999")  // never answered
        let log = SessionLog(session.statusChanges)
        try await waitUntil { !site.invites.isEmpty }
        try await session.hangUp()
        #expect(session.status == .disconnected)
        #expect(try await log.wait(for: .disconnected).reason.kind == .localHangUp)
        // The hang-up returned after the CANCEL's INVITE ended: a new dial goes out at once, alone.
        #expect(site.invites.count == 1, "no other attempt after the cancel")
        await phone.shutdown()
        try await site.stop()
    }

    @Test(.timeLimit(.minutes(1))) func aHangUpStillWaitingWhenThePhoneStopsReturns() async throws {
        // The BYE's 200 never comes while the test runs.
        let (site, phone) = try await Self.slowPeer(answerDelay: .seconds(30))
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        try await SessionLog(session.statusChanges).wait(for: .connected)
        let hangingUp = Task { try await session.hangUp() }
        try await waitUntil { site.byeCount == 1 }
        // The phone stops with the BYE unanswered: its transactions are gone, so no answer will come,
        // and the waiting hang-up completes instead of holding its caller (or a promise) for ever.
        await phone.shutdown()
        try await hangingUp.value
        #expect(session.status == .disconnected)
        try await site.stop()
    }
}
