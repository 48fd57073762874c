import Foundation
import Logging
import Metrics
import NIOCore
import SIPCore
import SIPTransport
import Synchronization

/// What the shards of one phone share: the listeners, the event streams and snapshots the API
/// reads, the phone's status, the line of each shard, the resolver and the media resources. Every
/// field is safe from any thread; each shard keeps the rest of its state on its own loop.
final class PhoneHub: Sendable {
    let configuration: SipEndpointConfiguration
    let listeners: PhoneListeners
    let lines: LineShards
    let connectionEvents = EventBroadcaster<ConnectionEvent>(dropped: { .dropped(count: $0) })
    let phoneEvents = EventBroadcaster<PhoneEvent>(dropped: { .dropped(count: $0) })
    /// What ``ConnectionManager/connections`` returns.
    let snapshot = Locked<[Int: PhoneDriver.Record]>([:])
    let callEvents = EventBroadcaster<SessionEvent>(dropped: { .dropped(count: $0) })
    let incomingCalls = EventBroadcaster<CallDriver.IncomingCallEvent>(dropped: { .dropped(count: $0) })
    /// What ``CallControl/sessions`` returns.
    let callSnapshot: Locked<[String: SessionSnapshot]>
    /// How many connections are `ready` or `recovering` in all shards, and the phone's status from it.
    private let readiness = Mutex<(count: Int, status: PhoneStatus)>((0, .inactive))
    let resolution: TargetResolution
    /// The address the listeners bind ("any" made concrete, ``PhoneDriver/bindAddress(for:)``).
    let localHost: String
    /// The RTCP CNAME of every stream of this phone (RFC 7022 §4.2: random, stable for the phone's life).
    let mediaCNAME: String
    let mediaMetrics: MediaMetrics
    /// `srtp_key_log`, open while the phone lives; nil when not set or not writable (logged).
    let srtpKeyLog: SRTPKeyLog?
    let failoverMetrics: FailoverMetrics
    /// `sipendpoint_loop_lag_seconds`: how late each shard's loop ran its lag probe
    /// (``LoopLagMonitor``), every probe of every shard.
    let loopLag: Metrics.Timer
    /// `sipendpoint_sip_unread_bytes`: the bytes waiting unread in the listeners' UDP sockets, at
    /// each probe of their loop.
    let unreadDatagrams: Recorder
    /// One OPTIONS per site target for all the shards (``SiteProbeExchange``).
    let siteProbes = SiteProbeExchange()

    /// - Parameter loops: one per shard; the listeners live on the first.
    init(
        configuration: SipEndpointConfiguration, loops: [any EventLoop], logger: Logger, trace: SIPTraceFile?,
        metrics: (any MetricsFactory)?
    ) {
        self.configuration = configuration
        let lines = LineShards(shardCount: loops.count)
        self.lines = lines
        let bindHost = PhoneDriver.bindAddress(for: configuration)
        self.localHost = bindHost
        self.listeners = PhoneListeners(
            transport: SIPTransportLayer(
                configuration: PhoneDriver.transportConfiguration(configuration, host: bindHost, trace: trace),
                eventLoop: loops[0], logger: logger),
            loops: loops, shardOfLine: { lines.shard(ofLine: $0) })
        self.resolution = TargetResolution(
            dnsServers: configuration.endpoint.dnsServers.map(\.description),
            localAddress: configuration.endpoint.localAddress.isEmpty ? nil : configuration.endpoint.localAddress)
        self.mediaMetrics = MediaMetrics(factory: metrics)
        self.loopLag = Metrics.Timer(
            label: "sipendpoint_loop_lag_seconds", preferredDisplayUnit: .seconds,
            factory: metrics ?? MetricsSystem.factory)
        self.unreadDatagrams = Recorder(
            label: "sipendpoint_sip_unread_bytes", aggregate: false, factory: metrics ?? MetricsSystem.factory)
        var random = SystemRandomNumberGenerator()
        self.mediaCNAME = SIPIdentifiers.hex(count: 16, using: &random) + "@sipendpoint"
        if configuration.security.useSRTP == .mandatory {
            // RFC 4568 §8.3: `validate` refuses this in a file; a configuration built in code is told here.
            for (id, connection) in configuration.connections.enumerated() where connection.transport != .tls {
                logger.warning(
                    "use_srtp=mandatory but connection \(id) is \(connection.transport.rawValue.uppercased()): its SDP carries the SRTP keys in clear"
                )
            }
        }
        self.srtpKeyLog = configuration.security.srtpKeyLog.flatMap { path in
            do {
                let log = try SRTPKeyLog(path: path)
                logger.warning(
                    "srtp_key_log is set: SRTP keys are written to \(path); anyone with it and a capture hears the calls"
                )
                return log
            } catch {
                logger.error("srtp_key_log \(path) cannot be opened: \(error); no keys are logged")
                return nil
            }
        }
        let calls = Locked<[String: SessionSnapshot]>([:])
        self.callSnapshot = calls
        let failoverMetrics = FailoverMetrics(factory: metrics) { id in
            calls.withLock { $0[id]?.direction == .outgoing }
        }
        self.failoverMetrics = failoverMetrics
        connectionEvents.addObserver { failoverMetrics.connectionEvent($0) }
        callEvents.addObserver { failoverMetrics.sessionEvent($0) }
    }

    var status: PhoneStatus { readiness.withLock { $0.status } }

    /// `delta` more (or fewer) connections are `ready` or `recovering`; announces the phone's status
    /// when that changes it.
    func readyChanged(by delta: Int) {
        let change = readiness.withLock { state -> (PhoneStatus, PhoneStatus)? in
            state.count += delta
            let status: PhoneStatus = state.count > 0 ? .active : .inactive
            guard status != state.status else { return nil }
            defer { state.status = status }
            return (state.status, status)
        }
        if let change {
            phoneEvents.yield(
                .statusChanged(PhoneStatusChanged(previousStatus: change.0, status: change.1, time: Date())))
        }
    }

    /// Ends every stream: the phone has shut down.
    func finishEvents() {
        callEvents.finish()
        incomingCalls.finish()
        connectionEvents.finish()
        phoneEvents.finish()
    }
}

/// Which shard each agent line and each connection is on, and the connection ids in use. A line is
/// placed when its first connection is added, on the shard with the fewest lines (the first of
/// those), and stays there for the phone's life, so every connection and call of one agent is on one
/// loop and every rule of the line (dial failover, `hold_others`, ringing) needs no other.
final class LineShards: Sendable {
    private struct State {
        var shardOfLine: [String: Int] = [:]
        var linesPerShard: [Int]
        var shardOfConnection: [Int: Int] = [:]
        var nextID = 0
    }

    private let state: Mutex<State>

    init(shardCount: Int) {
        state = Mutex(State(linesPerShard: Array(repeating: 0, count: max(1, shardCount))))
    }

    /// The shard of line `user`, nil when the phone never had it.
    func shard(ofLine user: String) -> Int? { state.withLock { $0.shardOfLine[user] } }

    /// The shard of connection `id`, nil for an id the phone does not have.
    func shard(ofConnection id: Int) -> Int? { state.withLock { $0.shardOfConnection[id] } }

    /// The shard of line `user`, placing it now if it is new.
    func place(line user: String) -> Int {
        state.withLock { state in
            if let shard = state.shardOfLine[user] { return shard }
            let counts = state.linesPerShard
            let shard = counts.indices.min { counts[$0] < counts[$1] } ?? 0
            state.shardOfLine[user] = shard
            state.linesPerShard[shard] += 1
            return shard
        }
    }

    /// Takes connection id `id` (a free one, the next after every id taken, when nil) for a connection
    /// of line `user`, and places it on the line's shard.
    func add(id: Int?, line user: String) -> (id: Int, shard: Int) {
        let shard = place(line: user)
        return state.withLock { state in
            let id = id ?? state.nextID
            state.nextID = max(state.nextID, id + 1)
            state.shardOfConnection[id] = shard
            return (id, shard)
        }
    }

    /// Connection `id` is gone.
    func remove(id: Int) { _ = state.withLock { $0.shardOfConnection.removeValue(forKey: id) } }
}

/// A value behind a lock, shared by reference: the shards of a phone publish into one.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { value in body(&value) }
    }
}
