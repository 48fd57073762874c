import ArgumentParser
import Foundation
import SipEndpoint

#if canImport(Glibc)
import Glibc
#endif

/// `QuickStart run`: register and keep running, printing every event, until Ctrl-C or SIGTERM, then shut
/// down gracefully (un-REGISTER).
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register and keep running, printing every event, until Ctrl-C / SIGTERM.")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "One JSON object per line.")
    var json = false

    @Option(help: "Write every SIP message sent and received to this file (see `ladder`).")
    var trace: String?

    @OptionGroup var tracing: TraceOptions

    @Option(
        help: ArgumentHelp(
            "Serve the phone's figures (sipendpoint_*: connections by site and status, failures, time to detect, dial failovers, set-up times, media) in Prometheus text format at http://HOST:PORT/metrics.",
            valueName: "HOST:PORT"))
    var metrics: String?

    func validate() throws {
        if let metrics, MetricsServer.address(metrics) == nil {
            throw ValidationError(
                "--metrics: expected HOST:PORT, port 0-65535 (for example 127.0.0.1:9464), got '\(metrics)'")
        }
    }

    func run() async throws {
        let output = Output(json: json)
        let (configuration, logger) = try options.loadWithLogger(output: output)
        let traceFile = try trace.map { try tracing.open($0) }
        var metricsServer: MetricsServer?
        if let metrics, let (host, port) = MetricsServer.address(metrics) {
            do {
                metricsServer = try await MetricsServer.start(host: host, port: port)
            } catch {
                output.error("cannot serve metrics on \(metrics): \(error)")
                throw ExitCode(1)
            }
            output.say(
                "metrics at http://\(host.contains(":") ? "[\(host)]" : host):\(metricsServer?.port ?? port)/metrics")
        }
        let phone = Phone(
            configuration: configuration, logger: logger, trace: traceFile, metrics: metricsServer?.factory)
        // On a terminal (and without --json) a table redrawn in place; otherwise plain event lines.
        let table = !json && LiveTable.isTerminal ? LiveTable(phone: phone) : nil
        let connectionEvents = Task {
            for await event in phone.connectionManager.statusChanges {
                if let table {
                    switch event {
                    case .statusChanged(let e):
                        table.note(
                            "\(Output.timestamp(e.time))  connection \(e.connectionId): \(e.previousStatus.rawValue) → \(e.status.rawValue)  \(e.reason)"
                        )
                    case .dropped(let count):
                        table.note("\(count) connection events lost: this reader fell behind")
                    }
                } else {
                    output.connectionEvent(event)
                }
            }
        }
        let phoneEvents = Task {
            for await event in phone.statusChanges {
                if let table { table.redraw() } else { output.phoneEvent(event) }
            }
        }
        let sessionEvents = Task {
            guard let table else { return }
            for await event in phone.callControl.events {
                switch event {
                case .statusChanged(let e):
                    table.note(
                        "\(Output.timestamp(e.time))  call \(e.sessionId.prefix(8)): \(e.previousStatus.rawValue) → \(e.status.rawValue)  \(e.reason)"
                    )
                case .failedOver(let e):
                    table.note(
                        "\(Output.timestamp(e.time))  call \(e.sessionId.prefix(8)) failed over \(e.fromConnectionId) → \(e.toConnectionId) (\(e.cause))"
                    )
                case .signalingLost(let e):
                    table.note(
                        "\(Output.timestamp(e.time))  call \(e.sessionId.prefix(8)) lost its signalling: connection \(e.connectionId) failed (\(e.reason)); up while media flows"
                    )
                case .dtmfReceived(let e):
                    table.note(
                        "\(Output.timestamp(e.time))  call \(e.sessionId.prefix(8)) received DTMF \(e.digit) (\(e.method.rawValue))"
                    )
                case .dropped(let count): table.note("\(count) call events lost: this reader fell behind")
                }
            }
        }
        // Whichever comes first: SIGINT/SIGTERM or `quit` on standard input. Standard input that
        // ends (a script, /dev/null) does not stop the phone; a signal still does. The handlers go in
        // before the phone starts: the phone reports itself active from inside start(), and a SIGTERM
        // sent on that news used to find the default action and kill the process un-REGISTERed.
        let (stops, stop) = AsyncStream<String>.makeStream()
        Signals.onTermination { stop.yield($0) }
        do {
            try await phone.start()
        } catch {
            output.error("cannot start: \(error)")
            await phone.shutdown()
            await metricsServer?.stop()
            throw ExitCode(1)
        }
        output.say(
            "running; type commands (status, dial <conn> <dest>, answer, hangup, hold, retrieve, dtmf, transfer, play, record, stats, enable|disable|remove <conn>, quit), or Ctrl-C / SIGTERM to stop"
        )
        var commands = RunCommands(phone: phone, output: output, quiet: table != nil)
        if let table { commands.redraw = { table.redraw() } }
        table?.redraw()
        let incoming = Task {
            for await session in phone.callControl.incomingCalls {
                if let table {
                    table.note(
                        "incoming call on connection \(session.connectionId.map(String.init) ?? "?"): type 'answer'")
                } else {
                    output.say(
                        "incoming call on connection \(session.connectionId.map(String.init) ?? "?") (session \(session.id)): type 'answer'"
                    )
                    commands.follow(session)
                }
            }
        }
        let reader = Task {
            for await line in StandardInputLines.stream() where !(await commands.execute(line)) {
                stop.yield("quit")
            }
        }
        var reason = "stopped"
        for await first in stops {
            reason = first
            break
        }
        reader.cancel()
        incoming.cancel()
        output.say("\(reason): shutting down (hang up, un-REGISTER)")
        await phone.shutdown()
        await drain([connectionEvents, phoneEvents, sessionEvents])
        await metricsServer?.stop()
        output.result(command: "run", ok: true, detail: "stopped by \(reason)")
    }
}

/// SIGINT / SIGTERM through Dispatch signal sources; the default handlers are replaced so the process
/// lives to shut down gracefully.
enum Signals {
    /// Calls `handler` with "SIGINT" or "SIGTERM" each time one arrives.
    static func onTermination(_ handler: @escaping @Sendable (String) -> Void) {
        var sources: [DispatchSourceSignal] = []
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(name) }
            source.resume()
            sources.append(source)
        }
        SignalSources.keep(sources)
    }
}

/// Keeps the signal sources alive while the command runs.
enum SignalSources {
    nonisolated(unsafe) static var retained: [DispatchSourceSignal] = []
    static func keep(_ sources: [DispatchSourceSignal]) { retained += sources }
}
