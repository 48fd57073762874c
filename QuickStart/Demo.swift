import ArgumentParser
import Foundation
import SIPInProcessSites
import SIPMedia
import SipEndpoint
import Synchronization

/// `QuickStart demo`: the failover story with nothing installed and nothing to configure. Two SIP sites
/// run in this process on loopback (registrars with digest authentication and an answering test number
/// 9000, which echoes the caller's audio); an agent registers on both; a call is placed and answered,
/// plays a tone and hears it come back, and its media statistics are checked; site A dies; a call dialled on
/// connection 0 at that moment fails over to site B; the ConnectionStatusChanged events show site A
/// failed; a new call goes straight out through site B; site A comes back and the agent is registered
/// there again. It uses the same public API an application would, and exits 0 only if every step did
/// what it says.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Two in-process sites, a registration, calls, a site failure and the failover, narrated.")

    @Flag(help: "One JSON object per line (events, steps, then a result line).")
    var json = false

    @Flag(help: "Print every connection and session event as it happens.")
    var verbose = false

    @Option(
        help:
            "Where to write the SIP trace; the ladder diagram goes beside it as .svg. Default: in the temporary directory."
    )
    var trace: String?

    @OptionGroup var tracing: TraceOptions

    func run() async throws {
        let output = Output(json: json)
        let narrator = Narrator(output: output)
        var ok = true
        let resources = Resources()
        do {
            try await story(narrator, output: output, resources: resources)
        } catch let failure as DemoFailure {
            ok = false
            narrator.fail(failure.message)
        } catch {
            ok = false
            narrator.fail("\(error)")
        }
        await resources.release()
        if let picture = resources.writeLadder() {
            output.say("\nCall flow: \(picture.trace) (trace), \(picture.svg) (ladder diagram)")
        }
        narrator.summary()
        output.result(command: "demo", ok: ok, detail: ok ? "every step did what it says" : "a step failed")
        if !ok { throw ExitCode(1) }
    }

    // The settings that make the story quick: a probe every second and a 1 s transaction timeout.
    static let transactionTimeoutMs = 1000
    static let optionsInterval = 1

    private func story(_ n: Narrator, output: Output, resources: Resources) async throws {
        n.step(
            "Starting two SIP sites in this process (site A and site B: registrars with digest, test number 9000 echoing RTP)"
        )
        let siteA = try await InProcessSite.start(.init(name: "site-a"))
        let siteB = try await InProcessSite.start(.init(name: "site-b"))
        resources.sites = [siteA, siteB]
        n.done("site A on 127.0.0.1:\(siteA.port), site B on 127.0.0.1:\(siteB.port)")

        let configuration = SipEndpointConfiguration(
            connections: [siteA, siteB].map { site in
                ConnectionConfiguration(
                    user: "7001", server: ServerAddress(host: "127.0.0.1", port: site.port), transport: .udp,
                    password: "pass7001", reregisterInSeconds: 60, regInterval: 30, regRetryMax: 120,
                    optionsInterval: Self.optionsInterval)
            },
            endpoint: EndpointPolicy(
                sipTransactionTimeoutMilliseconds: Self.transactionTimeoutMs, localAddress: "127.0.0.1"),
            failover: FailoverPolicy(inviteTimeoutMilliseconds: Self.transactionTimeoutMs))

        let tracePath =
            trace ?? FileManager.default.temporaryDirectory.appendingPathComponent("QuickStart-demo.trace").path
        let traceFile = try tracing.open(tracePath)
        resources.trace = traceFile
        resources.names = ["127.0.0.1:\(siteA.port)": "site A", "127.0.0.1:\(siteB.port)": "site B"]
        let phone = Phone(configuration: configuration, trace: traceFile)
        resources.phone = phone
        let watcher = ConnectionWatcher(phone.connectionManager.statusChanges, output: verbose || json ? output : nil)

        n.step("Registering agent 7001 on both sites at once (connection 0 → site A, connection 1 → site B)")
        try await phone.start()
        try await waitUntilReady(phone, [0, 1], within: .seconds(5))
        n.done("both connections ready; phone \(phone.status.rawValue)")

        n.step("Calling 9000 on connection 0, playing a \(Int(Self.toneFrequency)) Hz tone (9000 echoes what it hears)")
        let recording = FileManager.default.temporaryDirectory.appendingPathComponent(
            "QuickStart-demo-\(UUID().uuidString).wav"
        ).path
        defer { try? FileManager.default.removeItem(atPath: recording) }
        let first = try await call(
            phone, connection: 0, expectConnectedOn: 0, n, output: output,
            media: (.tone(frequency: Self.toneFrequency), recording), holdFor: Self.mediaCallLength)
        n.done("answered through site A, talked for \(format(Self.mediaCallLength)), then hung up")

        n.step("Checking the call's media: did the tone come back, and how good was the path?")
        try checkMedia(first.media, recording: recording, n)

        n.step("Site A dies (its SIP stack and media stop; nothing answers)")
        try await siteA.kill()
        let killedAt = ContinuousClock.now
        n.done(
            "site A is down; connection 0 still says \(phone.connectionManager.connection(0)?.status.rawValue ?? "?")")

        n.step("Calling 9000 on connection 0 right away, before anyone noticed: the INVITE gets no answer")
        let failover = try await call(phone, connection: 0, expectConnectedOn: 1, n, output: output)
        n.done(
            "the call failed over after \(failover.failoverAfter.map(format) ?? "?") (\(failover.cause ?? "?")) and connected on connection 1"
        )

        n.step("Waiting for ConnectionStatusChanged: connection 0 failed")
        let failed = try await watcher.wait(connection: 0, status: .failed, within: .seconds(6))
        n.done(
            "connection 0 failed \(format(ContinuousClock.now - killedAt)) after site A died: \(failed.reason); connection 1 still \(phone.connectionManager.connection(1)?.status.rawValue ?? "?")"
        )
        guard phone.connectionManager.connection(1)?.status == .ready, phone.status == .active else {
            throw DemoFailure("connection 1 should stay ready and the phone active")
        }

        n.step("Calling 9000 on connection 0 again: it is known to be down, so the call goes out on site B at once")
        let direct = try await call(phone, connection: 0, expectConnectedOn: 1, n, output: output)
        guard let delay = direct.failoverAfter, delay < .milliseconds(500) else {
            throw DemoFailure(
                "the call should have gone to site B at once, it took \(direct.failoverAfter.map(format) ?? "?")")
        }
        n.done("connected on connection 1 with no timeout paid (\(direct.cause ?? "?"))")

        n.step("Site A comes back")
        let seen = watcher.count
        try await siteA.revive()
        let revivedAt = ContinuousClock.now
        try await watcher.wait(connection: 0, status: .ready, after: seen, within: .seconds(5))
        n.done(
            "connection 0 ready again \(format(ContinuousClock.now - revivedAt)) after site A came back (a probe saw it, then REGISTER)"
        )

        n.step("Shutting down (un-REGISTER on both sites)")
        await phone.shutdown()
        await watcher.drained()
        guard siteA.registrations["7001"] == nil, siteB.registrations["7001"] == nil else {
            throw DemoFailure("the agent should have been un-registered from both sites")
        }
        n.done("no bindings left on either site")
    }

    static let toneFrequency = 440.0
    static let mediaCallLength = Duration.milliseconds(1500)
    /// The E-model's score for G.711 on a clean path is about 4.4; above 4 is "users very satisfied" (G.107 Annex B).
    static let minimumMOS = 4.0

    /// The statistics of the first call and the echo it recorded: packets came back, none lost, a
    /// good MOS, and the recording's last half second is the tone we sent (a Goertzel filter at each
    /// candidate frequency), so the audio went out, through the site and back intact.
    private func checkMedia(_ statistics: MediaStatistics?, recording: String, _ n: Narrator) throws {
        guard let m = statistics else { throw DemoFailure("the call ended without media statistics") }
        n.note(
            "sent \(m.packetsSent) packets (\(m.octetsSent) bytes of \(m.codec)), received \(m.packetsReceived) back")
        n.note(
            "lost \(m.packetsLost) (" + String(format: "%.1f %%", m.lossRatio * 100) + "), jitter "
                + String(format: "%.2f ms", m.jitterMilliseconds) + ", MOS "
                + String(format: "%.2f", m.meanOpinionScore)
                + ", round trip "
                + (m.roundTripTimeMilliseconds.map { String(format: "%.2f ms", $0) }
                    ?? "not measured yet (RTCP reports every few seconds)"))
        // The echo starts one jitter-buffer delay late: most of the call's packets, not all, come back.
        let expected = m.packetsSent / 2
        guard m.packetsSent > 0, m.packetsReceived >= expected else {
            throw DemoFailure("only \(m.packetsReceived) of \(m.packetsSent) packets came back")
        }
        guard m.meanOpinionScore > Self.minimumMOS else {
            throw DemoFailure("MOS " + String(format: "%.2f", m.meanOpinionScore) + " is not above \(Self.minimumMOS)")
        }
        let heard: [Int16]
        do { heard = try WAVFile(contentsOf: recording).samples } catch {
            throw DemoFailure("cannot read the recording \(recording): \(error)")
        }
        let tail = Array(heard.suffix(NarrowbandAudio.sampleRate / 2))
        let candidates = [Self.toneFrequency, 1000, 2000]
        let powers = candidates.map { GoertzelDetector(frequency: $0).relativePower(in: tail) }
        guard tail.count == NarrowbandAudio.sampleRate / 2,
            let best = powers.indices.max(by: { powers[$0] < powers[$1] }),
            candidates[best] == Self.toneFrequency, powers[best] > 0.5
        else {
            throw DemoFailure("the recorded echo is not the \(Int(Self.toneFrequency)) Hz tone (powers \(powers))")
        }
        // The echo is a stream of its own (silence until our audio reaches it), so it can send a packet
        // or two more than we did.
        n.done(
            "\(m.packetsReceived) packets came back (\(m.packetsSent) sent), MOS "
                + String(format: "%.2f", m.meanOpinionScore)
                + " > \(Self.minimumMOS), and the recorded echo is the \(Int(Self.toneFrequency)) Hz tone")
    }

    struct CallResult {
        var failoverAfter: Duration?
        var cause: String?
        var media: MediaStatistics?
    }

    /// Dials 9000, expects it connected on `expectConnectedOn`, holds it a moment (playing and recording
    /// when asked), hangs up.
    @discardableResult
    private func call(
        _ phone: Phone, connection: Int, expectConnectedOn expected: Int, _ n: Narrator, output: Output,
        media: (source: MediaSource, recording: String)? = nil, holdFor: Duration = .milliseconds(300)
    ) async throws -> CallResult {
        let start = ContinuousClock.now
        let session = try await phone.callControl.dial(connectionId: connection, destination: "9000")
        if let media {
            try await session.play(media.source)
            try await session.record(to: media.recording)
        }
        var result = CallResult()
        var connectedOn: Int?
        let deadline = ContinuousClock.now + .seconds(10)
        for await event in session.statusChanges {
            if verbose || json { output.sessionEvent(event) }
            switch event {
            case .failedOver(let f):
                result.failoverAfter = ContinuousClock.now - start
                result.cause = f.cause
                n.note("failedOver: connection \(f.fromConnectionId) → \(f.toConnectionId) (\(f.cause))")
            case .statusChanged(let s):
                if s.status == .connected {
                    connectedOn = s.connectionId
                    n.note("connected on connection \(s.connectionId) after \(format(ContinuousClock.now - start))")
                    try await Task.sleep(for: holdFor)
                    try await session.hangUp()
                } else if s.status == .disconnected {
                    if connectedOn == nil { throw DemoFailure("the call ended without connecting: \(s.reason)") }
                    result.media = s.mediaStatistics
                    if let m = s.mediaStatistics, verbose || json { output.mediaStatistics(sessionId: s.sessionId, m) }
                }
            case .dtmfReceived, .signalingLost, .dropped:
                break
            }
            if ContinuousClock.now > deadline { break }
        }
        guard connectedOn == expected else {
            throw DemoFailure(
                "expected the call connected on connection \(expected), got \(connectedOn.map(String.init) ?? "none")")
        }
        return result
    }
}

/// What the story started, released in order whether it succeeded or not.
final class Resources: @unchecked Sendable {
    var phone: Phone?
    var sites: [InProcessSite] = []
    var trace: SIPTraceFile?
    var names: [String: String] = [:]

    func release() async {
        await phone?.shutdown()
        for site in sites { try? await site.stop() }
        trace?.close()
    }

    /// Draws the trace as a ladder diagram beside it.
    func writeLadder() -> (trace: String, svg: String)? {
        guard let trace, let records = try? SIPTraceLine.read(trace.path), !records.isEmpty else { return nil }
        let svg = (trace.path.hasSuffix(".trace") ? String(trace.path.dropLast(6)) : trace.path) + ".svg"
        guard
            (try? LadderDiagram.svg(records, names: names).write(toFile: svg, atomically: true, encoding: .utf8)) != nil
        else { return nil }
        return (trace.path, svg)
    }
}

struct DemoFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

func format(_ d: Duration) -> String {
    let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    return ms < 1000 ? String(format: "%.0f ms", ms) : String(format: "%.2f s", ms / 1000)
}

/// Numbered steps with their timings, for people (or JSON lines with `--json`).
final class Narrator: @unchecked Sendable {
    let output: Output
    private let start = ContinuousClock.now
    private var stepStart = ContinuousClock.now
    private var steps: [(String, Duration, Bool)] = []
    private var current: String?

    init(output: Output) {
        self.output = output
    }

    func step(_ text: String) {
        current = text
        stepStart = ContinuousClock.now
        output.emit(
            text: "\n[\(format(ContinuousClock.now - start))] \(steps.count + 1). \(text)",
            json: {
                var j = JSONLine(event: "step")
                j.add("number", steps.count + 1)
                j.add("text", text)
                return j
            }())
    }

    func note(_ text: String) {
        output.say("      \(text)")
    }

    func done(_ text: String) {
        let took = ContinuousClock.now - stepStart
        steps.append((current ?? text, took, true))
        output.emit(
            text: "   ✓ \(text)  (\(format(took)))",
            json: {
                var j = JSONLine(event: "stepDone")
                j.add("number", steps.count)
                j.add("text", text)
                j.add(
                    "milliseconds",
                    Int(Double(took.components.seconds) * 1000 + Double(took.components.attoseconds) / 1e15))
                return j
            }())
    }

    func fail(_ text: String) {
        steps.append((current ?? text, ContinuousClock.now - stepStart, false))
        output.emit(
            text: "   ✗ \(text)",
            json: {
                var j = JSONLine(event: "stepFailed")
                j.add("number", steps.count)
                j.add("text", text)
                return j
            }())
    }

    func summary() {
        output.say(
            "\nDemo finished in \(format(ContinuousClock.now - start)): \(steps.filter(\.2).count) of \(steps.count) steps OK"
        )
    }
}

/// Waits until the connections are ready (``ConnectionManager/waitUntilReady(_:timeout:)``: woken by
/// their status changes), as a story step that fails with the connections that were not.
func waitUntilReady(_ phone: Phone, _ ids: [Int], within timeout: Duration) async throws {
    do {
        _ = try await phone.connectionManager.waitUntilReady(ids, timeout: timeout)
    } catch {
        throw DemoFailure(
            "connections \(error.connectionIds.map(String.init).joined(separator: ", ")) not ready within \(format(timeout)): \(error.detail)"
        )
    }
}

/// Keeps every connection event and lets the story wait for one: each wait is woken by the event it
/// waits for, never by polling.
final class ConnectionWatcher: Sendable {
    private struct Waiter {
        let matches: @Sendable (ConnectionStatusChanged) -> Bool
        let after: Int
        let continuation: CheckedContinuation<ConnectionStatusChanged?, Never>
    }

    private struct State: ~Copyable {
        var events: [ConnectionStatusChanged] = []
        var waiters: [Int: Waiter] = [:]
        /// Waits that timed out before their waiter was registered.
        var abandoned: Set<Int> = []
        var nextWaiter = 0
    }

    private let state = Mutex(State())
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(_ stream: AsyncStream<ConnectionEvent>, output: Output?) {
        let started = Task { [weak self] in
            for await event in stream {
                output?.connectionEvent(event)
                if case .statusChanged(let e) = event { self?.append(e) }
            }
        }
        task.withLock { $0 = started }
    }

    private func append(_ e: ConnectionStatusChanged) {
        let woken = state.withLock { s -> [CheckedContinuation<ConnectionStatusChanged?, Never>] in
            s.events.append(e)
            let index = s.events.count - 1
            let ids = s.waiters.filter { index >= $0.value.after && $0.value.matches(e) }.map(\.key)
            return ids.compactMap { s.waiters.removeValue(forKey: $0)?.continuation }
        }
        for continuation in woken { continuation.resume(returning: e) }
    }

    var count: Int { state.withLock { $0.events.count } }

    @discardableResult
    func wait(connection: Int, status: ConnectionStatus, after index: Int = 0, within timeout: Duration) async throws
        -> ConnectionStatusChanged
    {
        let id = state.withLock { s in
            defer { s.nextWaiter += 1 }
            return s.nextWaiter
        }
        let matches: @Sendable (ConnectionStatusChanged) -> Bool = {
            $0.connectionId == connection && $0.status == status
        }
        let found = await withTaskGroup(of: ConnectionStatusChanged?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let now: ConnectionStatusChanged?? = self.state.withLock { s in
                        if s.abandoned.remove(id) != nil { return .some(nil) }
                        if let e = s.events.dropFirst(index).first(where: matches) { return .some(e) }
                        s.waiters[id] = Waiter(matches: matches, after: index, continuation: continuation)
                        return nil
                    }
                    if let now { continuation.resume(returning: now) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            // The wait that lost the race (if it still waits) ends now.
            let waiter = state.withLock { s -> Waiter? in
                if let w = s.waiters.removeValue(forKey: id) { return w }
                s.abandoned.insert(id)
                return nil
            }
            waiter?.continuation.resume(returning: nil)
            group.cancelAll()
            return first
        }
        state.withLock { _ = $0.abandoned.remove(id) }
        guard let found else {
            throw DemoFailure("connection \(connection) did not become \(status.rawValue) within \(format(timeout))")
        }
        return found
    }

    /// Waits until every event of the stream has been handled and printed (the stream ends when the
    /// phone shuts down), at most `timeout`: a command's last line must come after its connection
    /// events, not race with them.
    func drained(within timeout: Duration = .seconds(5)) async {
        guard let started = task.withLock({ $0 }) else { return }
        await drain([started], within: timeout)
    }

    deinit { task.withLock { $0?.cancel() } }
}
