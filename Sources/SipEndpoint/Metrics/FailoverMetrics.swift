import Foundation
import Metrics
import Synchronization

/// A phone's failover figures through swift-metrics, for whatever backend the application bootstrapped
/// (or passed as `Phone(configuration:metrics:)`); `QuickStart run --metrics` serves them to Prometheus.
///
/// Every figure is labelled by site (the connection's configured server, `host[:port]`), never by
/// connection, agent or call: a back end with thousands of agents on two sites has two label values.
///
/// | name | kind | labels | what |
/// |---|---|---|---|
/// | `sipendpoint_connections` | gauge | site, status | connections in each status (disabled ones are not counted) |
/// | `sipendpoint_connection_failures_total` | counter | site, reason | changes to `failed`, by the reason's kind |
/// | `sipendpoint_failure_detection_seconds` | timer | site | from the site's last answer to `failed` |
/// | `sipendpoint_dial_failovers_total` | counter | site, cause | dials that moved on from this site |
/// | `sipendpoint_failover_dial_seconds` | timer | site | dial to connected, for dials that failed over (site: where it connected) |
/// | `sipendpoint_call_setup_seconds` | timer | site | dial to connected, every outgoing call |
///
/// It observes the phone's connection and session events synchronously as they are published (see
/// ``EventBroadcaster/addObserver(_:)``), so it sees every one however far behind the application's
/// readers are. It holds one entry per live outgoing call and one per connection.
final class FailoverMetrics: Sendable {
    private struct Dial {
        var started: Date
        var failedOver = false
    }

    private struct State {
        /// The site of each connection, from its status changes.
        var sites: [Int: String] = [:]
        /// Outgoing calls not yet connected or ended, by session id.
        var dials: [String: Dial] = [:]
        /// `sipendpoint_call_setup_seconds` of each site, made at its first call: one per connected
        /// call would ask the backend for it (a keyed lookup under its lock) at every call.
        var setupTimers: [String: Timer] = [:]
    }

    private let factory: any MetricsFactory
    private let isOutgoing: @Sendable (String) -> Bool
    private let state = Mutex(State())

    /// - Parameters:
    ///   - factory: the backend; nil: the one bootstrapped in `MetricsSystem`.
    ///   - isOutgoing: whether the session with this id is a call we dialled.
    init(factory: (any MetricsFactory)?, isOutgoing: @escaping @Sendable (String) -> Bool) {
        self.factory = factory ?? MetricsSystem.factory
        self.isOutgoing = isOutgoing
    }

    func connectionEvent(_ event: ConnectionEvent) {
        guard case .statusChanged(let change) = event else { return }
        let site = change.server
        state.withLock { $0.sites[change.connectionId] = site }
        if change.previousStatus != .disabled {
            Meter(
                label: "sipendpoint_connections",
                dimensions: [("site", site), ("status", change.previousStatus.rawValue)], factory: factory
            )
            .decrement()
        }
        if change.status != .disabled {
            Meter(
                label: "sipendpoint_connections", dimensions: [("site", site), ("status", change.status.rawValue)],
                factory: factory
            )
            .increment()
        }
        guard change.status == .failed, change.previousStatus != .failed else { return }
        Counter(
            label: "sipendpoint_connection_failures_total",
            dimensions: [("site", site), ("reason", change.reason.kind.rawValue)],
            factory: factory
        ).increment()
        if let lastAnswered = change.lastAnswered, change.time >= lastAnswered {
            Timer(
                label: "sipendpoint_failure_detection_seconds", dimensions: [("site", site)],
                preferredDisplayUnit: .seconds, factory: factory
            )
            .recordSeconds(change.time.timeIntervalSince(lastAnswered))
        }
    }

    func sessionEvent(_ event: SessionEvent) {
        switch event {
        case .statusChanged(let change):
            switch change.status {
            case .inProgress where change.previousStatus == .disconnected:
                guard isOutgoing(change.sessionId) else { return }
                state.withLock { $0.dials[change.sessionId] = Dial(started: change.time) }
            case .connected:
                let factory = factory
                guard
                    let (dial, site, timer) = state.withLock({ s -> (Dial, String, Timer)? in
                        guard let dial = s.dials.removeValue(forKey: change.sessionId),
                            let site = s.sites[change.connectionId]
                        else { return nil }
                        if let timer = s.setupTimers[site] { return (dial, site, timer) }
                        let timer = Timer(
                            label: "sipendpoint_call_setup_seconds", dimensions: [("site", site)],
                            preferredDisplayUnit: .seconds, factory: factory)
                        s.setupTimers[site] = timer
                        return (dial, site, timer)
                    })
                else { return }
                let setup = max(0, change.time.timeIntervalSince(dial.started))
                timer.recordSeconds(setup)
                if dial.failedOver {
                    Timer(
                        label: "sipendpoint_failover_dial_seconds", dimensions: [("site", site)],
                        preferredDisplayUnit: .seconds, factory: factory
                    )
                    .recordSeconds(setup)
                }
            case .disconnected:
                _ = state.withLock { $0.dials.removeValue(forKey: change.sessionId) }
            default:
                break
            }
        case .failedOver(let failover):
            let site = state.withLock { s -> String? in
                s.dials[failover.sessionId]?.failedOver = true
                return s.sites[failover.fromConnectionId]
            }
            guard let site else { return }
            Counter(
                label: "sipendpoint_dial_failovers_total",
                dimensions: [("site", site), ("cause", failover.causeLabel)],
                factory: factory
            ).increment()
        case .dtmfReceived, .signalingLost, .dropped:
            break
        }
    }
}
