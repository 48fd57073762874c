import ArgumentParser
import Foundation
import SipEndpoint

/// `QuickStart drill`: a failover drill on a live deployment. Registers every connection,
/// calls `--destination` through connection 0, then makes site A unreachable for this phone by dropping
/// its traffic locally (nothing is changed on the site), calls again on connection 0 and measures until
/// the call connects on another connection, then restores site A and measures until connection 0 is
/// ready again. Prints a table and exits non-zero if any step fails.
///
/// With `policy/failover/mode = active-standby` the drill also waits for the standby to take the line
/// over and, after the restore, for the failback to finish (the standby back to `standby`). The calls
/// placed during the failure are retried until one connects; those that did not are counted. The
/// recovery time is until the line both takes calls (a connection of it is `ready` again) and places
/// them (a call connected).
struct Drill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Failover drill: call, make site A unreachable (locally), call again, restore; measure each step.",
        discussion: """
            The fault: site A (the address connection 0 uses) is cut off inside this phone by its \
            fault-injecting transport. Every SIP message to it is dropped after the send succeeded, and \
            every message from it is dropped on arrival: to the phone, site A has gone silent, as a \
            dead host or a cut link would. Nothing is changed on the site, the network or other phones, \
            and no privilege is needed. Connection 0 then fails by its own detection (OPTIONS, \
            transaction timeouts, keep-alive on TCP/TLS) and calls fail over. The fault is lifted \
            after the failure steps, and always before the drill exits.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(help: "The number or URI to call (a test number that answers).")
    var destination: String

    @Option(help: "Seconds each step may take before the drill fails it.")
    var stepTimeout: Double = 30

    @Option(help: "Seconds to keep each call connected.")
    var holdFor: Double = 1

    @Flag(help: "One JSON object per line.")
    var json = false

    @Option(help: "Write every SIP message sent and received to this file (see `ladder`).")
    var trace: String?

    @OptionGroup var tracing: TraceOptions

    func run() async throws {
        let output = Output(json: json)
        let (configuration, logger) = try options.loadWithLogger(output: output)
        guard configuration.connections.count >= 2 else {
            output.error("a drill needs at least two connections (one per site)")
            throw ExitCode(2)
        }
        let traceFile = try trace.map { try tracing.open($0) }
        let phone = Phone(configuration: configuration, logger: logger, trace: traceFile)
        let watcher = ConnectionWatcher(phone.connectionManager.statusChanges, output: json ? output : nil)
        var rows: [(String, String)] = []
        var ok = true
        let timeout = Duration.milliseconds(Int(stepTimeout * 1000))
        do {
            let activeStandby = configuration.failover.mode == .activeStandby
            try await phone.start()
            if activeStandby {
                // The standbys are probed, not registered: settled is `ready` or `standby`.
                do {
                    _ = try await phone.connectionManager.waitUntil(timeout: timeout) { connections in
                        connections.allSatisfy { $0.status == .ready || $0.status == .standby } ? true : nil
                    }
                } catch {
                    throw DemoFailure(
                        "the connections did not settle (ready or standby) within \(format(timeout)): \(error.detail)")
                }
                output.say("all \(configuration.connections.count) connections settled (active/standby)")
            } else {
                try await waitUntilReady(phone, Array(configuration.connections.indices), within: timeout)
                output.say("all \(configuration.connections.count) connections ready")
            }

            let before = try await call(phone, output: output, timeout: timeout)
            guard before.connection == 0 else {
                throw DemoFailure("the first call connected on connection \(before.connection), not 0")
            }
            rows.append(("call setup before the failure (connection 0)", format(before.setup)))

            guard let siteA = await phone.currentServerHost(of: 0) else {
                throw DemoFailure("connection 0 has no server address")
            }
            output.say("blocking site A (\(siteA)) for this phone")
            let seen = watcher.count
            let blockedAt = ContinuousClock.now
            let blockedAtDate = Date()
            await phone.setBlockedHosts([siteA])

            // Calls are retried until one connects; the ones that did not are counted.
            var notConnected = 0
            var connectedCall: (connection: Int, setup: Duration)?
            while connectedCall == nil {
                do {
                    connectedCall = try await call(phone, output: output, timeout: timeout)
                } catch let failure as DemoFailure {
                    notConnected += 1
                    output.say("a call during the failure did not connect: \(failure.message)")
                    guard ContinuousClock.now - blockedAt < timeout else { throw failure }
                    try await Task.sleep(for: .milliseconds(500))
                }
            }
            guard let during = connectedCall, during.connection != 0 else {
                throw DemoFailure("the call during the failure stayed on connection 0")
            }
            let placesCalls = ContinuousClock.now - blockedAt
            rows.append(("time to a connected call during the failure", format(placesCalls)))
            rows.append(("call setup during the failure (connection \(during.connection))", format(during.setup)))
            rows.append(("calls attempted during the failure that did not connect", "\(notConnected)"))

            let failed = try await watcher.wait(connection: 0, status: .failed, after: seen, within: timeout)
            rows.append(
                (
                    "time to detect (connection 0 failed)",
                    format(.milliseconds(Int(failed.time.timeIntervalSince(blockedAtDate) * 1000)))
                ))
            var takesCalls = Duration.zero
            if activeStandby {
                let takeover = try await watcher.wait(connection: 1, status: .ready, after: seen, within: timeout)
                takesCalls = .milliseconds(Int(takeover.time.timeIntervalSince(blockedAtDate) * 1000))
                rows.append(("time to take over (connection 1 ready)", format(takesCalls)))
            }
            rows.append(("recovery time (the line takes and places calls again)", format(max(placesCalls, takesCalls))))

            let restoredAt = ContinuousClock.now
            let seenRestore = watcher.count
            await phone.setBlockedHosts([])
            try await watcher.wait(connection: 0, status: .ready, after: seenRestore, within: timeout)
            rows.append(("time to recover (connection 0 ready)", format(ContinuousClock.now - restoredAt)))
            if activeStandby {
                try await watcher.wait(connection: 1, status: .standby, after: seenRestore, within: timeout)
                rows.append(("failback done (connection 1 standby)", format(ContinuousClock.now - restoredAt)))
            }
        } catch let failure as DemoFailure {
            ok = false
            output.error("drill failed: \(failure.message)")
        } catch {
            ok = false
            output.error("drill failed: \(error)")
        }
        await phone.setBlockedHosts([])
        await phone.shutdown()
        await watcher.drained()
        traceFile?.close()
        let width = (rows.map(\.0.count).max() ?? 0) + 2
        for (label, value) in rows {
            output.emit(
                text: label.padding(toLength: width, withPad: " ", startingAt: 0) + value,
                json: {
                    var j = JSONLine(event: "measurement")
                    j.add("name", label)
                    j.add("value", value)
                    return j
                }())
        }
        output.result(command: "drill", ok: ok, detail: ok ? "\(rows.count) measurements" : "a step failed")
        if !ok { throw ExitCode(1) }
    }

    /// Dials `destination` on connection 0 and hangs up after `holdFor`; returns where and how fast it connected.
    private func call(_ phone: Phone, output: Output, timeout: Duration) async throws -> (
        connection: Int, setup: Duration
    ) {
        let start = ContinuousClock.now
        let session = try await phone.callControl.dial(connectionId: 0, destination: destination)
        var result: (Int, Duration)?
        let deadline = ContinuousClock.now + timeout
        for await event in session.statusChanges {
            output.sessionEvent(event)
            if case .statusChanged(let s) = event {
                if s.status == .connected, result == nil {
                    result = (s.connectionId, ContinuousClock.now - start)
                    try await Task.sleep(for: .milliseconds(Int(holdFor * 1000)))
                    try await session.hangUp()
                }
                if s.status == .disconnected, result == nil {
                    throw DemoFailure("the call ended without connecting: \(s.reason)")
                }
            }
            if ContinuousClock.now > deadline {
                try? await session.hangUp()
                break
            }
        }
        guard let result else { throw DemoFailure("the call did not connect within \(format(timeout))") }
        return result
    }
}
