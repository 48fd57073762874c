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
        for phrase in ["Registering agent 7001 on both sites", "Calling 9000 on connection 0", "Site A dies",
                       "failedOver: connection 0 → 1", "connection 0 failed", "connection not ready",
                       "Site A comes back", "connection 0 ready again", "9 of 9 steps OK"] {
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
        for key in ["time", "sessionId", "fromConnectionId", "toConnectionId", "cause"] { #expect(failover[key] != nil, "\(key)") }
        let connected = try #require(objects.first { $0["event"] as? String == "sessionStatusChanged" && $0["status"] as? String == "connected" })
        for key in ["time", "sessionId", "connectionId", "previousStatus", "status", "reason", "code"] { #expect(connected[key] != nil, "\(key)") }
        #expect(objects.contains { $0["event"] as? String == "connectionStatusChanged" && $0["status"] as? String == "failed" && $0["connectionId"] as? Int == 0 })
        let result = try #require(objects.last)
        #expect(result["event"] as? String == "result" && result["command"] as? String == "demo" && result["ok"] as? Bool == true)
    }
}
