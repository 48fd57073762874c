import Foundation
import SIPTestSupport
import Testing

@testable import SipEndpoint

/// `invite_timeout = auto` against the Kamailio lab: a phone registered on both sites with every
/// failover and transaction-timer setting at its default (`invite_timeout` auto, `adaptive_t1` on,
/// `sip_transaction_timeout` 4 s). The sites answer REGISTER within a millisecond on loopback, so the
/// learned give-up is the 800 ms floor; `options_interval` = 30 s keeps probes out of the test, so
/// connection 0 is still `ready` when the dial starts and the dial finds out by itself.
@Suite(
    "Learned give-up against real Kamailio sites",
    .serialized,
    .enabled(if: labIsRunnable, "Kamailio lab not installed: run Scripts/install-deps"),
    .kamailioLab,
    .timeLimit(.minutes(2))
)
struct LearnedGiveUpLabTests {
    @Test("with default failover settings, a dial on a just-frozen site A connects through site B within 1.5 s")
    func justFrozenSiteCostsUnderOneAndAHalfSeconds() async throws {
        let lab = try #require(KamailioLabTrait.current, "the lab trait did not start the lab")
        let configuration = SipEndpointConfiguration(
            connections: [
                CallControlLabTests.connection(host: KamailioSiteDescriptor.a.host),
                CallControlLabTests.connection(host: KamailioSiteDescriptor.b.host),
            ],
            endpoint: EndpointPolicy(localAddress: "127.0.0.1"))
        #expect(configuration.failover == FailoverPolicy())
        #expect(configuration.endpoint.sipTransactionTimeoutMilliseconds == 4000)
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        do {
            try await log.wait(connection: 0, status: .ready, timeout: .seconds(5))
            try await log.wait(connection: 1, status: .ready, timeout: .seconds(5))
            try await lab.sites.a.freeze()
            #expect(phone.connectionManager.connection(0)?.status == .ready)
            let dialled = Date()
            let session = try await phone.callControl.dial(
                connectionId: 0, destination: SIPpUAS.TestNumber.answer.number)
            let calls = SessionLog(session.statusChanges)
            let connected = try await calls.wait(for: .connected, timeout: .seconds(4))
            let failover = try #require(calls.failovers.first)
            let failedOverAfter = failover.time.timeIntervalSince(dialled)
            let connectedAfter = connected.time.timeIntervalSince(dialled)
            #expect(failover.fromConnectionId == 0 && failover.toConnectionId == 1)
            #expect(failover.cause.hasPrefix("408 "), "cause \(failover.cause)")
            #expect(failedOverAfter >= 0.75, "the 800 ms floor, not less: \(failedOverAfter) s")
            #expect(connected.connectionId == 1)
            #expect(connectedAfter < 1.5, "\(connectedAfter) s")
            try await lab.sites.a.thaw()
            try await session.hangUp()
            try await calls.wait(for: .disconnected, timeout: .seconds(3))
            print(
                "lab-measure learned-give-up frozen-site-a failed-over-after=\(CallControlLabTests.format(failedOverAfter))s connected-after=\(CallControlLabTests.format(connectedAfter))s"
            )
        } catch {
            try? await lab.sites.a.thaw()
            await phone.shutdown()
            throw error
        }
        try? await lab.sites.a.thaw()
        await phone.shutdown()
    }
}
