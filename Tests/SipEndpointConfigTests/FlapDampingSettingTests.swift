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
        let xml = ConfigTest.document(settings: ConfigTest.section("policy/failover", [("flap_window", "45"), ("flap_hold_down_max", "AUTO")]))
        let loaded = try ConfigTest.load(xml)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        #expect(loaded.configuration.failover.flapWindowSeconds == 45 && loaded.configuration.failover.flapHoldDownMaxSeconds == nil)
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
