import Foundation
import SIPTestSupport
import Testing

/// The README's library example is `Examples/AgentDesktop`, an executable the package builds. Run as a
/// user runs it (no arguments: two SIP sites in its own process), it must get to its end: register on
/// both sites, answer a call to 9000 and hang it up, add and disable a connection, and exit 0.
@Suite struct ExampleTests {
    @Test(.timeLimit(.minutes(1))) func theAgentDesktopExampleRunsToItsEnd() async throws {
        let executable = try builtExecutable("AgentDesktop")

        let process = Process()
        process.executableURL = executable
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        // The example bounds each of its own waits (10 s); this only stops a hung child from outliving
        // the test.
        let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 45, execute: killer)
        let text = String(decoding: try await process.runToItsEnd(reading: output), as: UTF8.self)
        killer.cancel()

        #expect(process.terminationStatus == 0, "AgentDesktop exited \(process.terminationStatus):\n\(text)")
        #expect(text.contains("connection 0: ready"), "\(text)")
        #expect(text.contains("connection 1: ready"), "\(text)")
        #expect(text.contains("connected"), "the call to 9000 was never answered:\n\(text)")
        #expect(text.hasSuffix("done\n"), "\(text)")
    }
}

/// An executable of this package that `swift build` put beside the test bundle.
func builtExecutable(_ name: String) throws -> URL {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    let candidates = [
        testBinary.deletingLastPathComponent().appending(path: name),
        testBinary.deletingLastPathComponent().deletingLastPathComponent().appending(path: name),
    ]
    return try #require(
        candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
        "\(name) is not built (looked in \(candidates.map(\.path)))")
}
