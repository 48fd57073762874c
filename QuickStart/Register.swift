import ArgumentParser
import Foundation
import SipEndpoint

/// `QuickStart register`: register every connection, wait until all are ready or the timeout passes,
/// print each connection's status, un-REGISTER, and exit 0 only if all were ready.
struct Register: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register every connection of the configuration, report, and un-register.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Seconds to wait for every connection to be ready.")
    var timeout: Double = 10

    @Flag(help: "One JSON object per line (events as they happen, then a result line).")
    var json = false

    func run() async throws {
        let output = Output(json: json)
        let (configuration, logger) = try options.loadWithLogger(output: output)
        guard !configuration.connections.isEmpty else {
            output.error("the configuration has no connections")
            throw ExitCode(2)
        }
        let phone = Phone(configuration: configuration, logger: logger)
        let events = Task {
            for await event in phone.connectionManager.statusChanges { output.connectionEvent(event) }
        }
        do {
            try await phone.start()
        } catch {
            output.error("cannot start: \(error)")
            events.cancel()
            await phone.shutdown()
            throw ExitCode(1)
        }
        // Every enabled connection ready, or the timeout: whichever the status changes show first.
        let allReady: Bool
        do {
            _ = try await phone.connectionManager.waitUntilReady(timeout: .milliseconds(Int(timeout * 1000)))
            allReady = true
        } catch {
            allReady = false
        }
        let connections = phone.connectionManager.connections
        for c in connections { output.connection(c) }
        await phone.shutdown()
        await drain([events])
        let detail = allReady ? "\(connections.count) ready" : "not every connection was ready within \(timeout) s"
        output.result(command: "register", ok: allReady, detail: detail)
        if !allReady { throw ExitCode(1) }
    }
}
