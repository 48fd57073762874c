import Foundation
import SIPMedia
import SIPTestSupport
import Testing

/// `QuickStart dial` as a subprocess against in-process sites.
@Suite("QuickStart dial (subprocess)")
struct DialCommandTests {
    func sites(a: [String: InProcessSite.TestNumber] = ["9000": .answer(ringing: .milliseconds(20))]) async throws -> (
        InProcessSite, InProcessSite, String
    ) {
        let siteA = try await InProcessSite.start(.init(name: "site-a", testNumbers: a))
        let siteB = try await InProcessSite.start(
            .init(name: "site-b", testNumbers: ["9000": .answer(ringing: .milliseconds(20))]))
        let config = try writeConfig(
            sites: [("127.0.0.1", siteA.port, "UDP"), ("127.0.0.1", siteB.port, "UDP")],
            extraProxySettings: "<setting name=\"password\" value=\"pass7001\"/>")
        return (siteA, siteB, config)
    }

    @Test func dialConnectsAndSaysWhere() async throws {
        let (a, b, config) = try await sites()
        let process = try QuickStartProcess(["dial", "0", "9000", "--config", config, "--hold-for", "0.2"])
        #expect(await process.exitStatus() == 0, "\(process.output)")
        #expect(process.lines.last == "OK: connected on connection 0")
        #expect(a.invites.count >= 1 && b.invites.isEmpty)
        try await a.stop()
        try await b.stop()
    }

    @Test func dialFailsOverOn503() async throws {
        let (a, b, config) = try await sites(a: ["9000": .reject(503)])
        let process = try QuickStartProcess(["dial", "0", "9000", "--config", config, "--hold-for", "0.2", "--json"])
        #expect(await process.exitStatus() == 0, "\(process.output)")
        let failover = try #require(process.objects.first { $0["event"] as? String == "failedOver" })
        #expect(failover["fromConnectionId"] as? Int == 0 && failover["toConnectionId"] as? Int == 1)
        #expect((failover["cause"] as? String)?.hasPrefix("503") == true)
        #expect(process.objects.last?["detail"] as? String == "connected on connection 1")
        try await a.stop()
        try await b.stop()
    }

    @Test func dialPlaysAToneAndRecordsItsEchoThenPrintsTheMediaStatistics() async throws {
        let (a, b, config) = try await sites()
        let recording = FileManager.default.temporaryDirectory.appendingPathComponent("dial-\(UUID().uuidString).wav")
            .path
        defer { try? FileManager.default.removeItem(atPath: recording) }
        let process = try QuickStartProcess([
            // Three seconds of call: the packet counts below (about half of it) hold on a loaded machine.
            "dial", "0", "9000", "--config", config, "--hold-for", "3", "--play", "tone:440", "--record", recording,
            "--record-encoding", "pcmu", "--json",
        ])
        #expect(await process.exitStatus() == 0, "\(process.output)")
        let media = try #require(
            process.objects.first { $0["event"] as? String == "mediaStatistics" }, "\(process.output)")
        for key in [
            "sessionId", "codec", "packetsSent", "packetsReceived", "packetsLost", "lossRatio", "jitterMilliseconds",
            "meanOpinionScore",
        ] {
            #expect(media[key] != nil, "\(key)")
        }
        #expect((media["packetsSent"] as? Int ?? 0) >= 50)
        #expect((media["packetsReceived"] as? Int ?? 0) >= 40, "site 9000 echoes")
        #expect((media["meanOpinionScore"] as? Double ?? 0) > 4)
        #expect(process.objects.last?["ok"] as? Bool == true)

        let heard = try WAVFile(contentsOf: recording).samples  // G.711 µ-law, decoded
        let tail = Array(heard.suffix(4000))
        #expect(tail.count == 4000)
        #expect(
            GoertzelDetector(frequency: 440).relativePower(in: tail) > 0.5, "the echo of our 440 Hz tone was recorded")
        try await a.stop()
        try await b.stop()
    }

    @Test func aFileThatCannotBePlayedFailsBeforeDialling() async throws {
        let (a, b, config) = try await sites()
        let process = try QuickStartProcess([
            "dial", "0", "9000", "--config", config, "--play", "/nonexistent/prompt.wav",
        ])
        #expect(await process.exitStatus() == 2, "bad usage")
        #expect(process.output.contains("/nonexistent/prompt.wav"), "\(process.output)")
        #expect(a.invites.isEmpty && b.invites.isEmpty && a.registerCount == 0, "nothing was sent")
        let tone = try QuickStartProcess(["dial", "0", "9000", "--config", config, "--play", "tone:abc"])
        #expect(await tone.exitStatus() == 2)
        #expect(tone.output.contains("tone:FREQ"))
        try await a.stop()
        try await b.stop()
    }

    @Test func busyEndsTheCallWithExitOne() async throws {
        let (a, b, config) = try await sites(a: ["9000": .reject(486)])
        let process = try QuickStartProcess(["dial", "0", "9000", "--config", config])
        #expect(await process.exitStatus() == 1)
        #expect(process.output.contains("486"))
        #expect(b.invites.isEmpty)
        try await a.stop()
        try await b.stop()
    }
}

/// `QuickStart drill` against two in-process sites.
@Suite("QuickStart drill (subprocess)")
struct DrillCommandTests {
    @Test func drillMeasuresEveryStep() async throws {
        let a = try await InProcessSite.start(.init(name: "site-a", host: "127.0.0.1"))
        let b = try await InProcessSite.start(.init(name: "site-b", host: "127.0.0.1"))
        // The sites share 127.0.0.1 in-process, so block by address would block both: put site B on another
        // loopback address.
        try await b.stop()
        let b2 = try await InProcessSite.start(.init(name: "site-b", host: "127.0.0.2"))
        let config = try writeConfig(
            sites: [("127.0.0.1", a.port, "UDP"), ("127.0.0.2", b2.port, "UDP")],
            extraProxySettings: "<setting name=\"password\" value=\"pass7001\"/>",
            endpointSettings: "")
        let text = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(
                of: "<setting name=\"options_interval\" value=\"0\"/>",
                with: "<setting name=\"options_interval\" value=\"1\"/>")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let process = try QuickStartProcess([
            "drill", "--config", config, "--destination", "9000", "--hold-for", "0.2", "--json",
        ])
        #expect(await process.exitStatus(timeout: .seconds(60)) == 0, "\(process.output)")
        let names = process.objects.filter { $0["event"] as? String == "measurement" }.compactMap {
            $0["name"] as? String
        }
        #expect(names.contains("call setup before the failure (connection 0)"))
        #expect(names.contains("time to a connected call during the failure"))
        #expect(names.contains("time to detect (connection 0 failed)"))
        #expect(names.contains("time to recover (connection 0 ready)"))
        #expect(process.objects.contains { $0["event"] as? String == "failedOver" })
        #expect(process.objects.last?["ok"] as? Bool == true)
        try await a.stop()
        try await b2.stop()
    }

    /// The drill on an active/standby line: the standby takes over, the recovery time and the calls
    /// that did not connect are reported, and after the restore the failback finishes.
    @Test func drillCoversActiveStandby() async throws {
        let a = try await InProcessSite.start(.init(name: "site-a", host: "127.0.0.1"))
        let b = try await InProcessSite.start(.init(name: "site-b", host: "127.0.0.2"))
        let config = try writeConfig(
            sites: [("127.0.0.1", a.port, "UDP"), ("127.0.0.2", b.port, "UDP")],
            extraProxySettings: "<setting name=\"password\" value=\"pass7001\"/>")
        let text = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(
                of: "<setting name=\"options_interval\" value=\"0\"/>",
                with: "<setting name=\"options_interval\" value=\"1\"/>"
            )
            .replacingOccurrences(
                of: "<domain name=\"proxies\">",
                with: """
                    <domain name="policy"><section name="failover">
                      <setting name="mode" value="active-standby"/>
                      <setting name="failback_hold_down" value="1"/>
                    </section></domain>
                    <domain name="proxies">
                    """)
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let process = try QuickStartProcess([
            "drill", "--config", config, "--destination", "9000", "--hold-for", "0.2", "--json",
        ])
        #expect(await process.exitStatus(timeout: .seconds(60)) == 0, "\(process.output)")
        let measurements = Dictionary(
            process.objects.filter { $0["event"] as? String == "measurement" }
                .compactMap { o in (o["name"] as? String).map { ($0, o["value"] as? String ?? "") } },
            uniquingKeysWith: { first, _ in first })
        #expect(measurements["time to take over (connection 1 ready)"] != nil, "\(measurements)")
        #expect(measurements["recovery time (the line takes and places calls again)"] != nil)
        #expect(measurements["calls attempted during the failure that did not connect"] == "0")
        #expect(measurements["failback done (connection 1 standby)"] != nil)
        #expect(process.objects.last?["ok"] as? Bool == true)
        try await a.stop()
        try await b.stop()
    }
}
