/// The records a ``DNSLookup`` answers with, each RRset with the TTL it may be cached for.

/// One RRset from an answer, with the smallest TTL of the answer's records (so a CNAME on the way
/// bounds it too): it may be used for `ttl` seconds from when it was received, never longer.
package struct DNSAnswer<Record: Sendable & Hashable>: Sendable, Hashable {
    package var records: [Record]
    /// Seconds the records may be cached (RFC 1035 §3.2.1; 0 = use once, do not cache).
    package var ttl: UInt32

    package init(records: [Record], ttl: UInt32) {
        self.records = records
        self.ttl = ttl
    }
}

/// A NAPTR record (RFC 3403 §4.1), as RFC 3263 §4.1 uses it.
package struct NAPTRRecord: Sendable, Hashable {
    package var order: UInt16
    package var preference: UInt16
    package var flags: String
    package var service: String
    package var regexp: String
    package var replacement: String

    package init(
        order: UInt16, preference: UInt16, flags: String, service: String, regexp: String = "", replacement: String
    ) {
        self.order = order
        self.preference = preference
        self.flags = flags
        self.service = service
        self.regexp = regexp
        self.replacement = replacement
    }
}

/// An SRV record (RFC 2782).
package struct SRVRecord: Sendable, Hashable {
    package var priority: UInt16
    package var weight: UInt16
    package var port: UInt16
    package var target: String

    package init(priority: UInt16, weight: UInt16, port: UInt16, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }

    /// RFC 2782: 'A Target of "." means that the service is decidedly not available at this domain.'
    package var isServiceDecidedlyUnavailable: Bool { target == "." || target.isEmpty }
}
