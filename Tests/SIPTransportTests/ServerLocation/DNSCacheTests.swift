import NIOCore
import Testing

@testable import SIPTransport

@Suite("TTL-bounded DNS cache (mock clock)")
struct DNSCacheTests {
    let key = DNSCache.Key(type: .srv, name: "_sip._udp.Example.COM.")
    let answer = DNSAnswer(records: [SRVRecord(priority: 1, weight: 1, port: 5060, target: "a.example.com")], ttl: 30)

    @Test("kept until the TTL, gone at the TTL; the TTL handed out counts down")
    func expiresAtTTL() {
        let clock = MockClock()
        var cache = DNSCache()
        cache.insert(.srv(answer), for: key, now: clock.now)
        #expect(
            cache.value(for: DNSCache.Key(type: .srv, name: "_sip._udp.example.com"), now: clock.now) == .srv(answer))

        clock.advance(by: .milliseconds(29_999))
        guard case .srv(let late)? = cache.value(for: key, now: clock.now) else {
            Issue.record("expired early")
            return
        }
        #expect(late.ttl == 0)  // less than one second left, rounded down

        clock.advance(by: .milliseconds(1))
        #expect(cache.value(for: key, now: clock.now) == nil)
    }

    @Test("remaining TTL at 10 s in is 20")
    func remainingTTL() {
        let clock = MockClock()
        var cache = DNSCache()
        cache.insert(.srv(answer), for: key, now: clock.now)
        clock.advance(by: .seconds(10))
        guard case .srv(let hit)? = cache.value(for: key, now: clock.now) else {
            Issue.record("missing")
            return
        }
        #expect(hit.ttl == 20)
    }

    @Test("TTL 0 and non-negative errors are not stored")
    func notStored() {
        var cache = DNSCache()
        let now = MockClock().now
        cache.insert(.srv(DNSAnswer(records: answer.records, ttl: 0)), for: key, now: now)
        cache.insert(
            .negative(DNSError(code: .timeout, negativeTTL: 100)), for: DNSCache.Key(type: .a, name: "x"), now: now)
        cache.insert(.negative(DNSError(code: .nxdomain)), for: DNSCache.Key(type: .a, name: "y"), now: now)
        #expect(cache.count == 0)
    }

    @Test("size is bounded; the entry expiring soonest goes first")
    func bounded() {
        var cache = DNSCache(maximumEntries: 2)
        let now = MockClock().now
        cache.insert(.srv(DNSAnswer(records: [], ttl: 100)), for: DNSCache.Key(type: .srv, name: "long"), now: now)
        cache.insert(.srv(DNSAnswer(records: [], ttl: 5)), for: DNSCache.Key(type: .srv, name: "short"), now: now)
        cache.insert(.srv(DNSAnswer(records: [], ttl: 50)), for: DNSCache.Key(type: .srv, name: "new"), now: now)
        #expect(cache.count == 2)
        #expect(cache.value(for: DNSCache.Key(type: .srv, name: "short"), now: now) == nil)
        #expect(cache.value(for: DNSCache.Key(type: .srv, name: "long"), now: now) != nil)
    }

    @Test("CachingDNSLookup asks upstream again exactly when the TTL has run out")
    func cachingLookup() async throws {
        let clock = MockClock()
        let dns = FakeDNSLookup()
        dns.a("host.example", ttl: 60, ["192.0.2.1"])
        let cached = CachingDNSLookup(upstream: dns, now: clock.function)

        _ = try await cached.lookupA("host.example")
        clock.advance(by: .seconds(59))
        let again = try await cached.lookupA("HOST.example")
        #expect(again.ttl == 1)
        #expect(dns.askedCount(.a) == 1)

        clock.advance(by: .seconds(1))
        _ = try await cached.lookupA("host.example")
        #expect(dns.askedCount(.a) == 2)
    }

    @Test("negative answers are cached for their SOA TTL, failures not at all")
    func negativeCaching() async throws {
        let clock = MockClock()
        let dns = FakeDNSLookup()  // unknown names: NXDOMAIN with negativeTTL 60
        dns.fail(.srv, "flaky.example", with: DNSError(code: .serverFailure))
        let cached = CachingDNSLookup(upstream: dns, now: clock.function)

        for _ in 0..<3 { _ = try? await cached.lookupNAPTR("missing.example") }
        #expect(dns.askedCount(.naptr) == 1)
        clock.advance(by: .seconds(60))
        _ = try? await cached.lookupNAPTR("missing.example")
        #expect(dns.askedCount(.naptr) == 2)

        for _ in 0..<3 { _ = try? await cached.lookupSRV("flaky.example") }
        #expect(dns.askedCount(.srv) == 3)
    }
}
