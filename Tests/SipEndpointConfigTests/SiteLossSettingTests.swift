import Foundation
import SipEndpoint
import Testing

@testable import SipEndpointConfig

@Suite("SipEndpoint.config: duplicate deliveries, session timers, media inactivity")
struct SiteLossSettingTests {
    @Test("defaults: duplicate detection off (486 when on), session_expires 1800, rtp_inactivity_timeout 30 s")
    func defaults() throws {
        let loaded = try ConfigTest.load(ConfigTest.document())
        let c = loaded.configuration
        #expect(c.failover.duplicateCallHeader == nil && c.failover.duplicateCallResponse == 486)
        #expect(c.session.sessionExpiresSeconds == 1800)
        #expect(c.endpoint.rtpInactivityTimeout == .seconds(30))
        let effective = Dictionary(uniqueKeysWithValues: c.effectiveSettings.map { ($0.path, $0.value) })
        #expect(effective["policy/failover/duplicate_call_header"] == "")
        #expect(effective["policy/failover/duplicate_call_response"] == "486")
        #expect(effective["policy/session/session_expires"] == "1800")
        #expect(effective["policy/endpoint/rtp_inactivity_timeout"] == "30")
    }

    @Test("each value lands where it belongs")
    func values() throws {
        let xml = ConfigTest.document(
            settings: [
                ConfigTest.section(
                    "policy/failover",
                    [("duplicate_call_header", "X-Genesys-CallUUID"), ("duplicate_call_response", "603")]),
                ConfigTest.section("policy/session", [("session_expires", "0")]),
            ].joined())
        let loaded = try ConfigTest.load(xml)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        #expect(loaded.configuration.failover.duplicateCallHeader == "X-Genesys-CallUUID")
        #expect(loaded.configuration.failover.duplicateCallResponse == 603)
        #expect(loaded.configuration.session.sessionExpiresSeconds == 0)
    }

    @Test(
        "odd values load with a warning",
        arguments: [
            ("policy/failover", "duplicate_call_response", "503", "retry"),
            ("policy/session", "session_expires", "120", "1800"),
        ])
    func oddValues(section: String, name: String, value: String, says: String) throws {
        let loaded = try ConfigTest.load(ConfigTest.document(settings: ConfigTest.section(section, [(name, value)])))
        let warning = try #require(loaded.warnings.first { $0.path.hasSuffix(name) })
        #expect(warning.code == .oddValue && warning.message.contains(says), "\(warning)")
    }

    @Test(
        "hostile values are errors naming what is accepted",
        arguments: [
            ("policy/failover", "duplicate_call_header", "X Call", "header name"),
            ("policy/failover", "duplicate_call_response", "200", "400"),
            ("policy/session", "session_expires", "30", "90"),
            ("policy/session", "session_expires", "abc", "integer"),
        ])
    func invalid(section: String, name: String, value: String, accepted: String) throws {
        let error = ConfigTest.error(ConfigTest.document(settings: ConfigTest.section(section, [(name, value)])))
        let issue = try #require(error?.issues.first)
        #expect(issue.code == .invalidValue)
        #expect(issue.path.hasSuffix(name) && issue.message.contains(accepted), "\(issue)")
    }
}
