import Foundation
import SipEndpoint
import Testing

@testable import SipEndpointConfig

@Suite("SipEndpoint.config.sample")
struct SampleConfigTests {
    @Test("loads with zero warnings and maps to the expected values")
    func sampleLoads() throws {
        let loaded = try SipEndpointConfigLoader.load(contentsOf: ConfigTest.samplePath, environment: [:])
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings.map(\.description))")
        let c = loaded.configuration

        #expect(c.connections.count == 2)
        let a = ConnectionConfiguration(
            user: "7001", server: ServerAddress(host: "127.0.0.2", port: 5060), transport: .udp, password: "pass7001",
            authUser: "7001", displayName: "Agent 7001 (site A)", domain: nil, reregisterInSeconds: 3600,
            regInterval: 30,
            regRetryMax: 1800, optionsInterval: 10, optionsFailureThreshold: 1, keepaliveInterval: 30, enabled: true)
        let b = ConnectionConfiguration(
            user: "7001", server: ServerAddress(host: "127.0.0.3", port: 5061), transport: .tls, password: "pass7001",
            authUser: nil, displayName: "Agent 7001 (site B)", domain: nil, reregisterInSeconds: 600, regInterval: 20,
            regRetryMax: 900, optionsInterval: 5, optionsFailureThreshold: 2, keepaliveInterval: 15, enabled: true)
        #expect(c.connections == [a, b])

        #expect(
            c.endpoint
                == EndpointPolicy(
                    sipTransactionTimeoutMilliseconds: 4000, sipPortRange: nil, rtpPortRange: 20000...20999,
                    publicAddress: nil, localAddress: "0.0.0.0", dnsServers: []))
        #expect(
            c.failover == FailoverPolicy(retryCodes: [408, 503, 504], inviteTimeoutMilliseconds: nil, adaptiveT1: true))
        #expect(c.session == SessionPolicy(autoAnswer: false, holdOthers: true, dtmfMethod: .rfc2833))
        #expect(
            c.security
                == SecurityConfiguration(tlsCAFile: nil, tlsVerify: true, tlsCertificateFile: nil, tlsKeyFile: nil))
        #expect(c.diagnostics == DiagnosticsConfiguration(logLevel: .info, logFile: nil))
    }

    @Test("carries every supported setting, each with a comment before it")
    func sampleIsComplete() throws {
        let text = try String(contentsOfFile: ConfigTest.samplePath, encoding: .utf8)
        let names =
            SupportedSettings.connection.filter { SupportedSettings.aliases[$0] == nil }
            + SupportedSettings.sections.values.flatMap { $0 }
        for name in names {
            #expect(text.contains("<setting name=\"\(name)\""), "the sample lacks \(name)")
        }
        for alias in SupportedSettings.aliases.keys {
            #expect(text.contains(alias), "the sample does not mention the alias \(alias)")
        }
        // Each setting outside proxy1 (which repeats proxy0's) has a comment giving its default just
        // before it, or follows the other half of its pair (sip_port_min/max…).
        let lines = text.split(separator: "\n").map(String.init)
        let proxy1 = try #require(lines.firstIndex { $0.contains("name=\"proxy1\"") })
        let proxy1End = try #require(lines[proxy1...].firstIndex { $0.contains("</section>") })
        for (index, line) in lines.enumerated()
        where line.trimmingCharacters(in: .whitespaces).hasPrefix("<setting name=")
            && !(proxy1...proxy1End).contains(index)
        {
            let before = lines[max(0, index - 4)..<index].joined(separator: "\n")
            #expect(
                before.contains("Default") || lines[index - 1].contains("<setting name="),
                "no comment with a default before: \(line)")
        }
    }

    @Test("the settings of the sample are the effective settings of the configuration, passwords masked")
    func effectiveSettings() throws {
        let c = try SipEndpointConfiguration(contentsOf: ConfigTest.samplePath, environment: [:])
        let settings = Dictionary(uniqueKeysWithValues: c.effectiveSettings.map { ($0.path, $0.value) })
        #expect(settings["Connectivity[1]/server"] == "127.0.0.3:5061")
        #expect(settings["Connectivity[1]/protocol"] == "TLS")
        #expect(settings["proxies/proxy0/password"] == SipEndpointConfiguration.maskedPassword)
        #expect(settings["proxies/proxy1/auth_user"] == "7001")
        #expect(settings["proxies/proxy1/domain"] == "127.0.0.3")
        #expect(settings["policy/failover/retry_codes"] == "408,503,504")
        #expect(settings["policy/endpoint/rtp_port_max"] == "20999")
        #expect(!c.effectiveSettings.contains { $0.value.contains("pass7001") })
    }
}
