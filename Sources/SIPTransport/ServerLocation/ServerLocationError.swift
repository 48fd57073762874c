/// Why server location produced no target.
///
/// Equality is by ``code`` only (errors are structs with a code, compared by code); the DNS failure
/// that ended the search rides along in ``dnsError`` for logs.
package struct ServerLocationError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: String, Hashable, Sendable {
        /// DNS answered, but no step of RFC 3263 §4 led to an address.
        case notFound
        /// The only SRV record says "." (RFC 2782): the domain does not offer this service.
        case serviceUnavailable
        /// DNS could not be asked or did not answer (timeout, SERVFAIL, no server reachable).
        case lookupFailed
        /// The request cannot be satisfied, e.g. a SIPS URI with transport UDP.
        case invalidRequest
    }

    package var code: Code
    package var host: String
    package var dnsError: DNSError?
    package var detail: String?

    package init(code: Code, host: String, dnsError: DNSError? = nil, detail: String? = nil) {
        self.code = code
        self.host = host
        self.dnsError = dnsError
        self.detail = detail
    }

    package static func == (lhs: ServerLocationError, rhs: ServerLocationError) -> Bool { lhs.code == rhs.code }
    package func hash(into hasher: inout Hasher) { hasher.combine(code) }

    package var description: String {
        var text = "ServerLocationError(\(code.rawValue), host: \(host)"
        if let detail { text += ", \(detail)" }
        if let dnsError { text += ", \(dnsError)" }
        return text + ")"
    }
}
