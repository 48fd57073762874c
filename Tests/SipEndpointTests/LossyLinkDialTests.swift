import Foundation
import SIPTestSupport
import Testing

@testable import SipEndpoint

/// The learned give-up over a real slow, lossy link: site A behind a ``LossyUDPRelay`` with 100 ms
/// round trip (50 ms ± 10 ms each way) and 10 % loss each way, fixed seed; site B direct. The
/// 200-dial statistics run on a virtual clock (`LearnedGiveUpTests`); this is the same rule on real
/// sockets, fewer dials, run a few at a time to bound the wall time.
@Suite("Learned give-up over a lossy UDP relay", .timeLimit(.minutes(1)))
struct LossyLinkDialTests {
    @Test("24 dials through a 100 ms, 10 %-loss link to site A: every one connects, at most one fails over needlessly")
    func lossyLinkDialsStayOnTheirSite() async throws {
        let siteA = try await InProcessSite.start(.init(name: "site-a"))
        let siteB = try await InProcessSite.start(.init(name: "site-b"))
        let link = LossyUDPRelay.Link(delay: .milliseconds(50), jitter: .milliseconds(10), loss: 0.10)
        // The in-process site does not retransmit its 200 (a UAS core's job, RFC 3261 §13.3.1.4), so
        // 200s are delayed but never lost; the failover turns on the INVITE and its 100/180 alone.
        let relay = try await LossyUDPRelay.start(
            toServerPort: siteA.port, toServer: link, toClient: link, seed: 0x5EED_0015,
            spare: { $0.readableBytesView.starts(with: "SIP/2.0 200".utf8) })
        func connection(port: Int) -> ConnectionConfiguration {
            ConnectionConfiguration(
                user: "7001", server: ServerAddress(host: "127.0.0.1", port: port), password: "pass7001",
                optionsInterval: 0)
        }
        let configuration = SipEndpointConfiguration(
            connections: [connection(port: relay.port), connection(port: siteB.port)],
            endpoint: EndpointPolicy(localAddress: "127.0.0.1"),
            session: SessionPolicy(holdOthers: false))
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready, timeout: .seconds(10))
        try await log.wait(connection: 1, status: .ready)

        var connectedOn: [Int] = []
        var failovers = 0
        for _ in 0..<4 {
            let batch = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
                        let calls = SessionLog(session.statusChanges)
                        let connected = try await calls.wait(for: .connected, timeout: .seconds(8))
                        try await session.hangUp()
                        try await calls.wait(for: .disconnected, timeout: .seconds(5))
                        return (connected.connectionId, calls.failovers.count)
                    }
                }
                var results: [(Int, Int)] = []
                for try await result in group { results.append(result) }
                return results
            }
            connectedOn += batch.map(\.0)
            failovers += batch.map(\.1).reduce(0, +)
        }
        let counts = relay.counts
        #expect(connectedOn.count == 24)
        #expect(failovers <= 1, "\(failovers) needless failovers; connected on \(connectedOn)")
        #expect(counts.dropped > 0, "the link lost datagrams: \(counts)")
        print(
            "lossy-link dials=24 failovers=\(failovers) relay forwarded=\(counts.forwarded) dropped=\(counts.dropped)")
        await phone.shutdown()
        try await relay.stop()
        try await siteA.stop()
        try await siteB.stop()
    }
}
