import Foundation
import SipEndpoint
import Testing

@testable import SipEndpointConfig

@Suite("SipEndpoint.config: invite_timeout auto and adaptive_t1")
struct InviteTimeoutSettingTests {
    @Test("defaults: invite_timeout is auto (learned) and T1 is adaptive")
    func defaults() throws {
        let c = try ConfigTest.load(ConfigTest.document()).configuration
        #expect(c.failover.inviteTimeoutMilliseconds == nil)
        #expect(c.failover.adaptiveT1)
        let effective = Dictionary(uniqueKeysWithValues: c.effectiveSettings.map { ($0.path, $0.value) })
        #expect(effective["policy/failover/invite_timeout"] == "auto")
        #expect(effective["policy/failover/adaptive_t1"] == "1")
    }

    @Test(
        "auto in any case, a number fixes the give-up, adaptive_t1=0 restores RFC 3261's 500 ms",
        arguments: [("AUTO", Int?.none, "0", false), ("auto", nil, "true", true), ("1200", 1200, "false", false)])
    func values(timeout: String, expected: Int?, adaptive: String, adaptiveExpected: Bool) throws {
        let xml = ConfigTest.document(
            settings: ConfigTest.section("policy/failover", [("invite_timeout", timeout), ("adaptive_t1", adaptive)]))
        let loaded = try ConfigTest.load(xml)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        #expect(loaded.configuration.failover.inviteTimeoutMilliseconds == expected)
        #expect(loaded.configuration.failover.adaptiveT1 == adaptiveExpected)
    }

    @Test(
        "a fixed invite_timeout above sip_transaction_timeout loads with a warning: Timer B would end the INVITE first")
    func aboveTransactionTimeoutWarns() throws {
        let xml = ConfigTest.document(
            settings: [
                ConfigTest.section("policy/endpoint", [("sip_transaction_timeout", "3000")]),
                ConfigTest.section("policy/failover", [("invite_timeout", "5000")]),
            ].joined())
        let loaded = try ConfigTest.load(xml)
        #expect(loaded.configuration.failover.inviteTimeoutMilliseconds == 5000)
        let warning = try #require(loaded.warnings.first)
        #expect(warning.code == .oddValue && warning.message.contains("sip_transaction_timeout 3000"), "\(warning)")
        #expect(warning.line == ConfigTest.line(of: "invite_timeout", in: xml))
    }

    @Test("a fixed invite_timeout below the 800 ms floor of auto loads with a warning naming the risk")
    func belowFloorWarns() throws {
        let xml = ConfigTest.document(settings: ConfigTest.section("policy/failover", [("invite_timeout", "300")]))
        let loaded = try ConfigTest.load(xml)
        #expect(loaded.configuration.failover.inviteTimeoutMilliseconds == 300)
        let warning = try #require(loaded.warnings.first)
        #expect(warning.code == .oddValue && warning.message.contains("below 800 ms"), "\(warning)")
    }

    @Test(
        "hostile values are errors naming what is accepted",
        arguments: [
            ("invite_timeout", "fast", "auto, milliseconds"), ("invite_timeout", "0", "auto, milliseconds 1–32000"),
            ("adaptive_t1", "maybe", "boolean"),
        ])
    func invalid(name: String, value: String, accepted: String) throws {
        let xml = ConfigTest.document(settings: ConfigTest.section("policy/failover", [(name, value)]))
        let issue = try #require(ConfigTest.error(xml)?.issues.first)
        #expect(issue.code == .invalidValue)
        #expect(issue.path.hasSuffix(name) && issue.message.contains(accepted), "\(issue)")
    }
}
