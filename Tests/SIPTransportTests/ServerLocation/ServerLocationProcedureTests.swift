import SIPCore
import Testing

@testable import SIPTransport

@Suite("RFC 3263 §4 decision procedure (fake DNS)")
struct ServerLocationProcedureTests {
    /// example.com: NAPTR → two transports; UDP SRV with two priorities, TCP SRV with one.
    func siteWithNAPTR() -> FakeDNSLookup {
        let dns = FakeDNSLookup()
        dns.naptr(
            "example.com",
            [
                NAPTRRecord(
                    order: 10, preference: 20, flags: "s", service: "SIP+D2T", replacement: "_sip._tcp.example.com"),
                NAPTRRecord(
                    order: 10, preference: 10, flags: "s", service: "SIP+D2U", replacement: "_sip._udp.example.com"),
            ])
        dns.srv(
            "_sip._udp.example.com",
            [
                SRVRecord(priority: 20, weight: 0, port: 5070, target: "backup.example.com"),
                SRVRecord(priority: 10, weight: 50, port: 5060, target: "a.example.com"),
            ])
        dns.srv("_sip._tcp.example.com", [SRVRecord(priority: 10, weight: 0, port: 5080, target: "a.example.com")])
        dns.a("a.example.com", ["192.0.2.10"])
        dns.aaaa("a.example.com", ["2001:db8::10"])
        dns.a("backup.example.com", ["192.0.2.20"])
        return dns
    }

    func resolve(_ request: ServerLocationRequest, _ dns: FakeDNSLookup, seed: UInt64 = 1) async throws
        -> [ServerTarget]
    {
        var random = SeededRandom(seed: seed)
        return try await ServerLocationProcedure().resolve(request, using: dns).orderedTargets(using: &random)
    }

    @Test("NAPTR → SRV → A/AAAA: NAPTR preference picks UDP first, SRV priority inside it")
    func naptrChain() async throws {
        let dns = siteWithNAPTR()
        let targets = try await resolve(ServerLocationRequest(host: "example.com"), dns)
        #expect(
            targets.map(\.short) == [
                "udp:192.0.2.10:5060", "udp:2001:db8::10:5060", "udp:192.0.2.20:5070",
                "tcp:192.0.2.10:5080", "tcp:2001:db8::10:5080",
            ])
        #expect(targets[0].srvTarget == "a.example.com")
        #expect(targets[2].srvTarget == "backup.example.com")
        #expect(dns.askedCount(.naptr) == 1)
    }

    @Test("a port given: only A/AAAA, no NAPTR, no SRV")
    func portGiven() async throws {
        let dns = siteWithNAPTR()
        let targets = try await resolve(ServerLocationRequest(host: "a.example.com", port: 5099), dns)
        #expect(targets.map(\.short) == ["udp:192.0.2.10:5099", "udp:2001:db8::10:5099"])
        #expect(targets.allSatisfy { $0.srvTarget == nil })
        #expect(dns.askedCount(.naptr) == 0)
        #expect(dns.askedCount(.srv) == 0)
    }

    @Test("a numeric host is used as is, with the default port of its transport; no DNS at all")
    func numericHost() async throws {
        let dns = FakeDNSLookup()
        #expect(try await resolve(ServerLocationRequest(host: "192.0.2.7"), dns).map(\.short) == ["udp:192.0.2.7:5060"])
        #expect(
            try await resolve(ServerLocationRequest(host: "[2001:DB8::7]", transport: .tls), dns).map(\.short)
                == ["tls:2001:db8::7:5061"])
        #expect(
            try await resolve(ServerLocationRequest(host: "192.0.2.7", secure: true), dns).map(\.short) == [
                "tls:192.0.2.7:5061"
            ])
        #expect(
            try await resolve(ServerLocationRequest(host: "192.0.2.7", port: 6000, transport: .tcp), dns).map(\.short)
                == ["tcp:192.0.2.7:6000"])
        #expect(dns.asked.isEmpty)
    }

    @Test("a transport given: no NAPTR, SRV of that transport")
    func transportGiven() async throws {
        let dns = siteWithNAPTR()
        let targets = try await resolve(ServerLocationRequest(host: "example.com", transport: .tcp), dns)
        #expect(targets.map(\.short) == ["tcp:192.0.2.10:5080", "tcp:2001:db8::10:5080"])
        #expect(dns.askedCount(.naptr) == 0)
    }

    @Test("no NAPTR: SRV for each transport we support, in our order")
    func noNAPTR() async throws {
        let dns = FakeDNSLookup()
        dns.srv("_sip._tcp.example.org", [SRVRecord(priority: 1, weight: 1, port: 5062, target: "t.example.org")])
        dns.srv("_sips._tcp.example.org", [SRVRecord(priority: 1, weight: 1, port: 5063, target: "t.example.org")])
        dns.a("t.example.org", ["198.51.100.1"])
        let targets = try await resolve(ServerLocationRequest(host: "example.org"), dns)
        #expect(targets.map(\.short) == ["tcp:198.51.100.1:5062", "tls:198.51.100.1:5063"])
        #expect(
            dns.asked.filter { $0.type == .srv }.map(\.name)
                == ["_sip._udp.example.org", "_sip._tcp.example.org", "_sips._tcp.example.org"])
    }

    @Test("no NAPTR, no SRV: A/AAAA on 5060 (UDP), or 5061 (TLS) for SIPS")
    func noSRV() async throws {
        let dns = FakeDNSLookup()
        dns.a("plain.example.net", ["127.0.113.5"])
        #expect(
            try await resolve(ServerLocationRequest(host: "plain.example.net"), dns).map(\.short) == [
                "udp:127.0.113.5:5060"
            ])
        #expect(
            try await resolve(ServerLocationRequest(host: "plain.example.net", secure: true), dns).map(\.short)
                == ["tls:127.0.113.5:5061"])
        #expect(
            try await resolve(ServerLocationRequest(host: "plain.example.net", transport: .tcp), dns).map(\.short)
                == ["tcp:127.0.113.5:5060"])
    }

    @Test("SIPS: NAPTR records other than SIPS+D2T are ignored")
    func sipsNAPTR() async throws {
        let dns = siteWithNAPTR()
        dns.naptr(
            "example.com",
            [
                NAPTRRecord(
                    order: 1, preference: 1, flags: "s", service: "SIP+D2U", replacement: "_sip._udp.example.com"),
                NAPTRRecord(
                    order: 2, preference: 1, flags: "s", service: "SIPS+D2T", replacement: "_sips._tcp.example.com"),
            ])
        dns.srv("_sips._tcp.example.com", [SRVRecord(priority: 1, weight: 0, port: 5061, target: "backup.example.com")])
        let targets = try await resolve(ServerLocationRequest(host: "example.com", secure: true), dns)
        #expect(targets.map(\.short) == ["tls:192.0.2.20:5061"])
    }

    @Test("SRV target \".\": the service is not offered, no fallback to A")
    func serviceDecidedlyUnavailable() async throws {
        let dns = FakeDNSLookup()
        dns.srv("_sip._udp.nosip.example", [SRVRecord(priority: 0, weight: 0, port: 0, target: ".")])
        dns.a("nosip.example", ["192.0.2.99"])
        await #expect(throws: ServerLocationError(code: .serviceUnavailable, host: "")) {
            try await resolve(ServerLocationRequest(host: "nosip.example", transport: .udp), dns)
        }
    }

    @Test("an SRV target without addresses is skipped, the others remain")
    func srvTargetWithoutAddress() async throws {
        let dns = FakeDNSLookup()
        dns.srv(
            "_sip._udp.example.com",
            [
                SRVRecord(priority: 1, weight: 0, port: 5060, target: "gone.example.com"),
                SRVRecord(priority: 2, weight: 0, port: 5060, target: "here.example.com"),
            ])
        dns.a("here.example.com", ["192.0.2.30"])
        let targets = try await resolve(ServerLocationRequest(host: "example.com", transport: .udp), dns)
        #expect(targets.map(\.short) == ["udp:192.0.2.30:5060"])
    }

    @Test("nothing anywhere: notFound; timeouts: lookupFailed")
    func errors() async throws {
        let dns = FakeDNSLookup()
        await #expect(throws: ServerLocationError(code: .notFound, host: "")) {
            try await resolve(ServerLocationRequest(host: "missing.example"), dns)
        }
        dns.fail(.a, "slow.example", with: DNSError(code: .timeout))
        await #expect(throws: ServerLocationError(code: .lookupFailed, host: "")) {
            try await resolve(ServerLocationRequest(host: "slow.example", port: 5060), dns)
        }
    }

    @Test("SIPS over UDP is refused")
    func sipsOverUDP() async throws {
        await #expect(throws: ServerLocationError(code: .invalidRequest, host: "")) {
            try await resolve(
                ServerLocationRequest(host: "example.com", transport: .udp, secure: true), FakeDNSLookup())
        }
    }
}
