// Whole calls through the SDK's public API against in-process sites on loopback UDP:
//
//   swift run -c release CallBench [--calls 3000] [--window 16] [--seconds 60] [--failover-dials 200]
//
// With `--target HOST:PORT` it runs lab mode instead (LabMode.swift): calls at a steady rate through a
// real site, for comparison with SIPp's UAC.
//
// 1. Throughput: `--window` concurrent callers each dial 9000 on a site that answers at once
//    (`.answer(ringing: .zero, media: .none)`: 180 and 200 in the same tick, and no echo, so the
//    figure stays one of signalling as it was before sites sent RTP), wait for `connected` (the SDK has
//    sent the ACK), hang up, and wait for `disconnected` (the BYE is out). A call counts once the
//    site has answered its BYE with 200. Stops after `--calls` calls or `--seconds`, whichever first.
// 2. Fallback latency: connection 0's site is dead and the connection is `failed`; each of
//    `--failover-dials` dials on connection 0 must go out on connection 1 at once (no waiting for a timeout).
//    Measured from just before `dial(connectionId: 0, …)` to the moment site B's handler holds the
//    INVITE (so it includes loopback delivery and site B's parse: an upper bound on "the INVITE
//    leaves"), and, for comparison, to the `failedOver` event's timestamp (which is raised before
//    the INVITE is built, so a lower bound).
//
// The last line is `calls-per-second: <integer>`.
import Foundation
import SIPInProcessSites
import SipEndpoint

/// Prints and flushes at once, so a run cut short still shows what it measured.
func line(_ text: String) {
    print(text)
    fflush(nil)
}

func argument(_ name: String, default value: Int) -> Int {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]), v > 0 else { return value }
    return v
}

let callCount = argument("--calls", default: 3000)
let window = argument("--window", default: 16)
let timeBudget = Duration.seconds(argument("--seconds", default: 60))
let failoverDials = argument("--failover-dials", default: 200)
let callTimeout = Duration.seconds(2)

struct BenchError: Error, CustomStringConvertible {
    var description: String
}

extension Duration {
    var milliseconds: Double {
        let (s, atto) = components
        return Double(s) * 1e3 + Double(atto) / 1e15
    }
}

func connection(_ site: InProcessSite, optionsInterval: Int) -> ConnectionConfiguration {
    ConnectionConfiguration(
        user: "7001", server: ServerAddress(host: "127.0.0.1", port: site.port), password: "pass7001",
        reregisterInSeconds: 600, regInterval: 600, regRetryMax: 1200, optionsInterval: optionsInterval)
}

func configuration(_ connections: [ConnectionConfiguration]) -> SipEndpointConfiguration {
    SipEndpointConfiguration(
        connections: connections,
        endpoint: EndpointPolicy(sipTransactionTimeoutMilliseconds: 2000, localAddress: "127.0.0.1"),
        failover: FailoverPolicy(inviteTimeoutMilliseconds: 2000))
}

/// Waits (bounded, polling) until `condition` holds.
func waitUntil(_ timeout: Duration, _ what: String, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw BenchError(description: "timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(2))
    }
}

/// Reads a session's events until one matches; nil if the stream ends first.
func next(_ iterator: inout AsyncStream<SessionEvent>.Iterator, where match: (SessionEvent) -> Bool) async
    -> SessionEvent?
{
    while let event = await iterator.next() {
        if match(event) { return event }
    }
    return nil
}

func status(_ event: SessionEvent) -> SessionStatus? {
    if case .statusChanged(let s) = event { s.status } else { nil }
}

enum CallResult: Sendable { case completed, notConnected, stuck(SessionStatus) }

/// One whole call: dial, connected, hang up, disconnected. A call that has not connected within
/// `callTimeout` (the site never answers a lost 200: it does not retransmit it) is hung up and
/// reported as stuck, so one lost datagram cannot hang the run.
func oneCall(_ phone: Phone) async throws -> CallResult {
    let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
    let outcome = await withTaskGroup(of: SessionStatus?.self) { group in
        group.addTask {
            var events = session.statusChanges.makeAsyncIterator()
            guard let reached = await next(&events, where: { status($0) == .connected || status($0) == .disconnected }),
                status(reached) == .connected
            else { return .disconnected }
            try? await session.hangUp()
            _ = await next(&events, where: { status($0) == .disconnected })
            return .connected
        }
        group.addTask {
            try? await Task.sleep(for: callTimeout)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
    switch outcome {
    case .connected?: return .completed
    case .some: return .notConnected
    case nil:
        let stuckIn = session.status
        try? await session.hangUp()
        return .stuck(stuckIn)
    }
}

// MARK: 1. Calls per second

func throughput() async throws -> (calls: Int, failed: Int, elapsed: Duration) {
    let site = try await InProcessSite.start(
        .init(name: "bench-a", testNumbers: ["9000": .answer(ringing: .zero, media: .none)]))
    let phone = Phone(configuration: configuration([connection(site, optionsInterval: 0)]))
    try await phone.start()
    _ = try await phone.connectionManager.waitUntilReady([0], timeout: .seconds(5))

    let started = ContinuousClock.now
    let deadline = started + timeBudget
    let perWorker = (callCount + window - 1) / window
    let results = try await withThrowingTaskGroup(of: [CallResult].self) { group in
        for worker in 0..<window {
            let quota = min(perWorker, max(0, callCount - worker * perWorker))
            group.addTask {
                var results: [CallResult] = []
                for _ in 0..<quota where ContinuousClock.now < deadline {
                    results.append(try await oneCall(phone))
                }
                return results
            }
        }
        var all: [CallResult] = []
        for try await some in group { all += some }
        return all
    }
    let completed = results.filter { if case .completed = $0 { true } else { false } }.count
    let stuck = results.compactMap { if case .stuck(let s) = $0 { s } else { nil } }
    let failed = results.count - completed
    if !stuck.isEmpty {
        line(
            "stuck calls (no 2xx within \(callTimeout), hung up): \(stuck.count), statuses \(Set(stuck.map(\.rawValue)))"
        )
    }
    // Complete = the site answered the BYE; the last 200s are a loopback hop away.
    try await waitUntil(.seconds(5), "the last BYEs") { site.byeCount >= completed }
    let elapsed = ContinuousClock.now - started
    await phone.shutdown()
    try await site.stop()
    return (completed, failed, elapsed)
}

// MARK: 2. Dial on a connection known to be down

func fallbackLatency() async throws -> (toInvite: [Duration], toEvent: [Double], notSkipped: Int) {
    let siteA = try await InProcessSite.start(
        .init(name: "bench-a", testNumbers: ["9000": .answer(ringing: .zero, media: .none)]))
    let siteB = try await InProcessSite.start(
        .init(name: "bench-b", testNumbers: ["9000": .answer(ringing: .zero, media: .none)]))
    // A probes every second so its death is known; B never probes (it stays up).
    let phone = Phone(
        configuration: configuration([connection(siteA, optionsInterval: 1), connection(siteB, optionsInterval: 0)]))
    try await phone.start()
    _ = try await phone.connectionManager.waitUntilReady([0, 1], timeout: .seconds(5))
    try await siteA.kill()
    try await waitUntil(.seconds(6), "connection 0 failed") { phone.connectionManager.connection(0)?.status == .failed }

    var toInvite: [Duration] = []
    var toEvent: [Double] = []
    var notSkipped = 0
    for _ in 0..<failoverDials {
        let before = siteB.inviteArrivals.count
        let wallClock = Date()
        let dialled = ContinuousClock.now
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        var events = session.statusChanges.makeAsyncIterator()
        if case .failedOver(let f)? = await next(
            &events,
            where: {
                if case .failedOver = $0 { true } else { status($0) == .disconnected }
            }), f.cause == "connection not ready"
        {
            toEvent.append(f.time.timeIntervalSince(wallClock) * 1e3)
        } else {
            notSkipped += 1
        }
        try await waitUntil(.seconds(2), "the INVITE at site B") { siteB.inviteArrivals.count > before }
        toInvite.append(siteB.inviteArrivals[before] - dialled)
        try? await waitUntil(callTimeout, "connected") { session.status == .connected }
        try await session.hangUp()
        try? await waitUntil(callTimeout, "disconnected") { session.status == .disconnected }
    }
    await phone.shutdown()
    try await siteA.stop()
    try await siteB.stop()
    return (toInvite, toEvent, notSkipped)
}

func percentile<T: Comparable>(_ sorted: [T], _ p: Double) -> T? {
    guard !sorted.isEmpty else { return nil }
    let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

func format(_ ms: Double) -> String { String(format: "%.3f ms", ms) }

if CommandLine.arguments.contains("--target") {
    exit(await labMode(CommandLine.arguments))
}

let fallback = try await fallbackLatency()
let invites = fallback.toInvite.sorted()
let eventTimes = fallback.toEvent.sorted()
line(
    "fallback-dials: \(invites.count) (connection 0 failed, every dial must leave on connection 1; not skipped at once: \(fallback.notSkipped))"
)
if let median = percentile(invites, 0.5), let p99 = percentile(invites, 0.99), let worst = invites.last {
    line(
        "dial → INVITE at site B: median \(format(median.milliseconds)), p99 \(format(p99.milliseconds)), max \(format(worst.milliseconds))"
    )
}
if let median = percentile(eventTimes, 0.5), let p99 = percentile(eventTimes, 0.99) {
    line("dial → failedOver event (Date, lower bound): median \(format(median)), p99 \(format(p99))")
}

let run = try await throughput()
let seconds = run.elapsed.milliseconds / 1e3
line(
    "calls: \(run.calls) completed, \(run.failed) not connected, window \(window), in \(String(format: "%.3f", seconds)) s"
)
line("per call: \(String(format: "%.1f", seconds * 1e6 / Double(max(1, run.calls)))) µs wall (\(window) in flight)")
line("calls-per-second: \(Int((Double(run.calls) / seconds).rounded()))")
