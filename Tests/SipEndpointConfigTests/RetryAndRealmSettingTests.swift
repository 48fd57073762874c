import Foundation
import SipEndpoint
import Testing

@testable import SipEndpointConfig

/// Retry settings that would be unsafe are made safe with a warning that says what they mean;
/// `auth_realm` and `require_qop` map into the connection.
@Suite("Retry and realm settings")
struct RetryAndRealmSettingTests {
    static func load(_ settings: [(String, String)]) throws -> LoadedConfiguration {
        try ConfigTest.load(ConfigTest.document(settings: ConfigTest.section("proxies/proxy0", settings)))
    }

    static func warnings(_ loaded: LoadedConfiguration, _ name: String) -> [ConfigurationIssue] {
        loaded.warnings.filter { $0.path == "proxies/proxy0/\(name)" }
    }

    @Test("reg_interval 0 loads as the 30 s default base, with a warning saying so")
    func zeroRegInterval() throws {
        let loaded = try Self.load([("reg_interval", "0")])
        #expect(loaded.configuration.connections[0].regInterval == 30)
        let warning = try #require(Self.warnings(loaded, "reg_interval").first)
        #expect(warning.severity == .warning && warning.code == .oddValue)
        #expect(warning.message.contains("default back-off base of 30 s"))
    }

    @Test("reg_interval empty is the default base, without a warning")
    func emptyRegInterval() throws {
        let loaded = try Self.load([("reg_interval", "")])
        #expect(loaded.configuration.connections[0].regInterval == 30)
        #expect(loaded.warnings.isEmpty)
    }

    @Test(
        "reg_retry_max below reg_interval is raised to it, with a warning (also when reg_interval is 0)",
        arguments: [("60", "30", 60), ("0", "10", 30)])
    func retryMaxRaised(interval: String, retryMax: String, expected: Int) throws {
        let loaded = try Self.load([("reg_interval", interval), ("reg_retry_max", retryMax)])
        #expect(loaded.configuration.connections[0].regRetryMax == expected)
        let warning = try #require(Self.warnings(loaded, "reg_retry_max").first)
        #expect(warning.code == .oddValue)
        #expect(warning.message.contains("raised to the base, \(expected) s"))
    }

    @Test("a short lifetime and very frequent probes are warned about; 0 (off) is not")
    func shortTimers() throws {
        let odd = try Self.load([("reregister_in_seconds", "20"), ("options_interval", "1")])
        #expect(Self.warnings(odd, "reregister_in_seconds").first?.message.contains("423") == true)
        #expect(Self.warnings(odd, "options_interval").first?.message.contains("every 1 s") == true)
        #expect(odd.configuration.connections[0].reregisterInSeconds == 20, "kept: the registrar may take it")
        let off = try Self.load([("reregister_in_seconds", "0"), ("options_interval", "0")])
        #expect(off.warnings.isEmpty)
    }

    @Test("auth_realm: a comma-separated list; * is accepted with a warning")
    func authRealm() throws {
        let listed = try Self.load([("auth_realm", " proxy.example.net , site-a ")])
        #expect(listed.configuration.connections[0].authRealms == ["proxy.example.net", "site-a"])
        #expect(listed.warnings.isEmpty)
        let any = try Self.load([("auth_realm", "*")])
        #expect(any.configuration.connections[0].authRealms == ["*"])
        #expect(Self.warnings(any, "auth_realm").first?.message.contains("any realm") == true)
        #expect(try Self.load([]).configuration.connections[0].authRealms == [])
        let bad = try #require(
            ConfigTest.error(
                ConfigTest.document(settings: ConfigTest.section("proxies/proxy0", [("auth_realm", "a,,b")]))))
        #expect(bad.issues.first?.code == .invalidValue)
    }

    @Test("require_qop: boolean, default 0")
    func requireQop() throws {
        #expect(try Self.load([("require_qop", "1")]).configuration.connections[0].requireQop)
        #expect(try !Self.load([]).configuration.connections[0].requireQop)
    }
}
