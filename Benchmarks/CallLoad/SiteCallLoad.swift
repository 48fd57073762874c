import NIOCore
import SipEndpoint
import Synchronization

/// Whole calls at a steady rate through a real SIP site: CallBench's lab mode, and the lab test that
/// runs the same loop small. One `Phone` with one connection to the site (one UDP socket bound on
/// ``localAddress``) dials ``destination`` ``rate`` times a second for ``seconds`` seconds through the
/// public `CallControl` API. A call is what SIPp's built-in UAC scenario (`sipp -sn uac`) does:
/// INVITE with an SDP offer, 100/180/200, ACK, then at once BYE. A 407 or 401 from the site is
/// answered with ``user``/``password`` (RFC 3261 §22.2, §22.3); a site that trusts the address asks
/// for nothing.
///
/// A call counts as completed when it reached `connected` (the 2xx came, the ACK is out) and then
/// `disconnected` by our hang-up (the BYE is out). Every other end counts as failed: a dial refused,
/// a final response other than 2xx, a call not over within ``callTimeout`` after the last dial, a
/// call never started because ``maxInFlight`` calls stayed in progress until the run's time was up.
///
/// Like SIPp's `-l`, at most ``maxInFlight`` calls are in progress at once: a caller that falls
/// behind starts fewer calls (and the figure shows it) instead of piling up more than it can answer.
public struct SiteCallLoad: Sendable {
    /// The site's address (`--target HOST:PORT`).
    public var target: ServerAddress
    /// The number or user dialled (`--destination`), e.g. "9000".
    public var destination: String
    /// The local address the phone binds (`--local-address`); the site sees the calls from it.
    public var localAddress: String
    /// Calls started per second (`--rate`), at least 1.
    public var rate: Int
    /// How long calls are started (`--seconds`), at least 1: `rate × seconds` calls in all.
    public var seconds: Int
    /// The From user and digest user name (`--user`). Default: nil ("callbench").
    public var user: String?
    /// The digest password (`--password`); nil answers no challenge. Default: nil.
    public var password: String?
    /// How long, after the last call started, calls still running are waited for before they count
    /// as failed and are hung up. Default: 5 s.
    public var callTimeout: Duration
    /// The most calls in progress at once (SIPp's `-l`). Default: nil, `rate` (one second's worth).
    public var maxInFlight: Int?
    /// Whether the calls' tasks run on the phone's event loop (``Phone/taskExecutor(ofConnection:)``)
    /// instead of Swift's global pool (`--on-pool`). Default: true. One line's calls at SIPp's pace
    /// are the load that executor is for (docs/HOSTING.md, "A back end's tasks on the phone's loop"),
    /// and SIPp runs its calls on its one loop too; on the pool each answer and event wakes a pool
    /// thread, and the run measures those wake-ups as well (docs/PERFORMANCE.md gives both).
    public var onPhoneLoop: Bool

    /// Makes a run; each parameter sets the property of the same name.
    public init(
        target: ServerAddress, destination: String, localAddress: String, rate: Int, seconds: Int,
        user: String? = nil, password: String? = nil, callTimeout: Duration = .seconds(5), maxInFlight: Int? = nil,
        onPhoneLoop: Bool = true
    ) {
        self.target = target
        self.destination = destination
        self.localAddress = localAddress
        self.rate = max(1, rate)
        self.seconds = max(1, seconds)
        self.user = user
        self.password = password
        self.callTimeout = callTimeout
        self.maxInFlight = maxInFlight
        self.onPhoneLoop = onPhoneLoop
    }

    /// The calls the run places.
    public var callCount: Int { rate * seconds }

    /// The phone's configuration: one UDP connection that does not register (a caller through a
    /// site needs no binding) and sends no OPTIONS probes, so the run's traffic is the calls'; no
    /// hold of the other calls when one is dialled (`hold_others` off), no media timeout. With one
    /// connection there is nowhere to fail over to, so a dial waits for the site's first answer as
    /// long as any transaction does (`invite_timeout` = `sip_transaction_timeout`, 4 s) instead of
    /// giving up at the give-up learned from the round trip (800 ms at least): SIPp's UAC waits too.
    /// T1 is the SDK's default, adaptive T1: a phone that falls behind its socket retransmits an
    /// INVITE whose answer is already queued only until the site's answer to the copy comes back,
    /// after which T1 backs off (docs/PERFORMANCE.md, "Through Kamailio, again" and "A phone behind
    /// its own socket").
    public var phoneConfiguration: SipEndpointConfiguration {
        let connection = ConnectionConfiguration(
            user: user ?? "callbench", server: target, transport: .udp, password: password, reregisterInSeconds: 0,
            optionsInterval: 0, keepaliveInterval: 0)
        let transactionTimeout = 4000
        return SipEndpointConfiguration(
            connections: [connection],
            endpoint: EndpointPolicy(
                sipTransactionTimeoutMilliseconds: transactionTimeout, localAddress: localAddress,
                rtpInactivityTimeout: nil),
            failover: FailoverPolicy(inviteTimeoutMilliseconds: transactionTimeout),
            session: SessionPolicy(holdOthers: false))
    }

    /// Starts the phone, places the calls, waits for them (bounded by ``callTimeout``), shuts the
    /// phone down. Throws only when the phone cannot start or its connection is not ready in 5 s.
    public func run() async throws(SipEndpointError) -> SiteCallResult {
        let lag = LoopLagCollector()
        let phone = Phone(configuration: phoneConfiguration, metrics: lag)
        try await phone.start()
        do {
            _ = try await phone.connectionManager.waitUntilReady([0], timeout: .seconds(5))
        } catch {
            await phone.shutdown()
            throw error
        }
        var result: SiteCallResult
        if onPhoneLoop {
            let executor = phone.taskExecutor(ofConnection: 0)
            result = await withTaskExecutorPreference(executor) {
                await place(through: phone.callControl, pacedOn: executor.eventLoop)
            }
        } else {
            result = await place(through: phone.callControl)
        }
        await phone.shutdown()
        result.loopLagMaximum = lag.maximum
        result.lateLoopProbes = lag.lateProbes
        result.mostUnreadBytes = lag.mostUnreadBytes
        return result
    }

    /// Starts call number n at `n / rate` seconds after the first (in ticks of at least a
    /// millisecond, so one sleep starts every call that has come due) while fewer than the limit are
    /// in progress, then collects them. Dialling stops, bounded, at three times the run's seconds.
    ///
    /// With `loop` (the calls' tasks on the phone's loop) the ticks are that loop's own timers, as
    /// SIPp's pace is its own loop's: a `Task.sleep` would wake a thread of Swift's global pool at
    /// every tick only to enqueue the dialling task back on the loop from outside, which the phone's
    /// CPU per call would then count.
    private func place(through control: CallControl, pacedOn loop: (any EventLoop)? = nil) async -> SiteCallResult {
        let total = callCount
        let limit = max(1, maxInFlight ?? rate)
        let destination = destination
        let clock = ContinuousClock()
        let started = clock.now
        let spacing = Duration.seconds(1) / rate
        let tick = max(spacing, .milliseconds(1))
        let lastDial = started + .seconds(3 * seconds)
        let timeout = callTimeout
        let finished = FinishedCount()
        let (dialled, outcomes) = await withTaskGroup(of: CallOutcome?.self, returning: (Int, [CallOutcome]).self) {
            group in
            var dialled = 0
            while dialled < total, clock.now < lastDial {
                let due = min(total, Int((clock.now - started) / spacing) + 1)
                while dialled < due, dialled - finished.value < limit {
                    group.addTask {
                        let outcome = await Self.call(control, destination: destination, clock: clock)
                        finished.increment()
                        return outcome
                    }
                    dialled += 1
                }
                if dialled < total { await Self.pause(tick, clock: clock, on: loop) }
            }
            // Nil: the calls still running had their time (each is cancelled and hangs up).
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            var outcomes: [CallOutcome] = []
            outcomes.reserveCapacity(dialled)
            while let outcome = await group.next() {
                guard let outcome else {
                    group.cancelAll()
                    continue
                }
                outcomes.append(outcome)
                if outcomes.count == dialled { group.cancelAll() }
            }
            return (dialled, outcomes)
        }
        var result = SiteCallResult(started: total, completed: 0, elapsed: .seconds(seconds), failures: [:])
        if dialled < total {
            result.failures["not started: \(limit) calls in progress until the time was up"] = total - dialled
        }
        for outcome in outcomes {
            switch outcome {
            case .completed(let at):
                result.completed += 1
                result.elapsed = max(result.elapsed, at - started)
            case .failed(let why): result.failures[why, default: 0] += 1
            }
        }
        return result
    }

    /// Waits `tick`: on `loop`'s timers when there is one, else with `Task.sleep`.
    private static func pause(_ tick: Duration, clock: ContinuousClock, on loop: (any EventLoop)?) async {
        guard let loop else {
            try? await Task.sleep(until: clock.now + tick, clock: clock)
            return
        }
        let (seconds, attoseconds) = tick.components
        let delay = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        try? await loop.scheduleTask(in: delay) {}.futureResult.get()
    }

    /// Calls over, counted by the calls themselves as they end, for the in-flight limit.
    private final class FinishedCount: Sendable {
        private let count = Atomic<Int>(0)
        var value: Int { count.load(ordering: .acquiring) }
        func increment() { count.add(1, ordering: .releasing) }
    }

    private enum CallOutcome: Sendable {
        /// Connected, then hung up by us; when `disconnected` came.
        case completed(ContinuousClock.Instant)
        /// Why not.
        case failed(String)
    }

    /// One call: dial, wait for `connected`, hang up, wait for `disconnected`. Cancelled (the run's
    /// time is up), it hangs up and fails.
    private static func call(_ control: CallControl, destination: String, clock: ContinuousClock) async
        -> CallOutcome?
    {
        let session: Session
        do {
            session = try await control.dial(connectionId: 0, destination: destination)
        } catch {
            return .failed("dial refused: \(error.code.rawValue)")
        }
        var events = session.statusChanges.makeAsyncIterator()
        var connected = false
        while let event = await events.next() {
            guard case .statusChanged(let change) = event else { continue }
            switch change.status {
            case .connected where !connected:
                connected = true
                do {
                    try await session.hangUp()
                } catch {
                    return .failed("hang-up refused: \(error.code.rawValue)")
                }
            case .disconnected:
                guard connected else { return .failed("not connected: \(change.reason.text)") }
                guard change.reason.kind == .localHangUp else { return .failed("ended: \(change.reason.text)") }
                return .completed(clock.now)
            default:
                continue
            }
        }
        try? await session.hangUp()
        return .failed(connected ? "no disconnected after the hang-up in time" : "not connected in time")
    }
}

/// What a ``SiteCallLoad`` run did.
public struct SiteCallResult: Sendable {
    /// Calls the run was to place: rate × seconds.
    public var started: Int
    /// Calls connected and hung up by us.
    public var completed: Int
    /// From the first dial to the later of the run's `seconds` and the last call's end.
    public var elapsed: Duration
    /// Why the failed calls failed, with how many each.
    public var failures: [String: Int]
    /// The phone's loop lag over the run (`sipendpoint_loop_lag_seconds`, probed every 250 ms): the
    /// largest, and how many probes ran 100 ms or more late. Zero when the loop kept up.
    public var loopLagMaximum: Duration = .zero
    /// See ``loopLagMaximum``.
    public var lateLoopProbes = 0
    /// The most bytes the phone's SIP socket held unread at a probe (`sipendpoint_sip_unread_bytes`):
    /// how far behind its socket the phone fell, kernel overhead per datagram included.
    public var mostUnreadBytes = 0

    /// Calls that did not complete.
    public var failed: Int { started - completed }

    /// Completed calls over ``elapsed``: the rate asked for when every call completes and the last
    /// one ends within the run's seconds; less when the phone (or the site) falls behind.
    public var callsPerSecond: Double {
        let (s, atto) = elapsed.components
        let seconds = Double(s) + Double(atto) / 1e18
        return seconds > 0 ? Double(completed) / seconds : 0
    }
}
