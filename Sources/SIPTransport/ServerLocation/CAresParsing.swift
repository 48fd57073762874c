import CAres

#if canImport(Glibc)
import Glibc
#endif

/// Turns what c-ares hands a query callback into records or a ``DNSError``. Record parsing is
/// c-ares' (`ares_parse_*_reply`); TTLs are libresolv's (`sipe_answer_min_ttl`); nothing here
/// reads DNS wire format itself.
enum CAresParsing {
    typealias Parse<Record: Sendable & Hashable> =
        @Sendable (UnsafePointer<UInt8>, Int32, String) -> Result<DNSAnswer<Record>, DNSError>

    static func complete<Record>(
        status: Int32,
        answer: UnsafePointer<UInt8>?,
        length: Int32,
        name: String,
        parse: Parse<Record>
    ) -> Result<DNSAnswer<Record>, DNSError> {
        guard status == ARES_SUCCESS else {
            var error = DNSError(code: code(status), name: name, detail: detail(status))
            if error.isNegativeAnswer, let answer {
                var ttl: UInt32 = 0
                if sipe_negative_ttl(answer, length, &ttl) == 1 { error.negativeTTL = ttl }
            }
            return .failure(error)
        }
        guard let answer, length > 0 else {
            return .failure(DNSError(code: .badResponse, name: name, detail: "empty answer"))
        }
        return parse(answer, length, name)
    }

    static func code(_ status: Int32) -> DNSError.Code {
        switch status {
        case ARES_ENOTFOUND, ARES_ENONAME: .nxdomain
        case ARES_ENODATA: .noData
        case ARES_ETIMEOUT: .timeout
        case ARES_ESERVFAIL: .serverFailure
        case ARES_EREFUSED: .refused
        case ARES_ECONNREFUSED: .connectionRefused
        case ARES_EBADRESP, ARES_EFORMERR, ARES_EBADSTR: .badResponse
        case ARES_EBADNAME, ARES_EBADQUERY: .badName
        case ARES_EDESTRUCTION, ARES_ECANCELLED: .shutdown
        default: .other
        }
    }

    private static func detail(_ status: Int32) -> String {
        if status == SIPEndpointCAresStatus.tooManyQueries { return "too many queries waiting" }
        return String(cString: ares_strerror(status))
    }

    /// The smallest TTL in the answer section, which bounds every record in it. When libresolv
    /// cannot read the message although c-ares could, 0: use once, never cache.
    private static func answerTTL(_ answer: UnsafePointer<UInt8>, _ length: Int32) -> UInt32 {
        var ttl: UInt32 = 0
        return sipe_answer_min_ttl(answer, length, &ttl) > 0 ? ttl : 0
    }

    static let naptr: Parse<NAPTRRecord> = { answer, length, name in
        var head: UnsafeMutablePointer<ares_naptr_reply>?
        let status = ares_parse_naptr_reply(answer, length, &head)
        defer { if let head { ares_free_data(head) } }
        guard status == ARES_SUCCESS else {
            return .failure(DNSError(code: code(status), name: name, detail: detail(status)))
        }
        var records: [NAPTRRecord] = []
        var node = head
        while let current = node?.pointee {
            records.append(
                NAPTRRecord(
                    order: current.order,
                    preference: current.preference,
                    flags: string(current.flags),
                    service: string(current.service),
                    regexp: string(current.regexp),
                    replacement: current.replacement.map { String(cString: $0) } ?? ""
                ))
            node = current.next
        }
        return records.isEmpty
            ? .failure(DNSError(code: .noData, name: name))
            : .success(DNSAnswer(records: records, ttl: answerTTL(answer, length)))
    }

    static let srv: Parse<SRVRecord> = { answer, length, name in
        var head: UnsafeMutablePointer<ares_srv_reply>?
        let status = ares_parse_srv_reply(answer, length, &head)
        defer { if let head { ares_free_data(head) } }
        guard status == ARES_SUCCESS else {
            return .failure(DNSError(code: code(status), name: name, detail: detail(status)))
        }
        var records: [SRVRecord] = []
        var node = head
        while let current = node?.pointee {
            records.append(
                SRVRecord(
                    priority: current.priority,
                    weight: current.weight,
                    port: current.port,
                    target: current.host.map { String(cString: $0) } ?? "."
                ))
            node = current.next
        }
        return records.isEmpty
            ? .failure(DNSError(code: .noData, name: name))
            : .success(DNSAnswer(records: records, ttl: answerTTL(answer, length)))
    }

    /// Room for this many addresses per answer; a bigger RRset is cut to it, which RFC 3263 does
    /// not mind (any address of the host will do).
    private static let maximumAddresses = 32

    static let a: Parse<IPAddress> = { answer, length, name in
        var entries = [ares_addrttl](repeating: ares_addrttl(), count: maximumAddresses)
        var count = Int32(maximumAddresses)
        let status = ares_parse_a_reply(answer, length, nil, &entries, &count)
        guard status == ARES_SUCCESS else {
            return .failure(DNSError(code: code(status), name: name, detail: detail(status)))
        }
        let used = entries.prefix(Int(max(0, min(count, Int32(maximumAddresses)))))
        let addresses = used.compactMap { entry in
            withUnsafeBytes(of: entry.ipaddr) { IPAddress(networkBytes: $0) }
        }
        let ttl = used.reduce(answerTTL(answer, length)) { min($0, UInt32(clamping: $1.ttl)) }
        return addresses.isEmpty
            ? .failure(DNSError(code: .noData, name: name))
            : .success(DNSAnswer(records: addresses, ttl: ttl))
    }

    static let aaaa: Parse<IPAddress> = { answer, length, name in
        var entries = [ares_addr6ttl](repeating: ares_addr6ttl(), count: maximumAddresses)
        var count = Int32(maximumAddresses)
        let status = ares_parse_aaaa_reply(answer, length, nil, &entries, &count)
        guard status == ARES_SUCCESS else {
            return .failure(DNSError(code: code(status), name: name, detail: detail(status)))
        }
        let used = entries.prefix(Int(max(0, min(count, Int32(maximumAddresses)))))
        let addresses = used.compactMap { entry in
            withUnsafeBytes(of: entry.ip6addr) { IPAddress(networkBytes: $0) }
        }
        let ttl = used.reduce(answerTTL(answer, length)) { min($0, UInt32(clamping: $1.ttl)) }
        return addresses.isEmpty
            ? .failure(DNSError(code: .noData, name: name))
            : .success(DNSAnswer(records: addresses, ttl: ttl))
    }

    private static func string(_ pointer: UnsafeMutablePointer<UInt8>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }
}
