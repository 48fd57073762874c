import NIOCore
import SIPTestSupport
import Testing

@testable import SipEndpoint

/// A back end's task that prefers the phone's loop (``Phone/taskExecutor(ofConnection:)``) runs
/// there at every step of a call: after the dial, after each awaited event, after the hang-up.
@Suite("Calls driven from a task on the phone's loop")
struct LoopTaskExecutorTests {
    @Test("dial, connected, hang up, disconnected: every step of the task runs on the line's loop")
    func aWholeCallOnTheLoop() async throws {
        let site = try await InProcessSite.start(.init(name: "site-a", testNumbers: ["9000": .answer()]))
        let phone = Phone.onOwnThread(
            configuration: fastConfiguration(
                [
                    ConnectionConfiguration(
                        user: "7001", server: ServerAddress(host: "127.0.0.1", port: site.port), password: "pass7001",
                        reregisterInSeconds: 60, optionsInterval: 0)
                ], timeoutMs: 2000))
        try await phone.start()
        _ = try await phone.connectionManager.waitUntilReady([0], timeout: .seconds(5))
        let executor = phone.taskExecutor(ofConnection: 0)
        let loop = phone.eventLoop(ofConnection: 0)
        #expect(executor.eventLoop === loop)

        let steps = try await withTaskExecutorPreference(executor) { () async throws -> [String: Bool] in
            var onLoop: [String: Bool] = ["start": loop.inEventLoop]
            let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
            onLoop["dialled"] = loop.inEventLoop
            var statuses = session.statusChanges.makeAsyncIterator()
            while let event = await statuses.next() {
                guard case .statusChanged(let change) = event else { continue }
                if change.status == .connected {
                    onLoop["connected"] = loop.inEventLoop
                    try await session.hangUp()
                    onLoop["hung up"] = loop.inEventLoop
                }
                if change.status == .disconnected {
                    onLoop["disconnected"] = loop.inEventLoop
                    break
                }
            }
            // A child task inherits the preference (an unstructured `Task {}` does not, SE-0417).
            async let child = loop.inEventLoop
            onLoop["child"] = await child
            return onLoop
        }
        #expect(
            steps == [
                "start": true, "dialled": true, "connected": true, "hung up": true, "disconnected": true, "child": true,
            ])
        #expect(!loop.inEventLoop, "the test's own task is back on the global pool")
        #expect(site.invites.count == 1)
        await phone.shutdown()
        try await site.stop()
    }
}
