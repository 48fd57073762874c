/// The DNS questions RFC 3263 server location asks. ``CAresResolver`` answers them from the network,
/// ``CachingDNSLookup`` from a TTL-bounded cache in front of another lookup, and tests from a table.
///
/// Implementations never block the calling thread; a failure is a ``DNSError``, including the
/// negative answers (`nxdomain`, `noData`) that the procedure treats as "go to the next step".
package protocol DNSLookup: Sendable {
    func lookupNAPTR(_ name: String) async throws(DNSError) -> DNSAnswer<NAPTRRecord>
    func lookupSRV(_ name: String) async throws(DNSError) -> DNSAnswer<SRVRecord>
    func lookupA(_ name: String) async throws(DNSError) -> DNSAnswer<IPAddress>
    func lookupAAAA(_ name: String) async throws(DNSError) -> DNSAnswer<IPAddress>
}

/// The record type of a question, used as part of cache keys.
package enum DNSRecordType: UInt16, Sendable, Hashable {
    case a = 1
    case aaaa = 28
    case srv = 33
    case naptr = 35
}
