import Foundation
import SipEndpoint
import Testing

@testable import SipEndpointConfig

@Suite("SipEndpoint.config: settings, aliases, defaults, ${ENV}")
struct SettingMappingTests {
    @Test("a file with only Connectivity lines gives the documented defaults")
    func defaults() throws {
        let loaded = try ConfigTest.load(ConfigTest.document())
        #expect(loaded.warnings.isEmpty)
        let c = loaded.configuration
        #expect(
            c.connections == [
                ConnectionConfiguration(
                    user: "7001", server: ServerAddress(host: "127.0.0.2", port: 5060), transport: .udp),
                ConnectionConfiguration(
                    user: "7001", server: ServerAddress(host: "127.0.0.3", port: 5061), transport: .tls),
            ])
        #expect(c.endpoint == EndpointPolicy())
        #expect(c.failover == FailoverPolicy())
        #expect(c.session == SessionPolicy())
        #expect(c.security == SecurityConfiguration())
        #expect(c.diagnostics == DiagnosticsConfiguration())
        #expect(c.connections[0].reregisterInSeconds == 3600)
        #expect(c.connections[0].regInterval == 30)
        #expect(c.connections[0].regRetryMax == 1800)
        #expect(c.connections[0].optionsInterval == 10)
        #expect(c.connections[0].optionsFailureThreshold == 1)
        #expect(c.connections[0].keepaliveInterval == 30)
    }

    @Test("every proxies/proxyN setting lands in connection N only")
    func connectionSettings() throws {
        let xml = ConfigTest.document(
            settings: ConfigTest.section(
                "proxies/proxy1",
                [
                    ("password", "s3cret"), ("auth_user", "agent7001"), ("display_name", "Agent \"Smith\""),
                    ("domain", "example.net"), ("enabled", "false"), ("reregister_in_seconds", "120"),
                    ("reg_interval", "7"),
                    ("reg_retry_max", "70"), ("options_interval", "0"), ("options_failure_threshold", "3"),
                    ("keepalive_interval", "0"),
                ].map { ($0.0, $0.1.replacingOccurrences(of: "\"", with: "&quot;")) }))
        let c = try ConfigTest.load(xml).configuration
        #expect(
            c.connections[0]
                == ConnectionConfiguration(user: "7001", server: ServerAddress(host: "127.0.0.2", port: 5060)))
        #expect(
            c.connections[1]
                == ConnectionConfiguration(
                    user: "7001", server: ServerAddress(host: "127.0.0.3", port: 5061), transport: .tls,
                    password: "s3cret",
                    authUser: "agent7001", displayName: "Agent \"Smith\"", domain: "example.net",
                    reregisterInSeconds: 120,
                    regInterval: 7, regRetryMax: 70, optionsInterval: 0, optionsFailureThreshold: 3,
                    keepaliveInterval: 0, enabled: false))
        #expect(c.connections[1].effectiveAuthUser == "agent7001")
        #expect(c.connections[1].effectiveDomain == "example.net")
    }

    @Test("reg_timeout is the Genesys 8.5 name of reregister_in_seconds")
    func regTimeoutAlias() throws {
        let xml = ConfigTest.document(settings: ConfigTest.section("proxies/proxy0", [("reg_timeout", "90")]))
        let loaded = try ConfigTest.load(xml)
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.configuration.connections[0].reregisterInSeconds == 90)
        #expect(loaded.configuration.connections[1].reregisterInSeconds == 3600)
    }

    @Test("every policy and system setting")
    func policySettings() throws {
        let xml = ConfigTest.document(
            settings: [
                ConfigTest.section(
                    "policy/endpoint",
                    [
                        ("sip_transaction_timeout", "2500"), ("sip_port_min", "5070"), ("sip_port_max", "5079"),
                        ("rtp_port_min", "30000"), ("rtp_port_max", "30010"), ("public_address", "203.0.113.7"),
                        ("local_address", "::"), ("dns_servers", "127.0.0.53, [::1]:5353,127.0.10.1:53"),
                    ]),
                ConfigTest.section("policy/failover", [("retry_codes", "480, 503"), ("invite_timeout", "1500")]),
                ConfigTest.section(
                    "policy/session", [("auto_answer", "TRUE"), ("hold_others", "0"), ("dtmf_method", "INFO")]),
                ConfigTest.section(
                    "system/security",
                    [
                        ("tls_ca_file", "/etc/ca.pem"), ("tls_verify", "false"), ("tls_cert_file", "c.pem"),
                        ("tls_key_file", "k.pem"),
                    ]),
                ConfigTest.section("system/diagnostics", [("log_level", "Debug"), ("log_file", "/var/log/sip.log")]),
            ].joined(separator: "\n"))
        let loaded = try ConfigTest.load(xml)
        #expect(loaded.warnings.isEmpty)
        let c = loaded.configuration
        #expect(
            c.endpoint
                == EndpointPolicy(
                    sipTransactionTimeoutMilliseconds: 2500, sipPortRange: 5070...5079, rtpPortRange: 30000...30010,
                    publicAddress: "203.0.113.7", localAddress: "::",
                    dnsServers: [
                        ServerAddress(host: "127.0.0.53"), ServerAddress(host: "::1", port: 5353),
                        ServerAddress(host: "127.0.10.1", port: 53),
                    ]))
        #expect(c.failover == FailoverPolicy(retryCodes: [480, 503], inviteTimeoutMilliseconds: 1500))
        #expect(c.session == SessionPolicy(autoAnswer: true, holdOthers: false, dtmfMethod: .info))
        #expect(
            c.security
                == SecurityConfiguration(
                    tlsCAFile: "/etc/ca.pem", tlsVerify: false, tlsCertificateFile: "c.pem", tlsKeyFile: "k.pem"))
        #expect(c.diagnostics == DiagnosticsConfiguration(logLevel: .debug, logFile: "/var/log/sip.log"))
    }

    @Test(
        "rtp_inactivity_timeout: seconds, 0 and absent are off",
        arguments: [
            ("30", Duration?.some(.seconds(30))), ("3600", .seconds(3600)), ("1", .seconds(1)), ("0", nil),
            (" 0 ", nil),
        ])
    func rtpInactivityTimeout(text: String, timeout: Duration?) throws {
        let xml = ConfigTest.document(
            settings: ConfigTest.section("policy/endpoint", [("rtp_inactivity_timeout", text)]))
        let loaded = try ConfigTest.load(xml)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings.map(\.description))")
        #expect(loaded.configuration.endpoint.rtpInactivityTimeout == timeout)
        let effective = loaded.configuration.effectiveSettings.first {
            $0.path == "policy/endpoint/rtp_inactivity_timeout"
        }
        #expect(effective?.value == text.trimmingCharacters(in: .whitespaces))
    }

    @Test("rtp_inactivity_timeout is 30 s when not set")
    func rtpInactivityTimeoutDefault() throws {
        let loaded = try ConfigTest.load(ConfigTest.document(settings: ""))
        #expect(loaded.configuration.endpoint.rtpInactivityTimeout == .seconds(30))
        #expect(EndpointPolicy().rtpInactivityTimeout == .seconds(30))
    }

    @Test(
        "booleans",
        arguments: [("0", false), ("1", true), ("true", true), ("false", false), ("True", true), ("FALSE", false)])
    func booleans(text: String, value: Bool) throws {
        let xml = ConfigTest.document(settings: ConfigTest.section("policy/session", [("auto_answer", text)]))
        #expect(try ConfigTest.load(xml).configuration.session.autoAnswer == value)
    }

    @Test(
        "log_level also takes the Genesys numbers 0–4",
        arguments: [
            ("0", DiagnosticsConfiguration.LogLevel.critical), ("1", .error), ("2", .warning), ("3", .info),
            ("4", .debug), ("TRACE", .trace), ("notice", .notice),
        ])
    func logLevels(text: String, level: DiagnosticsConfiguration.LogLevel) throws {
        let xml = ConfigTest.document(settings: ConfigTest.section("system/diagnostics", [("log_level", text)]))
        #expect(try ConfigTest.load(xml).configuration.diagnostics.logLevel == level)
    }

    @Test(
        "protocol in any case, transport= as its synonym, UDP when absent; server forms",
        arguments: [
            (
                #"<Connectivity user="1" server="h.example" protocol="tls"/>"#, ServerAddress(host: "h.example"),
                SIPTransportKind.tls
            ),
            (
                #"<Connectivity user="1" server="h.example:5080" protocol="Tcp"/>"#,
                ServerAddress(host: "h.example", port: 5080), .tcp
            ),
            (
                #"<Connectivity user="1" server="[2001:db8::1]:5061" transport="TLS"/>"#,
                ServerAddress(host: "2001:db8::1", port: 5061), .tls
            ),
            (#"<Connectivity user="1" server="[::1]"/>"#, ServerAddress(host: "::1"), .udp),
            (#"<Connectivity user="1" server="127.0.12.3" protocol=""/>"#, ServerAddress(host: "127.0.12.3"), .udp),
        ])
    func connectivityForms(line: String, server: ServerAddress, transport: SIPTransportKind) throws {
        let c = try ConfigTest.load(ConfigTest.document(connectivity: [line])).configuration
        #expect(c.connections.count == 1)
        #expect(c.connections.first?.server == server)
        #expect(c.connections.first?.transport == transport)
    }

    @Test("empty values mean the default")
    func emptyMeansDefault() throws {
        let xml = ConfigTest.document(
            settings: [
                ConfigTest.section(
                    "proxies/proxy0", [("password", ""), ("reregister_in_seconds", ""), ("domain", " ")]),
                ConfigTest.section("policy/failover", [("retry_codes", "")]),
            ].joined(separator: "\n"))
        let c = try ConfigTest.load(xml).configuration
        #expect(c.connections[0].password == nil)
        #expect(c.connections[0].reregisterInSeconds == 3600)
        #expect(c.connections[0].domain == nil)
        #expect(c.failover.retryCodes == [408, 503, 504])
    }

    @Test("${NAME} is replaced from the environment, in settings and Connectivity attributes")
    func environmentSubstitution() throws {
        let xml = ConfigTest.document(
            connectivity: [#"<Connectivity user="${DN}" server="${SITE_A}:5060" protocol="${PROTO}"/>"#],
            settings: ConfigTest.section(
                "proxies/proxy0", [("password", "${SIP_PASSWORD}"), ("display_name", "Agent ${DN} on $HOME")]))
        let environment = ["DN": "7002", "SITE_A": "127.0.0.2", "PROTO": "tcp", "SIP_PASSWORD": "p${not}again"]
        let c = try ConfigTest.load(xml, environment: environment).configuration
        #expect(c.connections[0].user == "7002")
        #expect(c.connections[0].server == ServerAddress(host: "127.0.0.2", port: 5060))
        #expect(c.connections[0].transport == .tcp)
        #expect(c.connections[0].password == "p${not}again", "substituted text is not scanned again")
        #expect(c.connections[0].displayName == "Agent 7002 on $HOME", "a $ without { is literal")
    }

    @Test("a variable set to the empty string is set")
    func emptyEnvironmentVariable() throws {
        let xml = ConfigTest.document(settings: ConfigTest.section("proxies/proxy0", [("password", "${PW}")]))
        #expect(try ConfigTest.load(xml, environment: ["PW": ""]).configuration.connections[0].password == nil)
    }

    @Test("the Genesys namespaces and prefixes change nothing")
    func namespaces() throws {
        let plain = ConfigTest.document(settings: ConfigTest.section("proxies/proxy0", [("reg_interval", "9")]))
        let withDefault = plain.replacingOccurrences(
            of: "<SipEndpoint>",
            with:
                #"<SipEndpoint xmlns="http://www.genesyslab.com/sipendpoint" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.genesyslab.com/sipendpoint SipEndpoint.xsd">"#
        )
        let prefixed = plain.replacingOccurrences(
            of: "<SipEndpoint>", with: #"<g:SipEndpoint xmlns:g="http://www.genesyslab.com/sipendpoint">"#
        )
        .replacingOccurrences(of: "</SipEndpoint>", with: "</g:SipEndpoint>")
        .replacingOccurrences(of: "<Container", with: "<g:Container").replacingOccurrences(
            of: "</Container>", with: "</g:Container>")
        let expected = try ConfigTest.load(plain).configuration
        for xml in [withDefault, prefixed] {
            let loaded = try ConfigTest.load(xml)
            #expect(loaded.configuration == expected)
            #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        }
    }

    @Test("Basic after Genesys, and several proxy sections for one connection, are fine")
    func orderIndependence() throws {
        let xml = """
            <SipEndpoint>
              <Container name="Genesys"><settings>
                <domain name="proxies"><section name="proxy0"><setting name="reg_interval" value="5"/></section></domain>
                <domain name="proxies"><section name="proxy0"><setting name="reg_retry_max" value="50"/></section></domain>
              </settings></Container>
              <Container name="Basic"><Connectivity user="7001" server="127.0.0.2"/></Container>
            </SipEndpoint>
            """
        let c = try ConfigTest.load(xml).configuration
        #expect(c.connections[0].regInterval == 5)
        #expect(c.connections[0].regRetryMax == 50)
    }

    @Test("the String, Data and file entry points agree")
    func entryPoints() throws {
        let xml = try String(contentsOfFile: ConfigTest.samplePath, encoding: .utf8)
        let fromFile = try SipEndpointConfiguration(contentsOf: ConfigTest.samplePath, environment: [:])
        #expect(try SipEndpointConfiguration(xml: xml, environment: [:]) == fromFile)
        #expect(try SipEndpointConfiguration(xml: Data(xml.utf8), source: "x", environment: [:]) == fromFile)
    }
}
