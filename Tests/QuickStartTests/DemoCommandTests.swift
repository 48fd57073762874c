import Foundation
import Testing

/// `QuickStart demo`, the README's first command, run as a user runs it.
@Suite("QuickStart demo (subprocess)")
struct DemoCommandTests {
    @Test func demoNarratesEveryStepAndExitsZero() async throws {
        let process = try QuickStartProcess(["demo"])
        let status = await process.exitStatus(timeout: .seconds(30))
        #expect(status == 0, "\(process.output)")
        let out = process.output
        for phrase in [
            "Registering agent 7001 on both sites", "Calling 9000 on connection 0", "Site A dies",
            "failedOver: connection 0 → 1", "connection 0 failed", "connection not ready",
            "playing a 440 Hz tone", "packets came back", "the recorded echo is the 440 Hz tone",
            "Site A comes back", "connection 0 ready again", "10 of 10 steps OK",
        ] {
            #expect(out.contains(phrase), "the narration says \(phrase)")
        }
        #expect(!out.contains("✗"))
    }

    @Test func demoJSONHasTheDocumentedEvents() async throws {
        let process = try QuickStartProcess(["demo", "--json"])
        #expect(await process.exitStatus(timeout: .seconds(30)) == 0, "\(process.output)")
        let objects = process.objects
        #expect(!objects.isEmpty && objects.count == process.lines.count, "every line is a JSON object")
        let failover = try #require(objects.first { $0["event"] as? String == "failedOver" })
        for key in ["time", "sessionId", "fromConnectionId", "toConnectionId", "cause"] {
            #expect(failover[key] != nil, "\(key)")
        }
        let connected = try #require(
            objects.first { $0["event"] as? String == "sessionStatusChanged" && $0["status"] as? String == "connected" }
        )
        for key in ["time", "sessionId", "connectionId", "previousStatus", "status", "reason", "code"] {
            #expect(connected[key] != nil, "\(key)")
        }
        #expect(
            objects.contains {
                $0["event"] as? String == "connectionStatusChanged" && $0["status"] as? String == "failed"
                    && $0["connectionId"] as? Int == 0
            })
        let media = try #require(objects.first { $0["event"] as? String == "mediaStatistics" })
        #expect((media["packetsReceived"] as? Int ?? 0) > 0 && (media["meanOpinionScore"] as? Double ?? 0) > 4)
        let result = try #require(objects.last)
        #expect(
            result["event"] as? String == "result" && result["command"] as? String == "demo"
                && result["ok"] as? Bool == true)
    }
}

/// `--trace` and `ladder`: the call-flow picture (a ladder diagram of the SIP messages).
@Suite("QuickStart trace and ladder (subprocess)")
struct LadderCommandTests {
    @Test func theDemoWritesATraceAndItsLadderDiagram() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ladder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let trace = dir.appendingPathComponent("demo.trace").path
        let process = try QuickStartProcess(["demo", "--trace", trace])
        #expect(await process.exitStatus(timeout: .seconds(30)) == 0, "\(process.output)")
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        let objects = lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        #expect(objects.count == lines.count && objects.count > 20)
        #expect(objects.contains { $0["summary"] as? String == "INVITE" && $0["direction"] as? String == "sent" })
        #expect(
            objects.contains {
                $0["summary"] as? String == "401 Unauthorized" && $0["direction"] as? String == "received"
            })
        let svg = try String(contentsOfFile: dir.appendingPathComponent("demo.svg").path, encoding: .utf8)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("site A (127.0.0.1:") && svg.contains("site B (127.0.0.1:"))
        #expect(svg.components(separatedBy: "marker-end").count - 1 == objects.count, "one arrow per message")

        // The ladder subcommand draws the same trace.
        let out = dir.appendingPathComponent("again.svg").path
        let ladder = try QuickStartProcess(["ladder", trace, "--output", out])
        #expect(await ladder.exitStatus() == 0, "\(ladder.output)")
        #expect(ladder.output.contains("ladder: \(objects.count) messages"))
        #expect(
            try String(contentsOfFile: out, encoding: .utf8).components(separatedBy: "marker-end").count - 1
                == objects.count)
        try? FileManager.default.removeItem(at: dir)
    }
}
