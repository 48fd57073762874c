import Foundation
import NIOCore
import SIPCore
import SIPTestSupport
import Testing

@testable import SIPTransport

/// Real DNS over loopback: c-ares asking a dnsmasq this test starts, serving NAPTR, SRV (two
/// priorities, two weights) and A records for `sip.test`.
@Suite(
    "c-ares resolver against dnsmasq on loopback",
    .enabled(if: DNSMasq.shouldRun, Comment(rawValue: DNSMasq.skipReason)),
    .timeLimit(.minutes(1))
)
struct CAresResolverIntegrationTests {
    static let localTTL: UInt32 = 90
    static let hostTTL: UInt32 = 120
    static let records = [
        "--host-record=one.sip.test,127.0.0.11,\(hostTTL)",
        "--host-record=two.sip.test,127.0.0.12,\(hostTTL)",
        "--host-record=three.sip.test,127.0.0.13,\(hostTTL)",
        "--host-record=v6.sip.test,::1,\(hostTTL)",
        // Priority 10 shared 60/40 by one and two; priority 20 (weight 0) is the backup.
        "--srv-host=_sip._udp.sip.test,one.sip.test,5060,10,60",
        "--srv-host=_sip._udp.sip.test,two.sip.test,5060,10,40",
        "--srv-host=_sip._udp.sip.test,three.sip.test,5070,20,0",
        "--srv-host=_sip._tcp.sip.test,one.sip.test,5080,10,0",
        "--naptr-record=sip.test,10,10,S,SIP+D2U,,_sip._udp.sip.test",
        "--naptr-record=sip.test,20,10,S,SIP+D2T,,_sip._tcp.sip.test",
    ]

    /// Starts dnsmasq and a resolver pointed at it (dns_servers = 127.0.0.1:PORT), waits until it
    /// answers, runs `body`, then shuts the resolver down (joining its thread) and stops dnsmasq by PID.
    func withSite(
        localAddress: String? = nil, dnsmasqArguments: [String] = [],
        _ body: (DNSMasq, CAresResolver) async throws -> Void
    ) async throws {
        let dnsmasq = try await DNSMasq.start(
            domain: "sip.test", localTTL: Self.localTTL, records: Self.records + dnsmasqArguments)
        let resolver: CAresResolver
        do {
            var configuration = CAresResolver.Configuration(dnsServersSetting: dnsmasq.server)
                .with(timeout: .milliseconds(300), tries: 2)
            configuration.localAddress = localAddress
            resolver = try CAresResolver(configuration: configuration)
        } catch {
            await dnsmasq.stop()
            throw error
        }
        do {
            try await waitUntilAnswering(resolver, dnsmasq)
            try await body(dnsmasq, resolver)
        } catch {
            await resolver.shutdown()
            await dnsmasq.stop()
            throw error
        }
        await resolver.shutdown()
        await dnsmasq.stop()
    }

    private func waitUntilAnswering(_ resolver: CAresResolver, _ dnsmasq: DNSMasq) async throws {
        for _ in 0..<50 {
            if (try? await resolver.lookupA("one.sip.test")) != nil { return }
            guard dnsmasq.isRunning else { throw DNSMasqError.notReady("dnsmasq exited at start: \(dnsmasq.log)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DNSMasqError.notReady("dnsmasq on \(dnsmasq.server) did not answer within 5 s")
    }

    @Test("local_address: queries leave from the configured address")
    func queriesLeaveFromTheLocalAddress() async throws {
        try await withSite(localAddress: "127.0.0.5", dnsmasqArguments: ["--log-queries"]) { dnsmasq, resolver in
            let answer = try await resolver.lookupA("two.sip.test")
            #expect(answer.records == [IPAddress("127.0.0.12")])
            let queries = dnsmasq.log.split(separator: "\n").filter { $0.contains("query[A] two.sip.test") }
            #expect(!queries.isEmpty)
            #expect(queries.allSatisfy { $0.hasSuffix("from 127.0.0.5") }, "\(queries)")
        }
    }

    @Test("local_address that is not an IP address is a configuration error")
    func aLocalAddressMustBeAnIPAddress() throws {
        var configuration = CAresResolver.Configuration(servers: ["127.0.0.1:53"])
        configuration.localAddress = "phone.example"
        let error = try #require(throws: DNSError.self) { try CAresResolver(configuration: configuration) }
        #expect(error.code == .configuration)
    }

    @Test("A record with its real TTL; NXDOMAIN and NODATA as typed errors")
    func addressRecords() async throws {
        try await withSite { _, resolver in
            let answer = try await resolver.lookupA("one.sip.test")
            #expect(answer.records == [IPAddress("127.0.0.11")])
            #expect(answer.ttl > 0)
            #expect(answer.ttl <= Self.hostTTL)

            let v6 = try await resolver.lookupAAAA("v6.sip.test")
            #expect(v6.records == [IPAddress("::1")])

            await #expect(throws: DNSError(code: .nxdomain)) { try await resolver.lookupA("nobody.sip.test") }
            await #expect(throws: DNSError(code: .noData)) { try await resolver.lookupAAAA("one.sip.test") }
        }
    }

    @Test("SRV records with priorities, weights, ports and a non-zero TTL read through libresolv")
    func srvRecords() async throws {
        try await withSite { _, resolver in
            let answer = try await resolver.lookupSRV("_sip._udp.sip.test")
            let expected: Set<SRVRecord> = [
                SRVRecord(priority: 10, weight: 60, port: 5060, target: "one.sip.test"),
                SRVRecord(priority: 10, weight: 40, port: 5060, target: "two.sip.test"),
                SRVRecord(priority: 20, weight: 0, port: 5070, target: "three.sip.test"),
            ]
            #expect(Set(answer.records) == expected)
            #expect(answer.ttl == Self.localTTL)
        }
    }

    @Test("NAPTR records with order, preference, flags, service, replacement and TTL")
    func naptrRecords() async throws {
        try await withSite { _, resolver in
            let answer = try await resolver.lookupNAPTR("sip.test")
            let sorted = answer.records.sorted { $0.order < $1.order }
            #expect(sorted.map(\.service) == ["SIP+D2U", "SIP+D2T"])
            #expect(sorted.map(\.replacement) == ["_sip._udp.sip.test", "_sip._tcp.sip.test"])
            #expect(sorted.allSatisfy { $0.flags.lowercased() == "s" && $0.regexp.isEmpty })
            #expect(answer.ttl == Self.localTTL)
        }
    }

    @Test("ServerLocator: NAPTR → SRV → A over real DNS, in RFC 3263 / RFC 2782 order")
    func fullLocation() async throws {
        try await withSite { _, resolver in
            let locator = ServerLocator(
                lookup: CachingDNSLookup(upstream: resolver),
                random: SeededRandom(seed: 11)
            )
            let targets = try await locator.locate(ServerLocationRequest(host: "sip.test")).targets
            #expect(targets.count == 4)
            let firstTwo = Set(targets.prefix(2).map(\.short))
            #expect(firstTwo == Set(["udp:127.0.0.11:5060", "udp:127.0.0.12:5060"]))
            #expect(targets[2].short == "udp:127.0.0.13:5070")
            #expect(targets[2].srvTarget == "three.sip.test")
            #expect(targets[3].short == "tcp:127.0.0.11:5080")

            // Port given: A only. Transport given: that SRV only.
            let portGiven = try await locator.locate(ServerLocationRequest(host: "two.sip.test", port: 5099))
            #expect(portGiven.targets.map(\.short) == ["udp:127.0.0.12:5099"])
            let transportGiven = try await locator.locate(ServerLocationRequest(host: "sip.test", transport: .tcp))
            #expect(transportGiven.targets.map(\.short) == ["tcp:127.0.0.11:5080"])
        }
    }

    @Test("the weighted draw over real SRV answers follows 60/40 at priority 10")
    func weightedOverRealDNS() async throws {
        try await withSite { _, resolver in
            let locator = ServerLocator(lookup: CachingDNSLookup(upstream: resolver), random: SeededRandom(seed: 5))
            var oneFirst = 0
            let rounds = 2_000
            for _ in 0..<rounds {
                let first = try await locator.locate(ServerLocationRequest(host: "sip.test", transport: .udp)).targets[
                    0]
                if first.address.text == "127.0.0.11" { oneFirst += 1 }
            }
            // Running sum 60, 100 over a draw in 0...100: one leads 61 times in 101.
            let share = Double(oneFirst) / Double(rounds)
            let expected = 61.0 / 101.0
            #expect(abs(share - expected) < 0.04)
        }
    }

    @Test("a frozen server: the query ends as a timeout, bounded by the configuration")
    func timeout() async throws {
        try await withSite { dnsmasq, resolver in
            dnsmasq.freeze()
            defer { dnsmasq.thaw() }
            let started = ContinuousClock.now
            await #expect(throws: DNSError(code: .timeout)) { try await resolver.lookupSRV("_sip._tcp.sip.test") }
            // 300 ms per try, 2 tries (c-ares doubles the second): about 0.9 s. The bound is loose
            // on purpose: it catches a query that never ends, not a slow scheduler.
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    @Test("shutdown ends a waiting query with `shutdown` and joins the thread")
    func shutdownWhileWaiting() async throws {
        let dnsmasq = try await DNSMasq.start(domain: "sip.test", localTTL: Self.localTTL, records: Self.records)
        let resolver = try CAresResolver(
            configuration: .init(servers: [dnsmasq.server], timeout: .seconds(5), tries: 3))
        try await waitUntilAnswering(resolver, dnsmasq)
        dnsmasq.freeze()
        let waiting = Task { () async -> Result<DNSAnswer<IPAddress>, DNSError> in
            do throws(DNSError) {
                return .success(try await resolver.lookupA("two.sip.test"))
            } catch {
                return .failure(error)
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        await resolver.shutdown()
        // The query itself would wait 5 s × 3 tries; shutting down must not.
        #expect(ContinuousClock.now - started < .seconds(5))
        let outcome = await waiting.value
        #expect(throws: DNSError(code: .shutdown)) { try outcome.get() }
        // After shutdown every new query fails at once.
        await #expect(throws: DNSError(code: .shutdown)) { try await resolver.lookupA("one.sip.test") }
        await dnsmasq.stop()
    }
}

extension CAresResolver.Configuration {
    func with(timeout: TimeAmount, tries: Int) -> Self {
        var copy = self
        copy.timeout = timeout
        copy.tries = tries
        return copy
    }
}
