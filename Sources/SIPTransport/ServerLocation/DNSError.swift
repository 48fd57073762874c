import NIOCore

/// Why a DNS lookup gave no records.
///
/// Equality is by ``code`` only, so callers can match `error == DNSError(code: .timeout)` whatever
/// the name and detail were (errors are structs with a code, compared by code).
package struct DNSError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: String, Hashable, Sendable {
        /// The name does not exist (RCODE 3).
        case nxdomain
        /// The name exists but has no record of the type asked for.
        case noData
        /// No answer within the resolver's timeouts and retries.
        case timeout
        /// The server reported SERVFAIL.
        case serverFailure
        /// The server refused the query (RCODE 5).
        case refused
        /// No server could be reached (connection refused, network unreachable).
        case connectionRefused
        /// The answer could not be parsed.
        case badResponse
        /// The name cannot be put in a query (too long, empty label).
        case badName
        /// The resolver was shut down before the answer came.
        case shutdown
        /// The resolver could not be set up (bad `dns_servers`, no system configuration).
        case configuration
        /// Anything else c-ares reports; ``DNSError/detail`` carries its text.
        case other
    }

    package var code: Code
    /// The name that was asked for, when known.
    package var name: String?
    /// A short, human-readable reason (c-ares' `ares_strerror` text, for example).
    package var detail: String?
    /// How long this negative answer may be cached (RFC 2308 §5: min of the SOA's TTL and MINIMUM),
    /// in seconds; `nil` when the answer carried no SOA, and then it is not cached at all.
    package var negativeTTL: UInt32?

    package init(code: Code, name: String? = nil, detail: String? = nil, negativeTTL: UInt32? = nil) {
        self.code = code
        self.name = name
        self.detail = detail
        self.negativeTTL = negativeTTL
    }

    /// "The name is not there" as opposed to "we could not find out": the RFC 3263 procedure moves
    /// on to its next step after either, but only the first kind may be cached.
    package var isNegativeAnswer: Bool { code == .nxdomain || code == .noData }

    package static func == (lhs: DNSError, rhs: DNSError) -> Bool { lhs.code == rhs.code }
    package func hash(into hasher: inout Hasher) { hasher.combine(code) }

    package var description: String {
        var text = "DNSError(\(code.rawValue)"
        if let name { text += ", name: \(name)" }
        if let detail { text += ", \(detail)" }
        return text + ")"
    }
}
