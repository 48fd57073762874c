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
