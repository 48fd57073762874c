import Foundation
import SipEndpoint
import Testing

@testable import SipEndpointConfig

@Suite("SipEndpoint.config: admission, ringing and the line's instance")
struct AdmissionSettingTests {
    @Test("defaults: strangers dropped, 60 s ring, 4 ringing calls per line, derived instance")
    func defaults() throws {
        let c = try ConfigTest.load(ConfigTest.document()).configuration
        #expect(c.endpoint.unsolicitedRequests == .drop)
        #expect(c.session.ringTimeoutSeconds == 60 && c.session.maxRingingCalls == 4)
        #expect(c.connections.allSatisfy { $0.instanceID == nil })
    }

    @Test("each value lands where it belongs")
    func values() throws {
        let xml = ConfigTest.document(
            settings: [
                ConfigTest.section("policy/endpoint", [("unsolicited_requests", "REJECT")]),
                ConfigTest.section("policy/session", [("ring_timeout", "0"), ("max_ringing_calls", "2")]),
                ConfigTest.section("proxies/proxy1", [("instance_id", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6")]),
            ].joined())
        let loaded = try ConfigTest.load(xml)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        let c = loaded.configuration
        #expect(c.endpoint.unsolicitedRequests == .reject)
        #expect(c.session.ringTimeoutSeconds == 0 && c.session.maxRingingCalls == 2)
        #expect(
            c.connections[1].instanceID == "f81d4fae-7dec-11d0-a765-00a0c91e6bf6" && c.connections[0].instanceID == nil)
    }

    @Test("accept loads with a warning that names the risk")
    func acceptWarns() throws {
        let xml = ConfigTest.document(
            settings: ConfigTest.section("policy/endpoint", [("unsolicited_requests", "accept")]))
        let loaded = try ConfigTest.load(xml)
        #expect(loaded.configuration.endpoint.unsolicitedRequests == .accept)
        let warning = try #require(loaded.warnings.first)
        #expect(warning.code == .oddValue && warning.message.contains("labs only"))
        #expect(warning.line == ConfigTest.line(of: "unsolicited_requests", in: xml))
    }

    @Test(
        "hostile values are errors naming the setting and what is accepted",
        arguments: [
            ("policy/endpoint", "unsolicited_requests", "allow", "drop, reject, accept"),
            ("policy/session", "ring_timeout", "-1", "0"),
            ("policy/session", "max_ringing_calls", "0", "1"),
            ("policy/session", "max_ringing_calls", "100000", "64"),
            ("proxies/proxy0", "instance_id", "<urn:uuid:x>", "UUID"),
        ])
    func invalid(section: String, name: String, value: String, accepted: String) throws {
        let xml = ConfigTest.document(
            settings: ConfigTest.section(
                section,
                [(name, value.replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;"))])
        )
        let error = ConfigTest.error(xml)
        let issue = try #require(error?.issues.first)
        #expect(issue.code == .invalidValue)
        #expect(issue.path.hasSuffix(name) && issue.message.contains(accepted), "\(issue)")
    }
}
