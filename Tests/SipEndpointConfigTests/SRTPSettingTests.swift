import Foundation
import SipEndpoint
import Testing

@testable import SipEndpointConfig

@Suite("SipEndpoint.config: use_srtp and srtp_key_log")
struct SRTPSettingTests {
    static let tlsA = #"<Connectivity user="7001" server="127.0.0.2:5061" protocol="TLS"/>"#
    static let tlsB = #"<Connectivity user="7001" server="127.0.0.3:5061" protocol="TLS"/>"#

    @Test("defaults: SRTP disabled, no key log")
    func defaults() throws {
        let c = try ConfigTest.load(ConfigTest.document()).configuration
        #expect(c.security.useSRTP == .disabled && c.security.srtpKeyLog == nil)
    }

    @Test(
        "use_srtp is acted on now: no 'not acted on' warning, each value lands",
        arguments: ["disabled", "Optional", "mandatory"])
    func values(value: String) throws {
        let xml = ConfigTest.document(
            connectivity: [Self.tlsA, Self.tlsB], settings: ConfigTest.section("system/security", [("use_srtp", value)])
        )
        let loaded = try ConfigTest.load(xml)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        #expect(loaded.configuration.security.useSRTP.rawValue == value.lowercased())
        #expect(
            loaded.configuration.effectiveSettings.contains {
                $0.path == "system/security/use_srtp" && $0.value == value.lowercased()
            })
    }

    @Test("mandatory is refused while a connection is not TLS: the SDP would carry the keys in clear")
    func mandatoryNeedsTLS() throws {
        let xml = ConfigTest.document(settings: ConfigTest.section("system/security", [("use_srtp", "mandatory")]))
        let issue = try #require(ConfigTest.onlyIssue(xml))
        #expect(issue.code == .inconsistentSettings)
        #expect(issue.message.contains("connection 0") && issue.message.contains("TLS"), "\(issue)")
        #expect(issue.line == ConfigTest.line(of: "use_srtp", in: xml))
        // optional over UDP loads: best effort, the peer may not even have keys.
        let optional = ConfigTest.document(settings: ConfigTest.section("system/security", [("use_srtp", "optional")]))
        #expect(try ConfigTest.load(optional).configuration.security.useSRTP == .optional)
    }

    @Test("an unknown value is an error naming what is accepted")
    func invalid() throws {
        let xml = ConfigTest.document(settings: ConfigTest.section("system/security", [("use_srtp", "2")]))
        let issue = try #require(ConfigTest.error(xml)?.issues.first)
        #expect(issue.code == .invalidValue && issue.message.contains("disabled, optional, mandatory"), "\(issue)")
    }

    @Test("srtp_key_log loads with a warning for as long as it is set")
    func keyLogWarns() throws {
        let xml = ConfigTest.document(
            settings: ConfigTest.section("system/security", [("srtp_key_log", "/tmp/keys.jsonl")]))
        let loaded = try ConfigTest.load(xml)
        #expect(loaded.configuration.security.srtpKeyLog == "/tmp/keys.jsonl")
        let warning = try #require(loaded.warnings.first)
        #expect(warning.code == .oddValue && warning.message.contains("hears the calls"), "\(warning)")
        #expect(warning.line == ConfigTest.line(of: "srtp_key_log", in: xml))
        let empty = ConfigTest.document(settings: ConfigTest.section("system/security", [("srtp_key_log", "")]))
        let off = try ConfigTest.load(empty)
        #expect(off.configuration.security.srtpKeyLog == nil && off.warnings.isEmpty)
    }
}
