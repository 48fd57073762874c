import Foundation
import SIPTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

#if canImport(Glibc)
import Glibc
#endif

/// `QuickStart run --metrics HOST:PORT` serves the phone's figures in Prometheus text format; a site
/// that dies shows in them: its connection failed, the time to detect it, and a dial that failed over.
@Suite("QuickStart run --metrics (subprocess)")
struct MetricsCommandTests {
    static func scrape(_ port: Int, path: String = "/metrics") async throws -> (status: Int, text: String) {
        let url = try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))
        let (data, response) = try await URLSession.shared.data(from: url)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// The value of the sample line `name{labels} value`, when present.
    static func sample(_ text: String, _ name: String, _ labels: [String: String]) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") {
            guard let close = line.firstIndex(of: "}") else { continue }
            let labelText = line[line.index(line.startIndex, offsetBy: name.count + 1)..<close]
            var found: [String: String] = [:]
            for pair in labelText.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 {
                    found[String(parts[0])] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
            }
            if labels.allSatisfy({ found[$0.key] == $0.value }) {
                return Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces))
            }
        }
        return nil
    }

    @Test(.timeLimit(.minutes(1))) func aFrozenSitesFailureItsDetectionAndADialsFailoverShowUp() async throws {
        let a = try await InProcessSite.start(.init(name: "site-a", host: "127.0.0.1"))
        let b = try await InProcessSite.start(.init(name: "site-b", host: "127.0.0.1"))
        let config = try writeConfig(
            sites: [("127.0.0.1", a.port, "UDP"), ("127.0.0.1", b.port, "UDP")],
            extraProxySettings: "<setting name=\"password\" value=\"pass7001\"/>")
        let text = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(
                of: "<setting name=\"options_interval\" value=\"0\"/>",
                with: "<setting name=\"options_interval\" value=\"1\"/>")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let process = try QuickStartProcess(
            ["run", "--config", config, "--metrics", "127.0.0.1:0"], standardInput: .pipe)
        let announced = try #require(
            await process.waitForLine(containing: "metrics at http://127.0.0.1:"), "\(process.output)")
        let port = try #require(Int(announced.split(separator: ":").last?.split(separator: "/").first ?? ""))
        #expect(await process.waitForLine(containing: "phone") != nil)
        let siteA = "127.0.0.1:\(a.port)", siteB = "127.0.0.1:\(b.port)"
        try await waitFor {
            Self.sample(
                try await Self.scrape(port).text, "sipendpoint_connections", ["site": siteB, "status": "ready"]) == 1
        }

        try await a.kill()
        try process.send("dial 0 9000")
        // The dial finds site A silent (no_response), or, on a machine slow enough for site A's probe
        // to fail it first, not ready (not_ready): one failover either way.
        try await waitFor {
            let text = try await Self.scrape(port).text
            return ["no_response", "not_ready"].compactMap {
                Self.sample(text, "sipendpoint_dial_failovers_total", ["site": siteA, "cause": $0])
            }.reduce(0, +) == 1
        }
        try await waitFor {
            Self.sample(
                try await Self.scrape(port).text, "sipendpoint_connections", ["site": siteA, "status": "failed"]) == 1
        }
        let (status, figures) = try await Self.scrape(port)
        #expect(status == 200)
        #expect(Self.sample(figures, "sipendpoint_connection_failures_total", ["site": siteA]) == 1, "\(figures)")
        #expect(Self.sample(figures, "sipendpoint_failure_detection_seconds_count", ["site": siteA]) == 1, "\(figures)")
        let detected = try #require(Self.sample(figures, "sipendpoint_failure_detection_seconds_sum", ["site": siteA]))
        #expect(detected > 0 && detected < 10, "detection took \(detected) s")
        #expect(Self.sample(figures, "sipendpoint_failover_dial_seconds_count", ["site": siteB]) == 1, "\(figures)")
        #expect(Self.sample(figures, "sipendpoint_connections", ["site": siteB, "status": "ready"]) == 1)
        #expect(!figures.contains("session") || !figures.contains("sessionId"), "no per-call labels")
        #expect(try await Self.scrape(port, path: "/").status == 404)

        process.child.signal(SIGTERM)
        #expect(await process.exitStatus() == 0, "\(process.output)")
        try await a.stop()
        try await b.stop()
    }

    @Test func aMetricsAddressWithoutAPortIsRefused() async throws {
        let process = try QuickStartProcess(["run", "--config", "/nonexistent", "--metrics", "localhost"])
        #expect(await process.exitStatus() != 0)
        #expect(process.output.contains("HOST:PORT"), "\(process.output)")
    }

    /// Polls `condition` every 100 ms for at most 10 s (the figures move when the phone's events do).
    func waitFor(_ condition: () async throws -> Bool) async throws {
        try await Self.poll(condition)
    }

    /// Polls `condition` every 100 ms for at most 10 s.
    static func poll(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the condition did not hold within 10 s")
    }
}
