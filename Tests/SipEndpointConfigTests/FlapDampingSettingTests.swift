import Foundation
import SipEndpoint
import Testing

@testable import SipEndpointConfig

@Suite("SipEndpoint.config: flap damping")
struct FlapDampingSettingTests {
    @Test("defaults: auto (scaled to each connection's options_interval)")
    func defaults() throws {
        let c = try ConfigTest.load(ConfigTest.document()).configuration
        #expect(c.failover.flapWindowSeconds == nil && c.failover.flapHoldDownMaxSeconds == nil)
        #expect(c.effectiveSettings.contains { $0.path == "policy/failover/flap_window" && $0.value == "auto" })
    }

    @Test("numbers fix them; auto in any case restores auto")
    func values() throws {
        let xml = ConfigTest.document(
            settings: ConfigTest.section("policy/failover", [("flap_window", "45"), ("flap_hold_down_max", "AUTO")]))
        let loaded = try ConfigTest.load(xml)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        #expect(
            loaded.configuration.failover.flapWindowSeconds == 45
                && loaded.configuration.failover.flapHoldDownMaxSeconds == nil)
    }

    @Test("0 turns damping off, with a warning that says so", arguments: ["flap_window", "flap_hold_down_max"])
    func zeroWarns(name: String) throws {
        let xml = ConfigTest.document(settings: ConfigTest.section("policy/failover", [(name, "0")]))
        let loaded = try ConfigTest.load(xml)
        let warning = try #require(loaded.warnings.first)
        #expect(warning.code == .oddValue && warning.message.contains("off"), "\(warning)")
        #expect(warning.line == ConfigTest.line(of: name, in: xml))
    }

    @Test("hostile values are errors naming what is accepted", arguments: ["-1", "86401", "soon"])
    func invalid(value: String) throws {
        let xml = ConfigTest.document(settings: ConfigTest.section("policy/failover", [("flap_window", value)]))
        let issue = try #require(ConfigTest.error(xml)?.issues.first)
        #expect(issue.code == .invalidValue && issue.message.contains("auto, or seconds 0–86400"), "\(issue)")
    }
}

@Suite("SipEndpoint.config: a Connectivity line without protocol")
struct TransportFromDNSSettingTests {
    @Test(
        "no protocol and a host name without port: DNS chooses; otherwise the transport is as given (UDP when absent)",
        arguments: [
            ("server=\"site-a.example.net\"", true),
            ("server=\"site-a.example.net\" protocol=\"\"", true),
            ("server=\"site-a.example.net\" protocol=\"UDP\"", false),
            ("server=\"site-a.example.net:5060\"", false),
            ("server=\"127.0.0.2\"", false),
        ])
    func transportFromDNS(attributes: String, expected: Bool) throws {
        let xml = ConfigTest.document(connectivity: ["<Connectivity user=\"7001\" \(attributes)/>"])
        let c = try ConfigTest.load(xml).configuration
        #expect(c.connections[0].transportFromDNS == expected)
        #expect(c.connections[0].transport == .udp)
        let effective = c.effectiveSettings.first { $0.path == "Connectivity[0]/protocol" }?.value
        #expect(effective == (expected ? "" : "UDP"))
    }
}
