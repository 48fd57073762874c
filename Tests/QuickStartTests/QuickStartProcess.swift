import Foundation
import SIPTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The built QuickStart binary run as a subprocess (the CLI is tested as users run it), with
/// its output captured in a file that the test reads while it runs, and (for `run`) optionally a pipe
/// on its standard input that the test writes commands into.
final class QuickStartProcess: Sendable {
    let child: ChildProcess
    let log: URL
    /// The write end of the child's standard input, when it was started with `standardInput: .pipe`.
    private let input: FileHandle?

    /// Where the child's standard input comes from.
    enum StandardInput {
        /// /dev/null: a command that reads input sees it end at once.
        case null
        /// A pipe the test writes lines into with ``send(_:)``.
        case pipe
    }

    /// The QuickStart binary `swift build` puts beside the test bundle.
    static func executable() throws -> String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [
            testBinary.deletingLastPathComponent().appendingPathComponent("QuickStart"),
            testBinary.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("QuickStart"),
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw CocoaError(
                .fileNoSuchFile,
                userInfo: [NSLocalizedDescriptionKey: "QuickStart is not built (looked in \(candidates.map(\.path)))"])
        }
        return found.path
    }

    convenience init(_ arguments: [String], standardInput: StandardInput = .null) throws {
        try self.init(executable: try Self.executable(), arguments, standardInput: standardInput)
    }

    private init(executable: String, _ arguments: [String], standardInput: StandardInput = .null) throws {
        log = FileManager.default.temporaryDirectory.appendingPathComponent("quickstart-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        switch standardInput {
        case .null:
            input = nil
            child = try ChildProcess(executable: executable, arguments: arguments, log: log)
        case .pipe:
            // Both ends close-on-exec: the child gets the read end as descriptor 0 (dup2 clears the
            // flag there) and nothing else, so closing our write end is an end of input it sees.
            // (Glibc's pipe2 is not imported without _GNU_SOURCE; ChildProcess also closes every
            // descriptor above 2 in its children, which covers the moment before fcntl.)
            var ends: [Int32] = [-1, -1]
            guard pipe(&ends) == 0 else {
                throw CocoaError(
                    .fileWriteUnknown,
                    userInfo: [NSLocalizedDescriptionKey: "pipe: \(String(cString: strerror(errno)))"])
            }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            // A write after the child has gone must fail with EPIPE, not kill the test process.
            signal(SIGPIPE, SIG_IGN)
            input = FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
            defer { close(ends[0]) }
            do {
                child = try ChildProcess(executable: executable, arguments: arguments, log: log, standardInput: ends[0])
            } catch {
                close(ends[1])
                throw error
            }
        }
    }

    /// Writes one command line to the child's standard input (started with `standardInput: .pipe`).
    func send(_ line: String) throws {
        guard let input else {
            throw CocoaError(
                .fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "started without a standard input pipe"])
        }
        try input.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Ends the child's standard input (it sees end of file).
    func closeInput() throws {
        try input?.close()
    }

    /// Another program (for example `script`, to give QuickStart a terminal).
    static func spawn(_ executable: String, _ arguments: [String]) throws -> QuickStartProcess {
        try QuickStartProcess(executable: executable, arguments)
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    var lines: [String] { output.split(separator: "\n").map(String.init) }

    /// The `--json` lines as objects (lines that are not JSON are skipped).
    var objects: [[String: Any]] {
        lines.compactMap { line in
            guard line.hasPrefix("{") else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    /// Waits (bounded) until a JSON line satisfies `predicate`.
    func waitForObject(timeout: Duration = .seconds(10), _ predicate: ([String: Any]) -> Bool) async -> [String: Any]? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = objects.first(where: predicate) { return found }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Waits (bounded) until an output line contains `text`; returns that line.
    func waitForLine(containing text: String, timeout: Duration = .seconds(10)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = lines.first(where: { $0.contains(text) }) { return found }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Waits for the exit (bounded; killed after it) and returns the status.
    func exitStatus(timeout: Duration = .seconds(30)) async -> Int32? {
        if let status = await child.waitForExit(timeout: timeout) { return status }
        Issue.record("QuickStart did not exit within \(timeout); output:\n\(output)")
        await child.kill()
        return nil
    }

    deinit { try? FileManager.default.removeItem(at: log) }
}

/// A SipEndpoint.config for the given sites, written to a temporary file.
func writeConfig(
    sites: [(host: String, port: Int, transport: String)], user: String = "7001",
    extraProxySettings: String = "", endpointSettings: String = "", diagnosticsSettings: String = ""
) throws -> String {
    var connectivity = ""
    var proxies = ""
    for (i, site) in sites.enumerated() {
        connectivity +=
            "<Connectivity user=\"\(user)\" server=\"\(site.host):\(site.port)\" protocol=\"\(site.transport)\"/>\n"
        proxies += """
            <section name="proxy\(i)">
              <setting name="reregister_in_seconds" value="60"/>
              <setting name="options_interval" value="0"/>
              \(extraProxySettings)
            </section>

            """
    }
    let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <SipEndpoint>
          <Container name="Basic">
            \(connectivity)
          </Container>
          <Container name="Genesys">
            <settings>
              <domain name="policy">
                <section name="endpoint">
                  <setting name="sip_transaction_timeout" value="800"/>
                  <setting name="local_address" value="127.0.0.1"/>
                  \(endpointSettings)
                </section>
              </domain>
              <domain name="proxies">
                \(proxies)
              </domain>
              <domain name="system">
                <section name="diagnostics">
                  \(diagnosticsSettings)
                </section>
              </domain>
            </settings>
          </Container>
        </SipEndpoint>
        """
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("SipEndpoint-\(UUID().uuidString).config")
        .path
    try xml.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
