import NIOCore
import SIPCore
import Testing

@testable import SIPTransport

@Suite("ServerLocator: failover and failed-target memory")
struct ServerLocatorTests {
    /// Two SRV targets at different priorities, each with one address.
    func twoSites() -> FakeDNSLookup {
        let dns = FakeDNSLookup()
        dns.srv(
            "_sip._udp.site.example",
            [
                SRVRecord(priority: 10, weight: 0, port: 5060, target: "one.site.example"),
                SRVRecord(priority: 20, weight: 0, port: 5060, target: "two.site.example"),
            ])
        dns.a("one.site.example", ["192.0.2.1"])
        dns.a("two.site.example", ["192.0.2.2"])
        return dns
    }

    let request = ServerLocationRequest(host: "site.example", transport: .udp)

    @Test("next() walks the list in order, then ends")
    func nextTarget() async throws {
        let locator = ServerLocator(lookup: twoSites(), random: SeededRandom(seed: 1), now: MockClock().function)
        var list = try await locator.locate(request)
        #expect(list.remaining == 2)
        #expect(list.next()?.short == "udp:192.0.2.1:5060")
        #expect(list.next()?.short == "udp:192.0.2.2:5060")
        #expect(list.next() == nil)
        #expect(list.remaining == 0)
    }

    @Test("a failed target goes to the back until the hold time passes")
    func failedTargetMarking() async throws {
        let clock = MockClock()
        let locator = ServerLocator(
            lookup: twoSites(),
            configuration: .init(failureHoldDuration: .seconds(30)),
            random: SeededRandom(seed: 1),
            now: clock.function
        )
        var list = try await locator.locate(request)
        let next = list.next()
        let first = try #require(next)
        await locator.markFailed(first)
        #expect(await locator.isFailed(first))

        #expect(try await locator.locate(request).targets.map(\.short) == ["udp:192.0.2.2:5060", "udp:192.0.2.1:5060"])

        clock.advance(by: .seconds(29))
        #expect(try await locator.locate(request).targets.first?.short == "udp:192.0.2.2:5060")

        clock.advance(by: .seconds(1))
        #expect(try await locator.locate(request).targets.map(\.short) == ["udp:192.0.2.1:5060", "udp:192.0.2.2:5060"])
        #expect(!(await locator.isFailed(first)))
    }

    @Test("all failed: still all returned, the longest-failed first")
    func allFailed() async throws {
        let clock = MockClock()
        let locator = ServerLocator(lookup: twoSites(), random: SeededRandom(seed: 1), now: clock.function)
        let targets = try await locator.locate(request).targets
        await locator.markFailed(targets[1])
        clock.advance(by: .seconds(1))
        await locator.markFailed(targets[0])
        #expect(try await locator.locate(request).targets.map(\.short) == ["udp:192.0.2.2:5060", "udp:192.0.2.1:5060"])

        await locator.markSucceeded(targets[0])
        #expect(try await locator.locate(request).targets.first?.short == "udp:192.0.2.1:5060")
    }

    @Test("through a CachingDNSLookup, repeated locations reuse records until their TTL")
    func cachedLocations() async throws {
        let clock = MockClock()
        let dns = twoSites()
        let locator = ServerLocator(
            lookup: CachingDNSLookup(upstream: dns, now: clock.function),
            random: SeededRandom(seed: 1),
            now: clock.function
        )
        for _ in 0..<5 { _ = try await locator.locate(request) }
        #expect(dns.askedCount(.srv) == 1)
        clock.advance(by: .seconds(300))
        _ = try await locator.locate(request)
        #expect(dns.askedCount(.srv) == 2)
    }
}
