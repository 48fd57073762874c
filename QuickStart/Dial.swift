import ArgumentParser
import Foundation
import SipEndpoint

/// `QuickStart dial <connectionId> <destination>`: register, dial, print every attempt, failover and
/// status, hang up after `--hold-for` seconds, and exit 0 only if the call was connected.
/// `--play` and `--record` give the call audio; its media statistics print when it ends.
struct Dial: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register, dial a destination through a connection (with site fallback), hang up, report.")

    @Argument(help: "The connection to dial through (0-based, as in the configuration).")
    var connectionId: Int

    @Argument(help: "A user or number (9000 → sip:9000@<the connection's domain>) or a SIP URI.")
    var destination: String

    @OptionGroup var options: ConfigOptions

    @OptionGroup var media: MediaOptions

    @Option(help: "Seconds to stay connected before hanging up.")
    var holdFor: Double = 2

    @Option(help: "Seconds to wait for the registrations before dialling anyway.")
    var registerTimeout: Double = 5

    @Flag(help: "One JSON object per line.")
    var json = false

    @Option(help: "Write every SIP message sent and received to this file (see `ladder`).")
    var trace: String?

    @OptionGroup var tracing: TraceOptions

    func run() async throws {
        let output = Output(json: json)
        try media.check(output: output)
        let (configuration, logger) = try options.loadWithLogger(output: output)
        guard configuration.connections.indices.contains(connectionId) else {
            output.error(
                "connection \(connectionId) does not exist (the configuration has \(configuration.connections.count))")
            throw ExitCode(2)
        }
        let traceFile = try trace.map { try tracing.open($0) }
        let phone = Phone(configuration: configuration, logger: logger, trace: traceFile)
        let events = Task { for await e in phone.connectionManager.statusChanges { output.connectionEvent(e) } }
        defer { events.cancel() }
        do {
            try await phone.start()
        } catch {
            output.error("cannot start: \(error)")
            await phone.shutdown()
            throw ExitCode(1)
        }
        // Let the registrations settle (ready or failed) so the dial sees real statuses: woken by each
        // status change, never later than the register timeout.
        _ = try? await phone.connectionManager.waitUntil(timeout: .milliseconds(Int(registerTimeout * 1000))) {
            connections in
            connections.contains(where: { $0.isEnabled && ($0.status == .registering || $0.status == .disabled) })
                ? nil : true
        }
        var connectedOn: Int?
        var finalReason = "not connected"
        var mediaFailure: String?
        do {
            let session = try await phone.callControl.dial(connectionId: connectionId, destination: destination)
            output.say("dialling \(destination) through connection \(connectionId) (session \(session.id))")
            // Plugged in at once: the source and the recorder start with the call's RTP.
            do {
                try await media.apply(to: session)
            } catch {
                mediaFailure = "\(error)"
                output.error("media: \(error)")
                try? await session.hangUp()
            }
            for await event in session.statusChanges {
                output.sessionEvent(event)
                guard case .statusChanged(let s) = event else { continue }
                if s.status == .connected, connectedOn == nil {
                    connectedOn = s.connectionId
                    let hangUpAfter = holdFor
                    Task {
                        try? await Task.sleep(for: .milliseconds(Int(hangUpAfter * 1000)))
                        try? await session.hangUp()
                    }
                }
                if s.status == .disconnected {
                    finalReason = s.reason.text
                    if let statistics = s.mediaStatistics { output.mediaStatistics(sessionId: s.sessionId, statistics) }
                }
            }
        } catch {
            finalReason = "\(error)"
        }
        await phone.shutdown()
        await drain([events])
        if let mediaFailure {
            output.result(command: "dial", ok: false, detail: "media: \(mediaFailure)")
            throw ExitCode(1)
        }
        if let connectedOn {
            output.result(command: "dial", ok: true, detail: "connected on connection \(connectedOn)")
        } else {
            output.result(command: "dial", ok: false, detail: "not connected: \(finalReason)")
            throw ExitCode(1)
        }
    }
}
