import Foundation
import SIPTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// QuickStart against the two real Kamailio sites: register, dial and drill as a user runs
/// them. With CI=true a missing Kamailio or SIPp fails these tests (`KamailioLab.start` checks).
@Suite(
    "QuickStart against the Kamailio sites (subprocess)", .serialized,
    .enabled(if: LabRequirement.current.shouldRun, "Kamailio/SIPp not installed (Scripts/install-deps)"))
struct QuickStartLabTests {
    /// Agent 7001 on site A (connection 0) and site B (connection 1), fast timers.
    func labConfig() throws -> String {
        try writeConfig(
            sites: [("127.0.0.2", 5060, "UDP"), ("127.0.0.3", 5060, "UDP")],
            extraProxySettings: "<setting name=\"password\" value=\"pass7001\"/>",
            endpointSettings: ""
        )
        .replacingFileText(
            "<setting name=\"options_interval\" value=\"0\"/>", with: "<setting name=\"options_interval\" value=\"1\"/>"
        )
        .replacingFileText(
            "<setting name=\"sip_transaction_timeout\" value=\"800\"/>",
            with: "<setting name=\"sip_transaction_timeout\" value=\"1000\"/>")
    }

    @Test func registerDialAndDrillAgainstTheRealSites() async throws {
        try await KamailioLab.with { _ in
            let config = try labConfig()

            let register = try QuickStartProcess(["register", "--config", config, "--timeout", "8"])
            #expect(await register.exitStatus() == 0, "\(register.output)")
            #expect(register.output.contains("OK: 2 ready"))

            let dial = try QuickStartProcess(["dial", "0", "9000", "--config", config, "--hold-for", "0.3"])
            #expect(await dial.exitStatus() == 0, "\(dial.output)")
            #expect(dial.lines.last == "OK: connected on connection 0")

            let busy = try QuickStartProcess(["dial", "0", "9486", "--config", config])
            #expect(await busy.exitStatus() == 1)
            #expect(busy.output.contains("486"))

            let drill = try QuickStartProcess([
                "drill", "--config", config, "--destination", "9000", "--hold-for", "0.3", "--json",
            ])
            #expect(await drill.exitStatus(timeout: .seconds(90)) == 0, "\(drill.output)")
            let measurements = drill.objects.filter { $0["event"] as? String == "measurement" }
            #expect(measurements.count == 7, "\(measurements)")
            print("lab-measure quickstart-drill", measurements.map { "\($0["name"] ?? "")=\($0["value"] ?? "")" })
        }
    }
}

extension QuickStartLabTests {
    /// `run --metrics` against the real sites: site A frozen (SIGSTOP), a dial through `run`'s standard
    /// input fails over to site B, and the Prometheus figures show site A's failure, its time to
    /// detect and the dial's failover.
    @Test func runMetricsShowAFrozenSitesFailureAndADialsFailover() async throws {
        try await KamailioLab.with { lab in
            let config = try labConfig()
            let process = try QuickStartProcess(
                ["run", "--config", config, "--metrics", "127.0.0.1:0"], standardInput: .pipe)
            let announced = try #require(
                await process.waitForLine(containing: "metrics at http://127.0.0.1:"), "\(process.output)")
            let port = try #require(Int(announced.split(separator: ":").last?.split(separator: "/").first ?? ""))
            let siteA = "127.0.0.2:5060", siteB = "127.0.0.3:5060"
            let ready: @Sendable () async throws -> Bool = {
                MetricsCommandTests.sample(
                    try await MetricsCommandTests.scrape(port).text, "sipendpoint_connections",
                    ["site": siteB, "status": "ready"]) == 1
            }
            try await MetricsCommandTests.poll(ready)

            try await lab.sites.a.freeze()
            do {
                try process.send("dial 0 9000")
                try await MetricsCommandTests.poll {
                    MetricsCommandTests.sample(
                        try await MetricsCommandTests.scrape(port).text, "sipendpoint_dial_failovers_total",
                        ["site": siteA, "cause": "no_response"]) == 1
                }
                try await MetricsCommandTests.poll {
                    MetricsCommandTests.sample(
                        try await MetricsCommandTests.scrape(port).text, "sipendpoint_connections",
                        ["site": siteA, "status": "failed"]) == 1
                }
                let figures = try await MetricsCommandTests.scrape(port).text
                #expect(
                    MetricsCommandTests.sample(figures, "sipendpoint_failure_detection_seconds_count", ["site": siteA])
                        == 1, "\(figures)")
                let detected =
                    MetricsCommandTests.sample(figures, "sipendpoint_failure_detection_seconds_sum", ["site": siteA])
                    ?? -1
                #expect(detected > 0 && detected < 5, "time to detect \(detected) s")
                #expect(
                    MetricsCommandTests.sample(figures, "sipendpoint_connection_failures_total", ["site": siteA]) == 1)
                #expect(
                    MetricsCommandTests.sample(figures, "sipendpoint_failover_dial_seconds_count", ["site": siteB]) == 1
                )
                print("lab-measure metrics time-to-detect=\(detected)s")
            } catch {
                try? await lab.sites.a.thaw()
                throw error
            }
            try await lab.sites.a.thaw()
            process.child.signal(SIGTERM)
            #expect(await process.exitStatus() == 0, "\(process.output)")
        }
    }
}

extension String {
    /// Rewrites the file at this path, replacing `target` with `replacement`; returns the path.
    func replacingFileText(_ target: String, with replacement: String) throws -> String {
        let text = try String(contentsOfFile: self, encoding: .utf8)
        try text.replacingOccurrences(of: target, with: replacement).write(
            toFile: self, atomically: true, encoding: .utf8)
        return self
    }
}
