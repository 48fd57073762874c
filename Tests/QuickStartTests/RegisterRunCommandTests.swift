import Foundation
import SIPCore
import SIPTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `QuickStart register` and `QuickStart run` as subprocesses against in-process sites.
@Suite("QuickStart register and run (subprocess)")
struct RegisterRunCommandTests {
    @Test func registerReportsEveryConnectionReadyAndUnregisters() async throws {
        let siteA = try await SIPTestPeer.start()
        let siteB = try await SIPTestPeer.start()
        let a = try siteA.address(.udp), b = try siteB.address(.udp)
        let config = try writeConfig(sites: [("127.0.0.1", a.port ?? 0, "UDP"), ("127.0.0.1", b.port ?? 0, "udp")])
        let process = try QuickStartProcess(["register", "--config", config, "--timeout", "5", "--json"])
        let status = await process.exitStatus()
        #expect(status == 0, "\(process.output)")
        let objects = process.objects
        let ready = objects.filter {
            $0["event"] as? String == "connectionStatusChanged" && $0["status"] as? String == "ready"
        }
        #expect(Set(ready.compactMap { $0["connectionId"] as? Int }) == [0, 1])
        let first = try #require(ready.first)
        for key in ["time", "connectionId", "user", "server", "transport", "previousStatus", "status", "reason"] {
            #expect(first[key] != nil, "field \(key) is documented")
        }
        #expect(first["transport"] as? String == "udp" && first["previousStatus"] as? String == "registering")
        let result = try #require(objects.last)
        #expect(
            result["event"] as? String == "result" && result["command"] as? String == "register"
                && result["ok"] as? Bool == true)
        #expect(try siteA.requests(.register).last?.message.expires == 0, "un-REGISTERed before exit")
        try await siteA.stop()
        try await siteB.stop()
    }

    @Test func registerExitsOneWhenASiteIsSilent() async throws {
        let siteA = try await SIPTestPeer.start()
        siteA.on(.register, .silent)
        let a = try siteA.address(.udp)
        let config = try writeConfig(sites: [("127.0.0.1", a.port ?? 0, "UDP")])
        let process = try QuickStartProcess(["register", "--config", config, "--timeout", "2"])
        #expect(await process.exitStatus() == 1)
        #expect(process.output.contains("failed"))
        #expect(process.output.contains("FAILED"))
        try await siteA.stop()
    }

    @Test func registerWithABadConfigurationExitsTwo() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).config").path
        try "<SipEndpoint><Container name=\"Basic\"><Connectivity user=\"7001\"/></Container></SipEndpoint>".write(
            toFile: path, atomically: true, encoding: .utf8)
        let process = try QuickStartProcess(["register", "--config", path])
        #expect(await process.exitStatus() == 2)
        #expect(process.output.contains("server"))
    }

    @Test func runPrintsEventsAndShutsDownGracefullyOnSIGTERM() async throws {
        let site = try await SIPTestPeer.start()
        let a = try site.address(.udp)
        let config = try writeConfig(sites: [("127.0.0.1", a.port ?? 0, "UDP")])
        let process = try QuickStartProcess(["run", "--config", config, "--json"])
        let ready = await process.waitForObject {
            $0["event"] as? String == "connectionStatusChanged" && $0["status"] as? String == "ready"
        }
        #expect(ready != nil, "\(process.output)")
        #expect(
            await process.waitForObject {
                $0["event"] as? String == "phoneStatusChanged" && $0["status"] as? String == "active"
            } != nil)
        process.child.signal(SIGTERM)
        #expect(await process.exitStatus() == 0)
        #expect(try site.requests(.register).last?.message.expires == 0, "graceful shutdown un-REGISTERs")
        #expect(process.objects.last?["event"] as? String == "result")
        try await site.stop()
    }
}

/// `run` on a terminal draws a status table in place; `script` gives it a pseudo-terminal.
@Suite("QuickStart run on a terminal (subprocess)")
struct RunLiveTableTests {
    @Test func theStatusTableIsDrawnOnATerminal() async throws {
        let site = try await SIPTestPeer.start()
        let a = try site.address(.udp)
        let config = try writeConfig(sites: [("127.0.0.1", a.port ?? 0, "UDP")])
        let quickStart = try QuickStartProcess.executable()
        let process = try QuickStartProcess.spawn(
            "/usr/bin/script", ["-qfec", "\(quickStart) run --config \(config)", "/dev/null"])
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline,
            !(process.output.contains("ready") && process.output.contains("last reason"))
        {
            try await Task.sleep(for: .milliseconds(50))
        }
        let out = process.output
        #expect(out.contains("\u{1B}[H\u{1B}[2J"), "redrawn in place")
        #expect(out.contains("conn") && out.contains("transport") && out.contains("last reason"), "the table header")
        #expect(out.contains("ready") && out.contains("200 OK"))
        #expect(out.contains("commands: dial"))
        await process.child.kill()
        try await site.stop()
    }
}
