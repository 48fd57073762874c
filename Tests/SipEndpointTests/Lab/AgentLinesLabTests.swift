import Foundation
import SIPTestSupport
import SipEndpoint
import Testing

/// Two agents in one process against the real Kamailio sites: connections 0, 1 = 7001 on A, B and
/// 2, 3 = 7002 on A, B, all UDP, with `auto_answer` and `hold_others` on. Every call rule stays in an
/// agent's line: the site's call for 7002 rings on 7002's connection, 7001's call is not held by it,
/// and 7002's dial that site A answers 408 fails over to 7002's site-B connection only.
@Suite(
    "Agent lines against real Kamailio sites",
    .serialized,
    .enabled(if: labIsRunnable, "Kamailio lab not installed: run Scripts/install-deps"),
    .kamailioLab,
    .timeLimit(.minutes(2))
)
struct AgentLinesLabTests {
    private var lab: KamailioLab {
        get throws { try #require(KamailioLabTrait.current, "the lab trait did not start the lab") }
    }

    static func connection(_ user: String, host: String) -> ConnectionConfiguration {
        ConnectionConfiguration(
            user: user, server: ServerAddress(host: host, port: 5060), transport: .udp, password: "pass\(user)",
            reregisterInSeconds: 300, regInterval: 30, regRetryMax: 60, optionsInterval: 30)
    }

    static var configuration: SipEndpointConfiguration {
        let a = KamailioSiteDescriptor.a.host, b = KamailioSiteDescriptor.b.host
        return SipEndpointConfiguration(
            connections: [
                connection("7001", host: a), connection("7001", host: b), connection("7002", host: a),
                connection("7002", host: b),
            ],
            endpoint: EndpointPolicy(sipTransactionTimeoutMilliseconds: 1000, localAddress: "127.0.0.1"),
            failover: FailoverPolicy(inviteTimeoutMilliseconds: 1000),
            session: SessionPolicy(autoAnswer: true, holdOthers: true))
    }

    @Test(
        "7002's call through site A is answered on 7002's connection while 7001's call stays connected; 7002's 408 fails over to 7002 on site B"
    )
    func twoAgentsOneProcess() async throws {
        let lab = try lab
        let phone = Phone.onOwnThread(configuration: Self.configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        do {
            for id in 0..<4 { try await log.wait(connection: id, status: .ready, timeout: .seconds(5)) }

            // 7001 is on a call through site A.
            let first = try await phone.callControl.dial(connectionId: 0, destination: SIPpUAS.TestNumber.answer.number)
            let firstLog = SessionLog(first.statusChanges)
            try await firstLog.wait(for: .connected, timeout: .seconds(5))

            // A caller (SIPp as 7003) rings 7002 through site A; auto_answer picks it up.
            let sessions = SessionLog(phone.callControl.events)
            let caller = Task {
                try await SIPpUAC.run(
                    .call, site: .a, user: "7003", password: "pass7003", service: "7002", timeout: .seconds(10),
                    configuration: lab.configuration)
            }
            let outcome = try await caller.value
            #expect(outcome.succeeded, "SIPp exit \(outcome.exitStatus); messages:\n\(outcome.messages)")
            let inbound = sessions.statuses.filter { $0.sessionId != first.id }
            #expect(inbound.contains { $0.status == .connected }, "\(inbound.map { "\($0.status) \($0.reason)" })")
            #expect(
                inbound.allSatisfy { $0.connectionId == 2 && $0.user == "7002" },
                "\(inbound.map { "\($0.connectionId) \($0.user)" })")
            #expect(!firstLog.statuses.map(\.status).contains(.held), "7002's answer must not hold 7001's call")
            #expect(phone.callControl.sessions.first { $0.id == first.id }?.isHeldLocally == false)

            // 7002 dials the number site A answers 408: the failover stays in 7002's line.
            let dial = try await phone.callControl.dial(
                connectionId: 2, destination: SIPpUAS.TestNumber.requestTimeout.number)
            let dialLog = SessionLog(dial.statusChanges)
            let end = try await dialLog.wait(for: .disconnected, timeout: .seconds(5))
            #expect(
                dialLog.failovers.map { [$0.fromConnectionId, $0.toConnectionId] } == [[2, 3]], "\(dialLog.failovers)")
            #expect(end.connectionId == 3 && end.user == "7002" && end.reason.statusCode == 408, "\(end.reason)")
            try await first.hangUp()
            print("lab-measure agent-lines inbound-connection=2 failover=2→3 first-call-held=false")
        } catch {
            await phone.shutdown()
            throw error
        }
        await phone.shutdown()
    }
}
