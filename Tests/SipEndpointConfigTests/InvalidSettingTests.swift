import Foundation
import SipEndpoint
import Testing

@testable import SipEndpointConfig

@Suite("SipEndpoint.config: invalid values, duplicates, missing attributes, warnings")
struct InvalidSettingTests {
    /// (section, setting, bad value, words the message must contain)
    static let invalidValues: [(String, String, String, String)] = [
        ("proxies/proxy1", "reregister_in_seconds", "1h", "is not an integer; accepted: seconds 0–2147483647"),
        ("proxies/proxy1", "reg_timeout", "-5", "is out of range; accepted: seconds 0–"),
        ("proxies/proxy0", "reg_interval", "3.5", "is not an integer"),
        ("proxies/proxy0", "reg_retry_max", "99999999999999999999", "is not an integer"),
        ("proxies/proxy0", "options_interval", "-1", "out of range"),
        ("proxies/proxy0", "options_failure_threshold", "0", "accepted: probes 1–1000"),
        ("proxies/proxy0", "keepalive_interval", "yes", "is not an integer"),
        ("proxies/proxy0", "enabled", "yes", "is not a boolean; accepted: 0, 1, true, false"),
        ("proxies/proxy0", "auth_user", "a b", "is not a user name"),
        ("proxies/proxy0", "domain", "example.net:5060", "is not a host"),
        ("policy/endpoint", "sip_transaction_timeout", "0", "accepted: milliseconds 1–32000"),
        ("policy/endpoint", "sip_transaction_timeout", "40000", "out of range"),
        ("policy/endpoint", "local_address", "localhost", "is not an IP address"),
        ("policy/endpoint", "public_address", "a b", "is not a host"),
        ("policy/endpoint", "dns_servers", "127.0.0.53,dns.example", "has \"dns.example\", not a DNS server"),
        ("policy/endpoint", "rtp_inactivity_timeout", "3601", "is out of range; accepted: 0 (off) or seconds 1–3600"),
        ("policy/endpoint", "rtp_inactivity_timeout", "-1", "is out of range; accepted: 0 (off) or seconds 1–3600"),
        ("policy/endpoint", "rtp_inactivity_timeout", "30s", "is not an integer; accepted: 0 (off) or seconds 1–3600"),
        (
            "policy/failover", "retry_codes", "408,200",
            "has \"200\", not a final response code; accepted: comma-separated codes 300–699"
        ),
        ("policy/failover", "retry_codes", "503,,504", "has \"\", not a final response code"),
        ("policy/failover", "retry_codes", "0503", "has \"0503\""),
        ("policy/failover", "invite_timeout", "x", "is not an integer"),
        ("policy/session", "auto_answer", "2", "is not a boolean"),
        ("policy/session", "hold_others", "on", "is not a boolean"),
        ("policy/session", "dtmf_method", "inband", "is not a DTMF method; accepted: rfc2833, info"),
        ("system/security", "tls_verify", "maybe", "is not a boolean"),
        (
            "system/diagnostics", "log_level", "verbose",
            "is not a log level; accepted: trace, debug, info, notice, warning, error, critical"
        ),
        ("system/diagnostics", "log_level", "5", "is not a log level"),
    ]

    @Test(
        "each kind of invalid value names the file, line, column, path, value and what is accepted",
        arguments: invalidValues)
    func invalidValue(section: String, name: String, value: String, words: String) throws {
        let xml = ConfigTest.document(settings: ConfigTest.section(section, [(name, value)]))
        let issue = try #require(ConfigTest.onlyIssue(xml))
        #expect(issue.code == .invalidValue)
        #expect(issue.severity == .error)
        #expect(issue.file == "test.config")
        #expect(issue.line == ConfigTest.line(of: "name=\"\(name)\"", in: xml))
        #expect(issue.column == 7 + 2 * section.split(separator: "/").count)
        #expect(issue.path == "\(section)/\(name)")
        #expect(
            issue.message.contains("\"\(value.trimmingCharacters(in: .whitespaces))\"") || name == "dns_servers"
                || name == "retry_codes")
        #expect(issue.message.contains(words), "\(issue.message)")
        #expect(
            issue.description.hasPrefix(
                "test.config:\(issue.line ?? 0):\(issue.column ?? 0): error: \(section)/\(name): "))
    }

    @Test(
        "invalid Connectivity attributes",
        arguments: [
            (
                #"<Connectivity user="7001" server="127.0.0.2:0" protocol="UDP"/>"#, "Connectivity[0]/server",
                "accepted: host, host:port, [IPv6]:port"
            ),
            (
                #"<Connectivity user="7001" server="[::1:5060" protocol="UDP"/>"#, "Connectivity[0]/server",
                "is not a server address"
            ),
            (
                #"<Connectivity user="7001" server="a b" protocol="UDP"/>"#, "Connectivity[0]/server",
                "is not a server address"
            ),
            (
                #"<Connectivity user="7001" server="127.0.0.2" protocol="SCTP"/>"#, "Connectivity[0]/protocol",
                "accepted: UDP, TCP, TLS (any case)"
            ),
            (#"<Connectivity user="70 01" server="127.0.0.2"/>"#, "Connectivity[0]/user", "is not a user name"),
            (#"<Connectivity user="" server="127.0.0.2"/>"#, "Connectivity[0]/user", "is not a user name"),
            (
                #"<Connectivity user="7001" server="127.0.0.2" protocol="UDP" transport="UDP"/>"#,
                "Connectivity[0]/transport", "keep one"
            ),
        ])
    func invalidConnectivity(line: String, path: String, words: String) throws {
        let xml = ConfigTest.document(connectivity: [line])
        let issue = try #require(ConfigTest.onlyIssue(xml))
        #expect(issue.path == path)
        #expect(issue.line == ConfigTest.line(of: "<Connectivity", in: xml))
        #expect(issue.column == 5)
        #expect(issue.message.contains(words), "\(issue.message)")
    }

    @Test("Connectivity without user= or server= is an error naming the attribute and the connection")
    func missingConnectivityAttributes() throws {
        let xml = ConfigTest.document(connectivity: [
            ConfigTest.siteA, #"<Connectivity server="127.0.0.3"/>"#, #"<Connectivity user="7001"/>"#,
        ])
        let error = try #require(ConfigTest.error(xml))
        #expect(error.issues.map(\.code) == [.missingAttribute, .missingAttribute])
        #expect(error.issues.map(\.path) == ["Connectivity[1]/user", "Connectivity[2]/server"])
        #expect(
            error.issues.map(\.line) == [
                ConfigTest.line(of: "<Connectivity", in: xml, occurrence: 2),
                ConfigTest.line(of: "<Connectivity", in: xml, occurrence: 3),
            ])
        #expect(error.issues[0].message.contains("without user= (connection 1)"))
        #expect(error.issues[1].message.contains("without server= (connection 2)"))
    }

    @Test("a Connectivity split over lines is reported on the line its tag starts")
    func multiLineElement() throws {
        let xml = ConfigTest.document(connectivity: [
            "<Connectivity\n      user=\"7001\"\n      server=\"127.0.0.2:99999\"/>"
        ])
        let issue = try #require(ConfigTest.onlyIssue(xml))
        #expect(issue.line == ConfigTest.line(of: "<Connectivity", in: xml))
        #expect(issue.column == 5)
    }

    @Test("setting, section and domain without their attributes")
    func missingSettingAttributes() throws {
        let xml = ConfigTest.document(
            settings: """
                      <domain name="policy">
                        <section name="session">
                          <setting value="1"/>
                          <setting name="auto_answer"/>
                        </section>
                        <section>
                          <setting name="x" value="y"/>
                        </section>
                      </domain>
                      <domain>
                      </domain>
                """)
        let error = try #require(ConfigTest.error(xml))
        #expect(error.issues.map(\.code) == Array(repeating: .missingAttribute, count: 4))
        #expect(
            error.issues.map(\.line) == [
                ConfigTest.line(of: "<setting value", in: xml),
                ConfigTest.line(of: "<setting name=\"auto_answer\"/>", in: xml),
                ConfigTest.line(of: "<section>", in: xml), ConfigTest.line(of: "<domain>", in: xml),
            ])
        #expect(error.issues[1].message.contains("without value="))
        #expect(error.issues[1].path == "policy/session/auto_answer")
    }

    @Test("the same setting twice is an error naming both lines")
    func duplicate() throws {
        let xml = ConfigTest.document(
            settings: ConfigTest.section(
                "policy/endpoint", [("sip_transaction_timeout", "1000"), ("sip_transaction_timeout", "2000")]))
        let issue = try #require(ConfigTest.onlyIssue(xml))
        let first = try #require(ConfigTest.line(of: "sip_transaction_timeout", in: xml))
        #expect(issue.code == .duplicateSetting)
        #expect(issue.line == first + 1)
        #expect(issue.message == "set twice, on line \(first) and line \(first + 1); keep one")
    }

    @Test(
        "reregister_in_seconds and reg_timeout for one connection is an error naming both lines; on two connections it is fine"
    )
    func aliasConflict() throws {
        let xml = ConfigTest.document(
            settings: [
                ConfigTest.section(
                    "proxies/proxy1", [("reregister_in_seconds", "60"), ("reg_interval", "5"), ("reg_timeout", "90")]),
                ConfigTest.section("proxies/proxy0", [("reg_timeout", "90")]),
            ].joined(separator: "\n"))
        let issue = try #require(ConfigTest.onlyIssue(xml))
        let first = try #require(ConfigTest.line(of: "reregister_in_seconds", in: xml))
        let second = try #require(ConfigTest.line(of: "reg_timeout", in: xml))
        #expect(issue.code == .duplicateSetting)
        #expect(issue.path == "proxies/proxy1/reg_timeout")
        #expect(issue.line == second)
        #expect(
            issue.message.contains("reregister_in_seconds (line \(first)) and reg_timeout (line \(second))"),
            "\(issue.message)")
    }

    @Test("proxyN without Connectivity line N is an error naming both")
    func proxyWithoutConnectivity() throws {
        let xml = ConfigTest.document(settings: ConfigTest.section("proxies/proxy2", [("reg_interval", "5")]))
        let issue = try #require(ConfigTest.onlyIssue(xml))
        #expect(issue.code == .unknownConnection)
        #expect(issue.path == "proxies/proxy2")
        #expect(issue.line == ConfigTest.line(of: "name=\"proxy2\"", in: xml))
        #expect(
            issue.message.contains(
                "section proxy2 configures connection 2, but there is no Connectivity line 2 (the file has 2 Connectivity lines, connection ids 0–1)"
            ), "\(issue.message)")
    }

    @Test("a file without Connectivity is an error")
    func noConnection() throws {
        let issue = try #require(ConfigTest.onlyIssue(ConfigTest.document(connectivity: [])))
        #expect(issue.code == .noConnection)
    }

    @Test("missing ${NAME} is an error naming it; a malformed reference too")
    func missingEnvironment() throws {
        let xml = ConfigTest.document(
            connectivity: [#"<Connectivity user="7001" server="${SITE_A}"/>"#],
            settings: ConfigTest.section(
                "proxies/proxy0", [("password", "${SIP_PASSWORD}"), ("display_name", "${1x}"), ("auth_user", "${OPEN")])
        )
        let error = try #require(ConfigTest.error(xml, environment: ["HOME": "/root"]))
        #expect(error.issues.map(\.code) == Array(repeating: .missingEnvironmentVariable, count: 4))
        #expect(error.issues[0].path == "Connectivity[0]/server")
        #expect(error.issues[0].message == "environment variable SITE_A is not set (referenced as ${SITE_A})")
        #expect(error.issues[1].message.contains("SIP_PASSWORD is not set"))
        #expect(error.issues[2].message.contains("`${1x}` is not a variable reference"))
        #expect(error.issues[3].message.contains("without a closing `}`"))
    }

    @Test("settings that only make sense together")
    func inconsistent() throws {
        let xml = ConfigTest.document(
            settings: [
                ConfigTest.section(
                    "policy/endpoint", [("sip_port_min", "5080"), ("sip_port_max", "5070"), ("rtp_port_min", "20000")]),
                ConfigTest.section("system/security", [("tls_cert_file", "c.pem")]),
            ].joined(separator: "\n"))
        let error = try #require(ConfigTest.error(xml))
        #expect(error.issues.allSatisfy { $0.code == .inconsistentSettings })
        let messages = error.issues.map(\.message)
        #expect(
            messages.contains(
                "sip_port_max 5070 is below sip_port_min 5080 (line \(ConfigTest.line(of: "sip_port_min", in: xml) ?? 0))"
            ))
        #expect(messages.contains("rtp_port_min is set but rtp_port_max is not; give both or neither"))
        #expect(messages.contains("tls_cert_file is set but tls_key_file is not; a client certificate needs both"))
    }

    @Test("all errors of a file come at once, in file order, and the description prints one per line")
    func allErrorsAtOnce() throws {
        let xml = ConfigTest.document(
            connectivity: [ConfigTest.siteA, #"<Connectivity user="7001" server="127.0.0.3" protocol="SCTP"/>"#],
            settings: [
                ConfigTest.section("proxies/proxy1", [("reregister_in_seconds", "soon"), ("bogus", "1")]),
                ConfigTest.section("policy/session", [("dtmf_method", "x")]),
                ConfigTest.section("system/diagnostics", [("log_level", "loud")]),
            ].joined(separator: "\n"))
        let error = try #require(ConfigTest.error(xml))
        #expect(
            error.issues.map(\.path) == [
                "Connectivity[1]/protocol", "proxies/proxy1/reregister_in_seconds", "policy/session/dtmf_method",
                "system/diagnostics/log_level",
            ])
        #expect(error.issues.map { $0.line ?? 0 } == error.issues.map { $0.line ?? 0 }.sorted())
        #expect(error.warnings.map(\.path) == ["proxies/proxy1/bogus"])
        let lines = error.description.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines.allSatisfy { $0.hasPrefix("test.config:") })
        #expect(error.code == .invalidValue)
    }

    @Test("passwords never appear in errors, warnings or descriptions")
    func passwordsMasked() throws {
        let secret = "Zq9-very-secret"
        let xml = ConfigTest.document(
            settings: [
                ConfigTest.section(
                    "proxies/proxy0", [("password", secret), ("password", secret + "2"), ("reg_interval", "x")]),
                ConfigTest.section("proxies/proxy0/nat", [("turn_password", secret)]),
                ConfigTest.section("proxies/proxy0/mailbox", [("password", secret)]),
                ConfigTest.section("proxies/proxy1", [("password", "${" + secret + "}"), ("sip_secret", secret)]),
            ].joined(separator: "\n"))
        let error = try #require(ConfigTest.error(xml))
        #expect(error.issues.count == 3)
        let everything =
            error.description + "\(error)" + (error.issues + error.warnings).map { "\($0.message) \($0.path)" }.joined()
        #expect(!everything.contains(secret), "\(everything)")
        #expect(
            ConnectionConfiguration(user: "1", server: ServerAddress(host: "h"), password: secret).description.contains(
                secret) == false)
    }

    @Test("unknown settings and known-but-ignored Genesys settings are warnings that say so")
    func warnings() throws {
        let xml = ConfigTest.document(
            settings: [
                ConfigTest.section("policy/device", [("audio_in_device", "Headset")]),
                ConfigTest.section("codecs/PCMU/8000", [("priority", "1")]),
                ConfigTest.section("codecs/opus", [("priority", "2")]),
                ConfigTest.section("proxies/proxy0/nat", [("ice_enabled", "1"), ("stun_server", "stun.example")]),
                ConfigTest.section(
                    "policy/endpoint",
                    [("video_max_bitrate", "512"), ("sip_transaction_timout", "1"), ("SIP_PORT_MIN", "1")]),
                ConfigTest.section("proxies/proxy1", [("reg_intervall", "5")]),
                ConfigTest.section("mystery/box", [("x", "1")]),
            ].joined(separator: "\n") + "\n      <extra/>")
        let loaded = try ConfigTest.load(xml)
        let byPath = Dictionary(loaded.warnings.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byPath["policy/device/audio_in_device"]?.code == .notActedOn)
        #expect(byPath["policy/device/audio_in_device"]?.message.contains("audio devices") == true)
        #expect(byPath["codecs/PCMU/8000/priority"]?.code == .notActedOn)
        #expect(byPath["codecs/opus/priority"]?.message.contains("G.711") == true)
        #expect(byPath["proxies/proxy0/nat/ice_enabled"]?.message.contains("ICE, STUN, TURN") == true)
        #expect(byPath["proxies/proxy0/nat/stun_server"]?.code == .notActedOn)
        #expect(byPath["policy/endpoint/video_max_bitrate"]?.code == .notActedOn)
        #expect(byPath["policy/endpoint/sip_transaction_timout"]?.code == .unknownSetting)
        #expect(
            byPath["policy/endpoint/sip_transaction_timout"]?.message.contains("known here: sip_transaction_timeout")
                == true)
        #expect(byPath["policy/endpoint/SIP_PORT_MIN"]?.message.contains("did you mean sip_port_min?") == true)
        #expect(byPath["proxies/proxy1/reg_intervall"]?.code == .unknownSetting)
        #expect(byPath["mystery/box/x"]?.message.contains("no setting is known in section mystery/box") == true)
        #expect(byPath["extra"]?.code == .unknownSetting)
        #expect(loaded.warnings.count == 11)
        #expect(
            loaded.warnings.allSatisfy { $0.severity == .warning && $0.line != nil && $0.message.contains("ignored") })
        #expect(loaded.warnings.map { $0.line ?? 0 } == loaded.warnings.map { $0.line ?? 0 }.sorted())
    }

    @Test("unknown elements and attributes in the layout are warnings")
    func layoutWarnings() throws {
        let xml = """
            <SipEndpoint>
              <Container name="Basic">
                <Connectivity user="7001" server="127.0.0.2" password="x" />
                <Line user="7002"/>
              </Container>
              <Container name="Advanced"/>
              <Other/>
            </SipEndpoint>
            """
        let loaded = try ConfigTest.load(xml)
        #expect(loaded.warnings.map(\.line) == [3, 4, 6, 7])
        #expect(loaded.warnings[0].message.contains("unknown attribute password="))
        #expect(!loaded.warnings[0].message.contains("\"x\""))
        #expect(loaded.warnings[2].message.contains("Container name=\"Advanced\""))
    }

    @Test("a root other than SipEndpoint is an error")
    func wrongRoot() throws {
        let issue = try #require(ConfigTest.onlyIssue("<configuration>\n</configuration>"))
        #expect(issue.code == .invalidLayout)
        #expect(issue.message.contains("expected <SipEndpoint>"))
    }
}
