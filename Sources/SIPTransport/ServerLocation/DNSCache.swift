import NIOCore

/// Answers kept for their TTL and never longer (RFC 1035 §3.2.1, RFC 2181 §5.2), negative answers
/// for their RFC 2308 §5 TTL. A value type with time as an input: it never reads a clock itself.
///
/// What comes back out carries the TTL that is *left*, rounded down, so a cache further along never
/// keeps a record past the moment the authoritative server allowed.
package struct DNSCache: Sendable {
    package struct Key: Hashable, Sendable {
        package var type: DNSRecordType
        /// Lower-cased, without a trailing dot: DNS names compare case-insensitively (RFC 4343).
        package var name: String

        package init(type: DNSRecordType, name: String) {
            self.type = type
            var normalized = name.lowercased()
            if normalized.count > 1, normalized.hasSuffix(".") { normalized.removeLast() }
            self.name = normalized
        }
    }

    package enum Value: Sendable, Hashable {
        case naptr(DNSAnswer<NAPTRRecord>)
        case srv(DNSAnswer<SRVRecord>)
        case addresses(DNSAnswer<IPAddress>)
        /// `nxdomain` or `noData`, with ``DNSError/negativeTTL`` set.
        case negative(DNSError)

        fileprivate var ttl: UInt32? {
            switch self {
            case .naptr(let answer): answer.ttl
            case .srv(let answer): answer.ttl
            case .addresses(let answer): answer.ttl
            case .negative(let error): error.isNegativeAnswer ? error.negativeTTL : nil
            }
        }

        fileprivate func with(ttl: UInt32) -> Value {
            switch self {
            case .naptr(var answer):
                answer.ttl = ttl
                return .naptr(answer)
            case .srv(var answer):
                answer.ttl = ttl
                return .srv(answer)
            case .addresses(var answer):
                answer.ttl = ttl
                return .addresses(answer)
            case .negative(var error):
                error.negativeTTL = ttl
                return .negative(error)
            }
        }
    }

    private struct Entry: Sendable {
        var value: Value
        var expires: NIODeadline
    }

    /// Most entries kept at once; past it, expired entries go first, then those expiring soonest.
    /// Default: 1024.
    package var maximumEntries: Int
    private var entries: [Key: Entry] = [:]

    package init(maximumEntries: Int = 1024) {
        self.maximumEntries = max(1, maximumEntries)
    }

    package var count: Int { entries.count }

    /// The cached value with its remaining TTL, or `nil` when absent or expired. An entry is expired
    /// from the instant `received + TTL` on.
    package func value(for key: Key, now: NIODeadline) -> Value? {
        guard let entry = entries[key], now < entry.expires else { return nil }
        let remaining = (entry.expires - now).nanoseconds / 1_000_000_000
        return entry.value.with(ttl: UInt32(clamping: remaining))
    }

    /// Stores `value` received at `now`. TTL 0 and errors that are not negative answers (timeouts,
    /// SERVFAIL) are not stored: they say nothing about the name that may be reused.
    package mutating func insert(_ value: Value, for key: Key, now: NIODeadline) {
        guard let ttl = value.ttl, ttl > 0 else {
            entries[key] = nil
            return
        }
        if entries[key] == nil, entries.count >= maximumEntries {
            makeRoom(now: now)
        }
        entries[key] = Entry(value: value, expires: now + .seconds(Int64(ttl)))
    }

    package mutating func removeExpired(now: NIODeadline) {
        entries = entries.filter { now < $0.value.expires }
    }

    private mutating func makeRoom(now: NIODeadline) {
        removeExpired(now: now)
        while entries.count >= maximumEntries,
            let soonest = entries.min(by: { $0.value.expires < $1.value.expires })?.key
        {
            entries[soonest] = nil
        }
    }
}
