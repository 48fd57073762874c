import NIOCore

/// A ``DNSLookup`` that answers from a ``DNSCache`` while the TTL lasts and asks `upstream` otherwise.
/// The thin driver around the cache: it reads the injected clock and holds the cache in an actor.
package actor CachingDNSLookup: DNSLookup {
    private let upstream: any DNSLookup
    private let now: @Sendable () -> NIODeadline
    private var cache: DNSCache

    /// - Parameters:
    ///   - upstream: where misses go (usually a ``CAresResolver``).
    ///   - maximumEntries: cache size bound. Default: 1024.
    ///   - now: the clock; tests pass a mock. Default: `NIODeadline.now()`.
    package init(
        upstream: any DNSLookup,
        maximumEntries: Int = 1024,
        now: @escaping @Sendable () -> NIODeadline = { NIODeadline.now() }
    ) {
        self.upstream = upstream
        self.now = now
        self.cache = DNSCache(maximumEntries: maximumEntries)
    }

    package var cachedEntryCount: Int { cache.count }

    package func lookupNAPTR(_ name: String) async throws(DNSError) -> DNSAnswer<NAPTRRecord> {
        let key = DNSCache.Key(type: .naptr, name: name)
        switch try await cached(key, ask: { () async throws(DNSError) in .naptr(try await upstream.lookupNAPTR(name)) })
        {
        case .naptr(let answer): return answer
        default: throw DNSError(code: .badResponse, name: name, detail: "cache type mismatch")
        }
    }

    package func lookupSRV(_ name: String) async throws(DNSError) -> DNSAnswer<SRVRecord> {
        let key = DNSCache.Key(type: .srv, name: name)
        switch try await cached(key, ask: { () async throws(DNSError) in .srv(try await upstream.lookupSRV(name)) }) {
        case .srv(let answer): return answer
        default: throw DNSError(code: .badResponse, name: name, detail: "cache type mismatch")
        }
    }

    package func lookupA(_ name: String) async throws(DNSError) -> DNSAnswer<IPAddress> {
        let key = DNSCache.Key(type: .a, name: name)
        switch try await cached(key, ask: { () async throws(DNSError) in .addresses(try await upstream.lookupA(name)) })
        {
        case .addresses(let answer): return answer
        default: throw DNSError(code: .badResponse, name: name, detail: "cache type mismatch")
        }
    }

    package func lookupAAAA(_ name: String) async throws(DNSError) -> DNSAnswer<IPAddress> {
        let key = DNSCache.Key(type: .aaaa, name: name)
        switch try await cached(
            key, ask: { () async throws(DNSError) in .addresses(try await upstream.lookupAAAA(name)) })
        {
        case .addresses(let answer): return answer
        default: throw DNSError(code: .badResponse, name: name, detail: "cache type mismatch")
        }
    }

    private func cached(
        _ key: DNSCache.Key,
        ask: () async throws(DNSError) -> DNSCache.Value
    ) async throws(DNSError) -> DNSCache.Value {
        let asked = now()
        if let hit = cache.value(for: key, now: asked) {
            if case .negative(let error) = hit { throw error }
            return hit
        }
        // The TTL is counted from when the question left, not from when the answer came back: the
        // server started its count somewhere in between, and counting from the earlier instant is
        // what keeps a record from outliving its TTL.
        let value: DNSCache.Value
        do {
            value = try await ask()
        } catch {
            if error.isNegativeAnswer { cache.insert(.negative(error), for: key, now: asked) }
            throw error
        }
        cache.insert(value, for: key, now: asked)
        return value
    }
}
