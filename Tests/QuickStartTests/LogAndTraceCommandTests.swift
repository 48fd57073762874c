import Foundation
import SIPTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What QuickStart leaves on disk: the `--trace` file and the configuration's `log_file` (subprocess).
@Suite("QuickStart trace and log files (subprocess)")
struct LogAndTraceCommandTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)").path
    }

    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o777
    }

    /// `run --trace` against a registrar that asks for digest credentials, stopped once registered.
    @Test(arguments: [false, true])
    func theTraceIsPrivateAndMasksTheDigestResponseUnlessAskedFor(credentials: Bool) async throws {
        let site = try await SIPTestPeer.start()
        site.on(
            .register,
            .challenge(
                SIPPeerDigestChallenge(
                    kind: .server, realm: "site-a", nonce: "n0nce", username: "7001", password: "pass7001"),
                thenRespond: 200))
        let a = try site.address(.udp)
        let config = try writeConfig(
            sites: [("127.0.0.1", a.port ?? 0, "UDP")],
            extraProxySettings: "<setting name=\"password\" value=\"pass7001\"/>")
        let trace = Self.temporaryPath("run.trace")
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let process = try QuickStartProcess(
            ["run", "--config", config, "--json", "--trace", trace] + (credentials ? ["--trace-credentials"] : []))
        let ready = await process.waitForObject {
            $0["event"] as? String == "connectionStatusChanged" && $0["status"] as? String == "ready"
        }
        #expect(ready != nil, "\(process.output)")
        process.child.signal(SIGTERM)
        #expect(await process.exitStatus() == 0)
        try await site.stop()

        #expect(Self.mode(trace) == 0o600)
        let text = try String(contentsOfFile: trace, encoding: .utf8)
        #expect(text.contains(#"Authorization: Digest username=\"7001\""#), "the credentials' owner is still shown")
        #expect(!text.contains("pass7001"), "a password is never on the wire, nor in the trace")
        if credentials {
            #expect(text.contains("response="))
        } else {
            #expect(!text.contains("response="))
            #expect(text.contains("<masked>"))
        }
    }

    /// `log_level` and `log_file` take effect: lines at the level (and none below it), mode 0600.
    @Test(arguments: ["debug", "info"])
    func theLogFileReceivesLinesAtTheConfiguredLevel(level: String) async throws {
        let site = try await SIPTestPeer.start()
        site.on(
            .register,
            .challenge(
                SIPPeerDigestChallenge(
                    kind: .server, realm: "site-a", nonce: "n0nce", username: "7001", password: "pass7001"),
                thenRespond: 200))
        let a = try site.address(.udp)
        let log = Self.temporaryPath("sip.log")
        defer { try? FileManager.default.removeItem(atPath: log) }
        let config = try writeConfig(
            sites: [("127.0.0.1", a.port ?? 0, "UDP")],
            extraProxySettings: "<setting name=\"password\" value=\"pass7001\"/>",
            diagnosticsSettings:
                "<setting name=\"log_level\" value=\"\(level)\"/><setting name=\"log_file\" value=\"\(log)\"/>")
        let process = try QuickStartProcess(["register", "--config", config, "--timeout", "5", "--json"])
        #expect(await process.exitStatus() == 0, "\(process.output)")
        try await site.stop()

        #expect(Self.mode(log) == 0o600)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains(" info sip.endpoint: connection 0 registering → ready") }, "\(lines)")
        let debug = lines.filter { $0.contains(" debug sip.endpoint: ") }
        if level == "debug" {
            #expect(!debug.isEmpty, "\(lines)")
        } else {
            #expect(debug.isEmpty, "\(debug)")
        }
        #expect(!lines.contains { $0.contains("pass7001") || $0.contains("response=") }, "no credentials in the log")
        #expect(!process.output.contains("sip.endpoint:"), "the log went to the file, not to standard error")
    }

    /// A registrar's reason phrase that tries to clear the screen, retitle the window and colour the
    /// text with C1 controls (UTF-8 the parser takes as UTF8-NONASCII; it refuses C0 there): printed
    /// without a control character, in text and in JSON (where it stays, escaped).
    @Test(arguments: [false, true])
    func aHostileReasonPhrasePrintsWithoutControlCharacters(json: Bool) async throws {
        let site = try await SIPTestPeer.start()
        let phrase = "\u{9B}2J\u{9D}0;pwned\u{9C}Forbidden \u{9B}31mhere\u{7F}"
        site.on(.register, .respond(statusCode: 403, reasonPhrase: phrase))
        let a = try site.address(.udp)
        let config = try writeConfig(sites: [("127.0.0.1", a.port ?? 0, "UDP")])
        let process = try QuickStartProcess(
            ["register", "--config", config, "--timeout", "3"] + (json ? ["--json"] : []))
        #expect(await process.exitStatus() == 1)
        try await site.stop()
        let output = process.output
        #expect(
            !output.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7F...0x9F).contains($0.value) },
            "\(output.debugDescription)")
        if json {
            let failed = try #require(process.objects.first { $0["status"] as? String == "failed" }, "\(output)")
            #expect((failed["reason"] as? String)?.contains(phrase) == true, "JSON keeps the phrase, escaped")
        } else {
            #expect(output.contains("403 Forbidden here"), "\(output)")
        }
    }

    /// Without log_level or log_file in the file, QuickStart writes no log (its event lines say it all).
    @Test func withoutDiagnosticsSettingsNothingIsLogged() async throws {
        let site = try await SIPTestPeer.start()
        let a = try site.address(.udp)
        let config = try writeConfig(sites: [("127.0.0.1", a.port ?? 0, "UDP")])
        let process = try QuickStartProcess(["register", "--config", config, "--timeout", "5"])
        #expect(await process.exitStatus() == 0, "\(process.output)")
        #expect(!process.output.contains("sip.endpoint:"), "\(process.output)")
        #expect(process.output.contains("ready"))
        try await site.stop()
    }
}
