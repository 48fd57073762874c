import Foundation
import SIPMedia
import SIPTestSupport
import Testing

/// `QuickStart run` driven by a script on its standard input (the media commands `play`, `record`,
/// `stats` and the call commands), against an in-process site whose number 9000 answers and echoes RTP.
@Suite("QuickStart run commands on standard input (subprocess)")
struct RunMediaCommandTests {
    /// A site and a configuration that registers to it.
    func site() async throws -> (InProcessSite, String) {
        let site = try await InProcessSite.start(.init(name: "site-a"))
        let config = try writeConfig(
            sites: [("127.0.0.1", site.port, "UDP")],
            extraProxySettings: "<setting name=\"password\" value=\"pass7001\"/>")
        return (site, config)
    }

    /// `run --json` with a pipe on standard input, once its connection is ready.
    func running(_ config: String) async throws -> QuickStartProcess {
        let process = try QuickStartProcess(["run", "--config", config, "--json"], standardInput: .pipe)
        let ready = await process.waitForObject {
            $0.is("connectionStatusChanged") && $0["status"] as? String == "ready"
        }
        try #require(ready != nil, "\(process.output)")
        return process
    }

    @Test func aCallPlaysAToneRecordsItsEchoReportsStatisticsAndSendsDTMF() async throws {
        let (site, config) = try await site()
        let recording = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString).wav")
            .path
        defer { try? FileManager.default.removeItem(atPath: recording) }
        let process = try await running(config)

        try process.send("dial 0 9000")
        let connected = await process.waitForObject {
            $0.is("sessionStatusChanged") && $0["status"] as? String == "connected"
        }
        try #require(connected != nil, "\(process.output)")
        try process.send("play tone:800")
        #expect(await process.waitForResult("play")?["ok"] as? Bool == true, "\(process.output)")
        try process.send("record \(recording)")
        #expect(await process.waitForResult("record")?["ok"] as? Bool == true, "\(process.output)")
        try await Task.sleep(for: .seconds(1))

        try process.send("stats")
        let media = try #require(await process.waitForObject { $0.is("mediaStatistics") }, "\(process.output)")
        #expect((media["packetsSent"] as? Int ?? 0) > 0)
        #expect((media["packetsReceived"] as? Int ?? 0) > 0, "site 9000 echoes")
        #expect(media["sessionId"] as? String == connected?["sessionId"] as? String)
        #expect(await process.waitForResult("stats")?["ok"] as? Bool == true, "\(process.output)")

        try process.send("dtmf 12")
        let dtmf = try #require(await process.waitForResult("dtmf"), "\(process.output)")
        #expect(dtmf["ok"] as? Bool == true, "\(dtmf)")

        try process.send("hangup")
        let ended = await process.waitForObject {
            $0.is("sessionStatusChanged") && $0["status"] as? String == "disconnected"
        }
        #expect(ended != nil, "\(process.output)")
        try process.send("quit")
        #expect(await process.exitStatus() == 0, "\(process.output)")
        #expect(process.objects.last?["command"] as? String == "run")
        #expect(!process.output.contains("usage:"), "no command was misread: \(process.output)")

        // The recording began after the tone: what came back is the site's echo of 800 Hz.
        let heard = try WAVFile(contentsOf: recording).samples
        #expect(heard.count >= 6000, "about a second was recorded (\(heard.count) samples)")
        let middle = Array(heard.dropFirst(1000).prefix(4000))
        #expect(
            GoertzelDetector(frequency: 800).relativePower(in: middle) > 0.5, "the echo of our 800 Hz tone was recorded"
        )
        try await site.stop()
    }

    @Test func aBadPlayArgumentIsReportedAndRunCarriesOn() async throws {
        let (site, config) = try await site()
        let process = try await running(config)

        try process.send("play /nonexistent/prompt.wav")
        let failed = try #require(await process.waitForResult("play"), "\(process.output)")
        #expect(failed["ok"] as? Bool == false)
        let detail = failed["detail"] as? String ?? ""
        #expect(detail.contains("/nonexistent/prompt.wav") && detail.contains("no such readable file"), "\(detail)")
        #expect(await process.waitForLine(containing: "play: ") != nil, "a line for people on standard error too")

        try process.send("status")
        #expect(
            await process.waitForObject { $0.is("connection") && $0["status"] as? String == "ready" } != nil,
            "\(process.output)")
        #expect(process.child.isRunning)

        try process.send("quit")
        #expect(await process.exitStatus() == 0, "\(process.output)")
        try await site.stop()
    }

    @Test func disableAndEnableAConnection() async throws {
        let (site, config) = try await site()
        let process = try await running(config)

        try process.send("disable 0")
        #expect(
            await process.waitForObject { $0.is("connectionStatusChanged") && $0["status"] as? String == "disabled" }
                != nil, "\(process.output)")
        #expect(await process.waitForResult("disable")?["ok"] as? Bool == true, "\(process.output)")
        try process.send("enable 0")
        #expect(await process.waitForResult("enable")?["ok"] as? Bool == true, "\(process.output)")
        // Registered again: a second `ready` for connection 0.
        let deadline = ContinuousClock.now + .seconds(10)
        func readyCount() -> Int {
            process.objects.filter { $0.is("connectionStatusChanged") && $0["status"] as? String == "ready" }.count
        }
        while ContinuousClock.now < deadline, readyCount() < 2 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(readyCount() == 2, "\(process.output)")

        try process.send("quit")
        #expect(await process.exitStatus() == 0, "\(process.output)")
        try await site.stop()
    }
}

extension Dictionary where Key == String, Value == Any {
    /// Whether this JSON line is the named event.
    func `is`(_ event: String) -> Bool { self["event"] as? String == event }
}

extension QuickStartProcess {
    /// Waits (bounded) for the `result` line that ends a `run` command.
    func waitForResult(_ command: String, timeout: Duration = .seconds(10)) async -> [String: Any]? {
        await waitForObject(timeout: timeout) { $0.is("result") && $0["command"] as? String == command }
    }
}
