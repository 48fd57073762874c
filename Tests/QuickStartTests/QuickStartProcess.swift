import Foundation
import SIPTestSupport
import Testing

/// The built QuickStart binary run as a subprocess (issue 7: the CLI is tested as users run it), with
/// its output captured in a file that the test reads while it runs.
final class QuickStartProcess: Sendable {
    let child: ChildProcess
    let log: URL

    /// The QuickStart binary `swift build` puts beside the test bundle.
    static func executable() throws -> String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [
            testBinary.deletingLastPathComponent().appendingPathComponent("QuickStart"),
            testBinary.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("QuickStart"),
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "QuickStart is not built (looked in \(candidates.map(\.path)))"])
        }
        return found.path
    }

    convenience init(_ arguments: [String]) throws {
        try self.init(executable: try Self.executable(), arguments)
    }

    private init(executable: String, _ arguments: [String]) throws {
        log = FileManager.default.temporaryDirectory.appendingPathComponent("quickstart-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        child = try ChildProcess(executable: executable, arguments: arguments, log: log)
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
func writeConfig(sites: [(host: String, port: Int, transport: String)], user: String = "7001",
                 extraProxySettings: String = "", endpointSettings: String = "") throws -> String {
    var connectivity = ""
    var proxies = ""
    for (i, site) in sites.enumerated() {
        connectivity += "<Connectivity user=\"\(user)\" server=\"\(site.host):\(site.port)\" protocol=\"\(site.transport)\"/>\n"
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
            </settings>
          </Container>
        </SipEndpoint>
        """
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("SipEndpoint-\(UUID().uuidString).config").path
    try xml.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
