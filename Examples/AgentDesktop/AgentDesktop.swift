// The README's library example, as a program the package builds and the tests run to the end.
//
//   swift run AgentDesktop                      # against two SIP sites run in this process
//   swift run AgentDesktop SipEndpoint.config   # against the sites a configuration names
//
// It registers the agent on every connection, waits until they are ready, dials 9000 on connection 0,
// waits for the answer, hangs up, adds a second agent's connection at runtime and disables it again.
// Every wait is bounded: a step that does not happen in time ends the program with exit status 1.
import Foundation
import SIPInProcessSites
import SipEndpoint
import SipEndpointConfig

@main
struct AgentDesktop {
    static func main() async {
        do {
            try await run(configurationPath: CommandLine.arguments.dropFirst().first)
            print("done")
        } catch {
            print("failed: \(error)")
            exit(1)
        }
    }

    static func run(configurationPath: String?) async throws {
        var sites: [InProcessSite] = []
        let configuration: SipEndpointConfiguration
        if let path = configurationPath {
            let loaded = try SipEndpointConfigLoader.load(contentsOf: path)
            for warning in loaded.warnings { print("warning: \(warning)") }
            configuration = loaded.configuration
        } else {
            sites = [
                try await InProcessSite.start(.init(name: "site-a")),
                try await InProcessSite.start(.init(name: "site-b")),
            ]
            configuration = SipEndpointConfiguration(
                connections: sites.map { site in
                    ConnectionConfiguration(
                        user: "7001", server: ServerAddress(host: "127.0.0.1", port: site.port), transport: .udp,
                        password: "pass7001")
                },
                endpoint: EndpointPolicy(localAddress: "127.0.0.1"))
        }

        do {
            try await agentDesktop(configuration)
        } catch {
            for site in sites { try? await site.stop() }
            throw error
        }
        for site in sites { try await site.stop() }
    }

    static func agentDesktop(_ configuration: SipEndpointConfiguration) async throws {
        try await Phone.withPhone(configuration: configuration) { phone in
            let watcher = Task {
                for await event in phone.connectionManager.statusChanges {
                    switch event {
                    case .statusChanged(let e): print("connection \(e.connectionId): \(e.status) (\(e.reason))")
                    case .dropped(let n): print("\(n) connection events lost here: this reader fell behind")
                    }
                }
            }
            defer { watcher.cancel() }

            _ = try await phone.connectionManager.waitUntilReady(timeout: .seconds(10))
            let call = try await phone.callControl.dial(connectionId: 0, destination: "9000")
            try await within(.seconds(10), "the call to 9000 is answered") {
                for await event in call.statusChanges {
                    guard case .statusChanged(let change) = event else { continue }
                    print("call on connection \(change.connectionId): \(change.status) (\(change.reason))")
                    if change.status == .connected { return }
                }
            }
            try await call.hangUp()

            let site = configuration.connections[configuration.connections.count - 1].server
            let added = try await phone.connectionManager.addConnection(
                ConnectionConfiguration(user: "7002", server: site, transport: .udp, password: "pass7002"))
            try await phone.connectionManager.disableConnection(added)
            print(
                "phone \(phone.status), connections: \(phone.connectionManager.connections.map { "\($0.id) \($0.status)" })"
            )
        }
    }

    struct StepTimedOut: Error, CustomStringConvertible {
        let step: String
        var description: String { "timed out waiting until \(step)" }
    }

    /// Runs `body`, or throws when it has not returned within `limit`.
    static func within(_ limit: Duration, _ step: String, _ body: @escaping @Sendable () async -> Void) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                await body()
                return true
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return false
            }
            let finished = try await group.next() ?? false
            group.cancelAll()
            guard finished else { throw StepTimedOut(step: step) }
        }
    }
}
