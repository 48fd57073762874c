import Logging
import Metrics
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A SIP endpoint: its connections (``ConnectionManager``) and its calls (``CallControl``).
///
/// A ServiceLifecycle `Service`, so a Hummingbird or Vapor back end runs it in its service group and a
/// graceful shutdown un-REGISTERs every connection; scripts use ``withPhone(configuration:logger:eventLoopGroup:_:)``.
/// The phone runs on an event-loop group it is given, NIO's `MultiThreadedEventLoopGroup.singleton`
/// unless the caller passes another, and adds no thread to it: its agents' lines are spread over the
/// group's loops behind one set of SIP listeners. Its API may be used from any task.
///
/// ```swift
/// try await Phone.withPhone(configuration: configuration) { phone in
///     for await event in phone.connectionManager.statusChanges {
///         if case .statusChanged(let change) = event { print(change.connectionId, change.status) }
///     }
/// }
/// ```
public final class Phone: Service, Sendable {
    /// The configuration the phone was created with; unchanged by later reconfiguration (read
    /// ``currentConfiguration`` for the one in force).
    public let configuration: SipEndpointConfiguration
    /// The phone's connections: their status and events; adding, enabling, disabling and removing them.
    public let connectionManager: ConnectionManager
    /// Dialling, incoming calls and the sessions' events.
    public let callControl: CallControl
    /// The phone's shards (one per event loop its lines are spread over) and what they share.
    let shards: PhoneShards
    /// The first shard: the one of a one-loop phone, and the listeners' loop.
    var core: PhoneDriver { shards.first }
    private let group: any EventLoopGroup
    /// Whether `group` is the phone's own (shut down with it) rather than the caller's.
    private let ownsGroup: Bool
    private let isShutDown = Mutex(false)
    private let applied: Mutex<SipEndpointConfiguration>
    /// The configuration's connections, by shard, with their positional ids.
    private let startPlan: [[(id: Int, configuration: ConnectionConfiguration)]]

    /// Creates a stopped phone; nothing is bound or sent until ``start()``.
    /// - Parameter logger: silent by default; metadata keys `sip.connection`, `sip.call-id`.
    /// - Parameter trace: when given, every SIP message sent and received is written to it.
    /// - Parameter metrics: where the media figures go (docs/MEDIA.md lists them); nil: the backend
    ///   bootstrapped in swift-metrics' `MetricsSystem` (none: nothing is recorded).
    /// - Parameter eventLoopGroup: the group the phone's state lives on; the phone never shuts it
    ///   down and adds no thread to it. Default: NIO's `MultiThreadedEventLoopGroup.singleton` (one
    ///   loop per core, shared with whatever else in the process uses it). A back end whose other work
    ///   on the singleton holds its loops for long stretches gives the phone a group of its own
    ///   (docs/HOSTING.md measures what a phone's start-up does to a shared loop).
    /// - Parameter loops: how many of the group's loops the phone spreads its agents' lines over,
    ///   each line (its connections and calls) on one; nil (the default): every loop of the group. The
    ///   phone's one set of SIP listeners is on the first (the group's `next()`), where every message is
    ///   parsed before it is handed to its line's loop. 1 keeps the whole phone on one loop.
    public convenience init(
        configuration: SipEndpointConfiguration,
        logger: Logger = Logger(label: "sip.endpoint", factory: { _ in SwiftLogNoOpLogHandler() }),
        trace: SIPTraceFile? = nil,
        metrics: (any MetricsFactory)? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        loops: Int? = nil
    ) {
        self.init(
            configuration: configuration, logger: logger, trace: trace, metrics: metrics, group: eventLoopGroup,
            ownsGroup: false, loops: loops)
    }

    /// A phone on a one-thread group of its own, shut down with it. The test suite runs sixteen
    /// tests at a time in one process, each phone standing for a back end of its own: on shared loops
    /// one test's start-up would hold another's timers (docs/HOSTING.md).
    package static func onOwnThread(
        configuration: SipEndpointConfiguration,
        logger: Logger = Logger(label: "sip.endpoint", factory: { _ in SwiftLogNoOpLogHandler() }),
        trace: SIPTraceFile? = nil,
        metrics: (any MetricsFactory)? = nil
    ) -> Phone {
        Phone(
            configuration: configuration, logger: logger, trace: trace, metrics: metrics,
            group: MultiThreadedEventLoopGroup(numberOfThreads: 1), ownsGroup: true, loops: nil)
    }

    private init(
        configuration: SipEndpointConfiguration, logger: Logger, trace: SIPTraceFile?, metrics: (any MetricsFactory)?,
        group: any EventLoopGroup, ownsGroup: Bool, loops: Int?
    ) {
        self.configuration = configuration
        self.applied = Mutex(configuration)
        self.group = group
        self.ownsGroup = ownsGroup
        let loops = Self.shardLoops(of: group, count: loops)
        let hub = PhoneHub(configuration: configuration, loops: loops, logger: logger, trace: trace, metrics: metrics)
        let drivers = loops.enumerated().map { shard, loop in
            PhoneDriver(hub: hub, shard: shard, eventLoop: loop, logger: logger)
        }
        var plan = Array(repeating: [(id: Int, configuration: ConnectionConfiguration)](), count: loops.count)
        for (position, connection) in configuration.connections.enumerated() {
            let (id, shard) = hub.lines.add(id: position, line: connection.user)
            plan[shard].append((id, connection))
        }
        self.startPlan = plan
        let shards = PhoneShards(hub: hub, all: drivers)
        self.shards = shards
        self.connectionManager = ConnectionManager(core: shards)
        self.callControl = CallControl(core: shards)
    }

    /// `count` loops of `group` (all of them when nil), starting at the group's `next()`: phones
    /// sharing a group put their listeners on different loops.
    static func shardLoops(of group: any EventLoopGroup, count: Int?) -> [any EventLoop] {
        let first = group.next()
        var all: [any EventLoop] = []
        for loop in group.makeIterator() { all.append(loop) }
        guard let start = all.firstIndex(where: { $0 === first }) else { return [first] }
        let rotated = Array(all[start...] + all[..<start])
        return Array(rotated.prefix(max(1, count ?? rotated.count)))
    }

    /// Binds the transports and registers every enabled connection, all at once.
    public func start() async throws(SipEndpointError) {
        do {
            let starts = zip(shards.all, startPlan).map { shard, connections in shard.start(connections: connections) }
            _ = try await EventLoopFuture.whenAllSucceed(starts, on: core.eventLoop).get()
        } catch let error as SipEndpointError {
            throw error
        } catch {
            throw SipEndpointError(.transportStartFailed, "\(error)")
        }
    }

    /// Un-REGISTERs every connection (each waits at most one transaction timeout and a margin), closes
    /// the transports; the group keeps running. Safe to call more than once.
    public func shutdown() async {
        guard
            isShutDown.withLock({ done in
                defer { done = true }
                return !done
            })
        else { return }
        let wasRunning = await withCheckedContinuation { continuation in
            core.eventLoop.execute { continuation.resume(returning: self.core.isRunning) }
        }
        let stops = shards.all.map { $0.shutdown() }
        try? await EventLoopFuture.andAllComplete(stops, on: core.eventLoop).get()
        if wasRunning { shards.hub.finishEvents() }
        await shards.hub.resolution.shutdown()
        if ownsGroup { try? await group.shutdownGracefully() }
    }

    /// The event loop of the phone's first shard, where its listeners are: benchmarks measure its thread's CPU time.
    package var eventLoop: any EventLoop { core.eventLoop }

    /// The event loop of each shard, the first the listeners'.
    package var eventLoops: [any EventLoop] { shards.all.map(\.eventLoop) }

    /// The event loop connection `id`'s line lives on (its registrations, transactions and calls).
    package func eventLoop(ofConnection id: Int) -> any EventLoop { shards.of(connection: id).eventLoop }

    /// A task executor on the event loop connection `id`'s line lives on (``LoopTaskExecutor``): a
    /// task that prefers it (`withTaskExecutorPreference`) dials, hangs up and reads its sessions'
    /// events on that loop, without a thread hop per step. Its code must not block.
    public func taskExecutor(ofConnection id: Int) -> LoopTaskExecutor {
        LoopTaskExecutor(shards.of(connection: id).eventLoop)
    }

    /// The configuration in force (the one given at creation, then each one applied).
    public var currentConfiguration: SipEndpointConfiguration { applied.withLock { $0 } }

    /// Applies a new configuration to the running phone: connections added in it (new
    /// positions) register, removed ones un-register and go, changed ones re-register with their new
    /// settings; unchanged connections and their calls are not touched. Connection id N is the N-th
    /// connection of the configuration, as at start. Policies outside `connections` (timers, ports,
    /// TLS files) take effect at the next start.
    @discardableResult
    public func apply(_ configuration: SipEndpointConfiguration) async throws(SipEndpointError)
        -> (added: [Int], removed: [Int], changed: [Int])
    {
        let changes = currentConfiguration.connectionChanges(to: configuration)
        for id in changes.removed { try await connectionManager.removeConnection(id) }
        for id in changes.changed {
            let new = configuration.connections[id]
            let shard = shards.of(connection: id)
            let result: Result<Void, SipEndpointError> = await withCheckedContinuation { continuation in
                shard.eventLoop.execute {
                    do throws(SipEndpointError) {
                        try shard.replace(id, with: new) { continuation.resume(returning: .success(())) }
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
            }
            try result.get()
        }
        for id in changes.added { _ = try await shards.add(configuration.connections[id], id: id) }
        applied.withLock { $0 = configuration }
        return (changes.added, changes.removed, changes.changed)
    }

    /// Drops all SIP traffic to and from these addresses, as if those hosts had gone silent (QuickStart
    /// `drill --block`); an empty set restores everything. For drills and tests, not for production.
    package func setBlockedHosts(_ hosts: Set<String>) async {
        try? await shards.hub.listeners.faults.updateFaults { $0.blockedHosts = hosts }.get()
    }

    /// The resolved server address connection `id` uses now (`address`), when one is chosen.
    package func currentServerHost(of id: Int) async -> String? {
        let shard = shards.of(connection: id)
        return await withCheckedContinuation { continuation in
            shard.eventLoop.execute {
                continuation.resume(returning: shard.currentTarget(for: id)?.address.ipAddress)
            }
        }
    }

    /// `active` while at least one connection is ready or recovering (registered: it takes calls).
    public var status: PhoneStatus { shards.hub.status }

    /// Changes of ``status``; each access is a new subscription, open before ``start()`` too. A subscriber
    /// that falls more than 1024 changes behind reads ``PhoneEvent/dropped(count:)`` where changes were
    /// lost, never a silent gap. Ends when the phone shuts down.
    public var statusChanges: AsyncStream<PhoneEvent> { shards.hub.phoneEvents.subscribe() }

    /// `Service`: starts, runs until graceful shutdown is requested, then shuts down.
    public func run() async throws {
        try await start()
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Runs `body` with a started phone and shuts it down afterwards, whether `body` returns or throws.
    public static func withPhone<T: Sendable>(
        configuration: SipEndpointConfiguration,
        logger: Logger = Logger(label: "sip.endpoint", factory: { _ in SwiftLogNoOpLogHandler() }),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (Phone) async throws -> T
    ) async throws -> T {
        let phone = Phone(configuration: configuration, logger: logger, eventLoopGroup: eventLoopGroup)
        do {
            try await phone.start()
            let result = try await body(phone)
            await phone.shutdown()
            return result
        } catch {
            await phone.shutdown()
            throw error
        }
    }
}
