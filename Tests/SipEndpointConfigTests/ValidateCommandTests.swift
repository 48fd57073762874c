import Foundation
import SIPTestSupport
import Testing

@Suite("QuickStart validate (subprocess)")
struct ValidateCommandTests {
    /// The QuickStart binary `swift build` / `swift test` put beside the test bundle.
    static func quickStart() throws -> URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [
            testBinary.deletingLastPathComponent().appendingPathComponent("QuickStart"),
            testBinary.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("QuickStart"),
            ConfigTest.packageRoot.appendingPathComponent(".build/debug/QuickStart"),
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw CocoaError(
                .fileNoSuchFile,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "QuickStart not built; run swift build first (looked in \(candidates.map(\.path)))"
                ])
        }
        return found
    }

    struct Run {
        var status: Int32
        var output: String
    }

    /// Runs QuickStart with a 60 s bound, capturing standard output and error together.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Run {
        let process = Process()
        process.executableURL = try quickStart()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: killer)
        let data = try await process.runToItsEnd(reading: pipe)
        killer.cancel()
        #expect(process.terminationReason == .exit, "QuickStart \(arguments) did not exit within 60 s")
        return Run(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    @Test("the sample validates: exit 0, effective configuration printed, password masked")
    func sample() async throws {
        let run = try await Self.run(["validate", "--config", ConfigTest.samplePath])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("Connectivity[1]/server"))
        #expect(run.output.contains("127.0.0.3:5061"))
        #expect(run.output.contains("proxies/proxy0/password"))
        #expect(run.output.contains("********"))
        #expect(!run.output.contains("pass7001"))
        #expect(run.output.contains("OK \(ConfigTest.samplePath): 2 connections, 0 errors, 0 warnings"))
    }

    @Test("--json: one object per line, ending with the result")
    func json() async throws {
        let run = try await Self.run(["validate", "--config", ConfigTest.samplePath, "--json"])
        #expect(run.status == 0)
        let lines = run.output.split(separator: "\n")
        for line in lines {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "\(line)")
        }
        let last = try #require(lines.last)
        #expect(last.hasPrefix(#"{"event":"result","command":"validate","ok":true"#), "\(last)")
        #expect(!run.output.contains("pass7001"))
    }

    @Test("a broken file: exit 2 and each error with its line; --json says ok false")
    func broken() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("validate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("SipEndpoint.config")
        let xml = ConfigTest.document(
            settings: [
                ConfigTest.section(
                    "proxies/proxy1", [("reregister_in_seconds", "ten"), ("password", "${NOT_SET_ANYWHERE_7}")]),
                ConfigTest.section("policy/device", [("audio_in_device", "x")]),
            ].joined(separator: "\n"))
        try xml.write(to: file, atomically: true, encoding: .utf8)
        let line = try #require(ConfigTest.line(of: "reregister_in_seconds", in: xml))

        let run = try await Self.run(["validate", "--config", file.path])
        #expect(run.status == 2, "\(run.output)")
        #expect(run.output.contains("\(file.path):\(line):"), "\(run.output)")
        #expect(run.output.contains("proxies/proxy1/reregister_in_seconds: \"ten\" is not an integer"))
        #expect(run.output.contains("environment variable NOT_SET_ANYWHERE_7 is not set"))
        #expect(run.output.contains("warning: policy/device/audio_in_device"))
        #expect(run.output.contains("INVALID \(file.path): 2 errors, 1 warning"))

        let json = try await Self.run(["validate", "--config", file.path, "--json"])
        #expect(json.status == 2)
        #expect(
            json.output.split(separator: "\n").last?.hasPrefix(#"{"event":"result","command":"validate","ok":false"#)
                == true)
        #expect(json.output.contains(#""line":\#(line)"#))

        let missing = try await Self.run(["validate", "--config", directory.appendingPathComponent("none.config").path])
        #expect(missing.status == 2)
        #expect(missing.output.contains("cannot read the file: no such file"))
    }
}
