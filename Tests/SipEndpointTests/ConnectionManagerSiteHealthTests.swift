import Foundation
import SIPCore
import SIPTestSupport
import SipEndpoint
import Testing

/// Health per site: 50 connections of one phone on one in-process site share its OPTIONS probe,
/// and its failure and return reach all of them together.
@Suite("ConnectionManager: health per site")
struct ConnectionManagerSiteHealthTests {
    static let count = 50

    enum Outage: String, CaseIterable, Sendable {
        /// Sockets open, nothing answered: probes time out.
        case freeze
        /// Sockets closed: UDP unreachable.
        case goDown
    }

    /// Waits (bounded) until every connection has reported `status` after event `index`, and returns
    /// the time of each one's first such event.
    static func times(_ log: EventLog, _ status: ConnectionStatus, after index: Int, timeout: Duration) async throws
        -> [Date]
    {
        let deadline = ContinuousClock.now + timeout
        while true {  // a look after the last sleep too (EventLog.wait says why)
            var first: [Int: Date] = [:]
            for e in log.events.dropFirst(index) where e.status == status && first[e.connectionId] == nil {
                first[e.connectionId] = e.time
            }
            if first.count == count { return Array(first.values) }
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let reached = Set(log.events.dropFirst(index).filter { $0.status == status }.map(\.connectionId))
        Issue.record("only \(reached.count) of \(count) connections turned \(status) within \(timeout)")
        throw CancellationError()
    }

    static func spread(_ times: [Date]) -> TimeInterval {
        guard let first = times.min(), let last = times.max() else { return 0 }
        return last.timeIntervalSince(first)
    }

    @Test(arguments: Outage.allCases)
    func fiftyConnectionsShareOneProbePerIntervalAndFailAndReturnTogether(outage: Outage) async throws {
        let site = try await SIPTestPeer.start()
        let connections = try (0..<Self.count).map {
            // A long back-off: only the site's probe can bring them back quickly.
            try connection(to: site, user: "\(7001 + $0)", optionsInterval: 1, regInterval: 120)
        }
        // Half the connections start 0.5 s after the others, so their own probe timers are half an
        // interval out of step: probing on their own, they would fail about 0.5 s apart.
        let half = Self.count / 2
        let phone = Phone.onOwnThread(configuration: fastConfiguration(Array(connections[..<half])))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await waitUntil(timeout: .seconds(10)) {
            phone.connectionManager.connections.allSatisfy { $0.status == .ready }
        }
        try await Task.sleep(for: .milliseconds(500))
        for c in connections[half...] { _ = try await phone.connectionManager.addConnection(c) }
        _ = try await Self.times(log, .ready, after: 0, timeout: .seconds(10))
        #expect(site.requests(.register).count == Self.count)
        // One interval for the late half to fall into step with the site's probe.
        try await Task.sleep(for: .milliseconds(1_500))

        // About one OPTIONS per options_interval at the site, not one per connection.
        let before = site.requests(.options).count
        let windowStart = ContinuousClock.now
        try await Task.sleep(for: .seconds(3))
        // The window is measured, not assumed: in a full run's first wave, where tests take 2-7 times
        // their time alone, a 3 s sleep can wake seconds late, and the site rightly sees a probe for
        // every second of that (a CI run counted 6; alone, with CPU hogs or slow answers it is 3).
        let window = (ContinuousClock.now - windowStart) / .seconds(1)
        // Probes are counted by transaction: a loaded machine's late answer draws retransmissions.
        let probes = Set(site.requests(.options).dropFirst(before).compactMap { try? $0.message.topVia.branch }).count
        #expect(
            probes >= 2 && probes <= Int(window) + 2,
            "\(probes) OPTIONS in \(window) s for \(Self.count) connections at 1 s")

        // The site stops answering: every connection fails within a moment of the others.
        var seen = log.events.count
        switch outage {
        case .freeze: try await site.freeze()
        case .goDown: try await site.goDown()
        }
        let failed = try await Self.times(log, .failed, after: seen, timeout: .seconds(6))
        #expect(
            Self.spread(failed) <= 0.3,
            "failures spread over \(Self.spread(failed)) s: one shared result, not 50 probes")
        #expect(phone.connectionManager.connections.allSatisfy { $0.status == .failed })

        // It answers again: every connection re-registers at once, within a moment of the others.
        seen = log.events.count
        let registersBefore = site.requests(.register).count
        switch outage {
        case .freeze: try await site.thaw()
        case .goDown: try await site.comeBack()
        }
        let ready = try await Self.times(log, .ready, after: seen, timeout: .seconds(6))
        #expect(Self.spread(ready) <= 2, "returns spread over \(Self.spread(ready)) s")
        #expect(site.requests(.register).count - registersBefore >= Self.count)
        print(
            "site health (\(outage)): \(probes) OPTIONS in \(window) s; failures spread \(Self.spread(failed)) s; returns spread \(Self.spread(ready)) s"
        )

        await phone.shutdown()
        try await site.stop()
    }
}
