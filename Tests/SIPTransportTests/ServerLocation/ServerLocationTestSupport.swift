import NIOCore
import SIPCore
import Synchronization

@testable import SIPTransport

/// A clock that moves only when the test says so.
final class MockClock: Sendable {
    private let current = Mutex(NIODeadline.uptimeNanoseconds(1_000_000_000))
    var now: NIODeadline { current.withLock { $0 } }
    func advance(by amount: TimeAmount) { current.withLock { $0 = $0 + amount } }
    var function: @Sendable () -> NIODeadline { { [self] in self.now } }
}

/// A DNS that answers from a table and counts the questions it gets. Names not in the table are
/// NXDOMAIN; a name in the table without the asked type is NODATA.
final class FakeDNSLookup: DNSLookup {
    struct Question: Hashable {
        var type: DNSRecordType
        var name: String
    }

    private struct Table {
        var naptr: [String: DNSAnswer<NAPTRRecord>] = [:]
        var srv: [String: DNSAnswer<SRVRecord>] = [:]
        var a: [String: DNSAnswer<IPAddress>] = [:]
        var aaaa: [String: DNSAnswer<IPAddress>] = [:]
        var failures: [Question: DNSError] = [:]
        var asked: [Question] = []
        var names: Set<String> { Set(naptr.keys).union(srv.keys).union(a.keys).union(aaaa.keys) }
    }

    private let table = Mutex(Table())

    func naptr(_ name: String, ttl: UInt32 = 300, _ records: [NAPTRRecord]) {
        table.withLock { $0.naptr[name] = DNSAnswer(records: records, ttl: ttl) }
    }
    func srv(_ name: String, ttl: UInt32 = 300, _ records: [SRVRecord]) {
        table.withLock { $0.srv[name] = DNSAnswer(records: records, ttl: ttl) }
    }
    func a(_ name: String, ttl: UInt32 = 300, _ addresses: [String]) {
        table.withLock { $0.a[name] = DNSAnswer(records: addresses.compactMap { IPAddress($0) }, ttl: ttl) }
    }
    func aaaa(_ name: String, ttl: UInt32 = 300, _ addresses: [String]) {
        table.withLock { $0.aaaa[name] = DNSAnswer(records: addresses.compactMap { IPAddress($0) }, ttl: ttl) }
    }
    func fail(_ type: DNSRecordType, _ name: String, with error: DNSError) {
        table.withLock { $0.failures[Question(type: type, name: name)] = error }
    }

    var asked: [Question] { table.withLock { $0.asked } }
    func askedCount(_ type: DNSRecordType) -> Int { asked.filter { $0.type == type }.count }
    func resetAsked() { table.withLock { $0.asked = [] } }

    func lookupNAPTR(_ name: String) async throws(DNSError) -> DNSAnswer<NAPTRRecord> {
        try answer(.naptr, name) { $0.naptr[name] }
    }
    func lookupSRV(_ name: String) async throws(DNSError) -> DNSAnswer<SRVRecord> {
        try answer(.srv, name) { $0.srv[name] }
    }
    func lookupA(_ name: String) async throws(DNSError) -> DNSAnswer<IPAddress> {
        try answer(.a, name) { $0.a[name] }
    }
    func lookupAAAA(_ name: String) async throws(DNSError) -> DNSAnswer<IPAddress> {
        try answer(.aaaa, name) { $0.aaaa[name] }
    }

    private func answer<Record>(
        _ type: DNSRecordType,
        _ name: String,
        _ find: (Table) -> DNSAnswer<Record>?
    ) throws(DNSError) -> DNSAnswer<Record> {
        let result: Result<DNSAnswer<Record>, DNSError> = table.withLock { table in
            let question = Question(type: type, name: name)
            table.asked.append(question)
            if let failure = table.failures[question] { return .failure(failure) }
            if let found = find(table) { return .success(found) }
            let code: DNSError.Code = table.names.contains(name) ? .noData : .nxdomain
            return .failure(DNSError(code: code, name: name, negativeTTL: 60))
        }
        return try result.get()
    }
}

extension ServerTarget {
    /// `udp:192.0.2.1:5060` — short enough to compare whole lists in one `#expect`.
    var short: String { "\(transport.rawValue):\(address.text):\(port)" }
}
