import NIOCore
import Testing

@testable import SIPTransport

/// The resolver's set-up and tear-down, which need no DNS server (no query is sent).
@Suite("c-ares resolver lifecycle")
struct CAresResolverTests {
    @Test("a dns_servers value c-ares cannot read is a configuration error")
    func badServers() {
        #expect(throws: DNSError(code: .configuration)) {
            _ = try CAresResolver(configuration: .init(servers: ["not an address:xx"]))
        }
    }

    @Test("dns_servers setting: comma-separated host[:port], blanks ignored")
    func settingParsing() {
        let configuration = CAresResolver.Configuration(dnsServersSetting: " 127.0.0.1:15353, [::1]:53 ,,")
        #expect(configuration.servers == ["127.0.0.1:15353", "[::1]:53"])
        #expect(CAresResolver.Configuration(dnsServersSetting: "").servers.isEmpty)
    }

    @Test("an idle resolver shuts down at once, twice is harmless, and later queries fail as shutdown")
    func idleShutdown() async throws {
        let resolver = try CAresResolver(configuration: .init(servers: ["127.0.0.1:9"]))
        let started = ContinuousClock.now
        await resolver.shutdown()
        await resolver.shutdown()
        resolver.syncShutdown()
        // A hang detector, not a benchmark: the wake-up is immediate, but a loaded machine running
        // the other suites in parallel may take a while to schedule this task again.
        #expect(ContinuousClock.now - started < .seconds(15))
        await #expect(throws: DNSError(code: .shutdown)) { try await resolver.lookupSRV("_sip._udp.example.invalid") }
    }
}
