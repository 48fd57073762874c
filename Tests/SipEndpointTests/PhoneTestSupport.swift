import Foundation
import NIOCore
import SIPCore
import SIPTestSupport
import SIPTransport
import SipEndpoint
import Synchronization
import Testing

/// Collects a phone's connection events from the moment it is created.
final class EventLog: Sendable {
    private let task: Task<Void, Never>
    private let box = Box()

    private final class Box: Sendable {
        let events = Mutex<[ConnectionStatusChanged]>([])
        let dropped = Mutex(0)
    }

    init(_ stream: AsyncStream<ConnectionEvent>) {
        let box = self.box
        task = Task {
            for await event in stream {
                switch event {
                case .statusChanged(let change): box.events.withLock { $0.append(change) }
                case .dropped(let count): box.dropped.withLock { $0 += count }
                }
            }
        }
    }

    deinit { task.cancel() }

    var events: [ConnectionStatusChanged] { box.events.withLock { $0 } }
    /// Events this log lost by falling behind (the sum of its `dropped` markers).
    var dropped: Int { box.dropped.withLock { $0 } }

    /// Waits (bounded) for an event matching `predicate` and returns it.
    @discardableResult
    func wait(
        after index: Int = 0, timeout: Duration = .seconds(5), _ predicate: (ConnectionStatusChanged) -> Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ConnectionStatusChanged {
        let deadline = ContinuousClock.now + timeout
        // A look after the last sleep too: a sleep that wakes past the deadline on a busy machine must
        // not miss an event that came while it slept (a failure once listed the very event it missed).
        while true {
            if let e = events.dropFirst(index).first(where: predicate) { return e }
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record(
            "no matching event within \(timeout); saw \(events.map { "\($0.connectionId):\($0.status)" })",
            sourceLocation: sourceLocation)
        throw CancellationError()
    }

    @discardableResult
    func wait(
        connection id: Int, status: ConnectionStatus, after index: Int = 0, timeout: Duration = .seconds(5),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ConnectionStatusChanged {
        return try await wait(
            after: index, timeout: timeout, { e in e.connectionId == id && e.status == status },
            sourceLocation: sourceLocation)
    }
}

/// A connection to an in-process peer (UDP on loopback) with fast, test-sized timings.
func connection(
    to peer: SIPTestPeer, user: String = "7001", transport: SIPTransportProtocol = .udp,
    optionsInterval: Int = 0, regInterval: Int = 30, password: String? = nil
) throws -> ConnectionConfiguration {
    let address = try peer.address(transport)
    return ConnectionConfiguration(
        user: user, server: ServerAddress(host: address.ipAddress ?? "127.0.0.1", port: address.port),
        transport: transport == .udp ? .udp : .tcp, password: password, reregisterInSeconds: 60,
        regInterval: regInterval, regRetryMax: 60, optionsInterval: optionsInterval)
}

func fastConfiguration(_ connections: [ConnectionConfiguration], timeoutMs: Int = 600) -> SipEndpointConfiguration {
    SipEndpointConfiguration(
        connections: connections,
        endpoint: EndpointPolicy(sipTransactionTimeoutMilliseconds: timeoutMs, localAddress: "127.0.0.1"),
        // T1 = 500 ms as these tests were written for: they count requests at peers that answer every
        // retransmission, and a loaded test machine is slower than a learned loopback T1.
        failover: FailoverPolicy(inviteTimeoutMilliseconds: timeoutMs, adaptiveT1: false))
}

/// Waits until `condition` holds, looking every 10 ms, at most `timeout`; the caller then asserts what
/// it needs (a socket test waits for an event with a bound; rules are tested on virtual clocks).
func waitUntil(timeout: Duration = .seconds(5), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
}

/// The same, for a condition that asks a loop (an answer that is itself awaited).
func waitUntil(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
}
