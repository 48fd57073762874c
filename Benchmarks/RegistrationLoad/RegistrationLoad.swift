import Foundation
import NIOCore
import NIOPosix
import SIPCore
import SipEndpoint

/// The agent-desktop back end in miniature or at full size: one ``Phone`` holding `dns` DNs on
/// each of several sites, against ``LoadRegistrar``s sharing one event loop of their own. The benchmark
/// (`RegistrationBench`) and the smoke test in `SipEndpointTests` both run it, so CI exercises the path
/// the recorded figures come from.
package enum RegistrationLoad {
    /// The digest password of a DN: derived, so the registrar needs no table of 10,000 secrets.
    package static func password(for user: String) -> String { "secret-\(user)" }

    /// The DN of the `index`-th line: 7-digit numbers from 2,000,000.
    package static func user(_ index: Int) -> String { String(2_000_000 + index) }

    /// One connection per DN per site, ordered DN by DN (site A then site B), as a desktop adds a
    /// line's two connections together.
    package static func configuration(
        dns: Int, sites: [SocketAddress], reregisterInSeconds: Int, optionsInterval: Int,
        transactionTimeoutMilliseconds: Int = 4000
    ) -> SipEndpointConfiguration {
        var connections: [ConnectionConfiguration] = []
        connections.reserveCapacity(dns * sites.count)
        for index in 0..<dns {
            let user = user(index)
            for site in sites {
                connections.append(
                    ConnectionConfiguration(
                        user: user, server: ServerAddress(host: site.ipAddress ?? "127.0.0.1", port: site.port),
                        transport: .udp, password: password(for: user), reregisterInSeconds: reregisterInSeconds,
                        optionsInterval: optionsInterval))
            }
        }
        return SipEndpointConfiguration(
            connections: connections,
            endpoint: EndpointPolicy(
                sipTransactionTimeoutMilliseconds: transactionTimeoutMilliseconds, localAddress: "127.0.0.1"))
    }

    /// Counts distinct connections reaching `ready` on `events` until `count` have, or `timeout` passes.
    /// Subscribe before ``Phone/start()`` so no event is missed; when the reader falls behind anyway, a
    /// `dropped` marker makes it count the ready ones in `connections` (the snapshot) instead.
    package static func waitUntilReady(
        _ events: AsyncStream<ConnectionEvent>, count: Int, timeout: Duration,
        connections: @escaping @Sendable () -> [Connection]
    ) async -> ReadyCount {
        await withTaskGroup(of: ReadyCount?.self) { group in
            group.addTask {
                var ready = Set<Int>()
                ready.reserveCapacity(count)
                var otherStatuses = 0
                var reasons: [String: Int] = [:]
                var dropped = 0
                for await element in events {
                    let event: ConnectionStatusChanged
                    switch element {
                    case .statusChanged(let change):
                        event = change
                    case .dropped(let n):
                        dropped += n
                        ready = Set(connections().lazy.filter { $0.status == .ready }.map(\.id))
                        if ready.count >= count {
                            return ReadyCount(
                                ready: ready.count, finishedAt: .now, otherStatuses: otherStatuses, reasons: reasons,
                                droppedEvents: dropped)
                        }
                        continue
                    }
                    if event.status == .ready {
                        ready.insert(event.connectionId)
                        if ready.count >= count {
                            return ReadyCount(
                                ready: ready.count, finishedAt: .now, otherStatuses: otherStatuses, reasons: reasons,
                                droppedEvents: dropped)
                        }
                    } else if event.status != .registering {
                        otherStatuses += 1
                        let key = "\(event.status.rawValue): \(event.reason.text)"
                        if reasons[key] != nil || reasons.count < 8 { reasons[key, default: 0] += 1 }
                    }
                }
                return ReadyCount(
                    ready: ready.count, finishedAt: nil, otherStatuses: otherStatuses, reasons: reasons,
                    droppedEvents: dropped)
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if let first { return first }
            // The timeout won; the counter ends at its next event or on cancellation.
            return await group.next().flatMap { $0 }
                ?? ReadyCount(ready: 0, finishedAt: nil, otherStatuses: 0, reasons: [:], droppedEvents: 0)
        }
    }

    package struct ReadyCount: Sendable {
        /// Connections that reported `ready` at least once.
        package var ready: Int
        /// When the last needed `ready` arrived; nil when the wait timed out.
        package var finishedAt: ContinuousClock.Instant?
        /// Events with a status other than registering/ready (failed, …): should be none.
        package var otherStatuses: Int
        /// "status: reason" of those events, counted (the first 8 kinds).
        package var reasons: [String: Int]
        /// Events this reader lost because it fell more than its buffer behind (from `dropped` markers).
        package var droppedEvents: Int
    }
}

/// The registrars of the load: one per site on loopback UDP (any free port on 127.0.0.1), all on one
/// event loop that is not the phone's, so the phone's loop is measured alone.
package final class LoadSites: Sendable {
    package let registrars: [LoadRegistrar]
    private let group: MultiThreadedEventLoopGroup

    package static func start(sites: Int, host: String = "127.0.0.1") async throws -> LoadSites {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let registrars = (0..<sites).map { index in
            LoadRegistrar(host: host, realm: "site-\(index)", eventLoop: loop) { RegistrationLoad.password(for: $0) }
        }
        for registrar in registrars { try await registrar.start().get() }
        return LoadSites(registrars: registrars, group: group)
    }

    private init(registrars: [LoadRegistrar], group: MultiThreadedEventLoopGroup) {
        self.registrars = registrars
        self.group = group
    }

    package var addresses: [SocketAddress] { registrars.compactMap(\.address) }

    /// The registrars' counters summed.
    package func counters() async throws -> LoadRegistrar.Counters {
        var total = LoadRegistrar.Counters()
        for registrar in registrars {
            let c = try await registrar.counters().get()
            total.challenges += c.challenges
            total.accepted += c.accepted
            total.rejected += c.rejected
            total.options += c.options
            total.bindings += c.bindings
        }
        return total
    }

    package var eventLoop: any EventLoop { group.next() }

    package func shutdown() async {
        for registrar in registrars { try? await registrar.shutdown().get() }
        try? await group.shutdownGracefully()
    }
}
