/// Typed access to the headers this SDK understands. Each accessor parses the value(s) when called
/// and reports a malformed value as a ``SIPParseError`` naming the line.
extension SIPMessage {
    /// Parses each line of a header with `body`; a failure carries the line it came from.
    func parseEach<T>(_ known: SIPHeaderName.Known, _ body: (UnsafeRawBufferPointer) throws(SIPParseError) -> T)
        throws(SIPParseError) -> [T]
    {
        var out: [T] = []
        let raw = known.rawValue
        for i in headers.entries.indices where headers.entries[i].known == raw {
            do {
                out.append(try headers.withValueBytes(at: i, body))
            } catch {
                throw error.at(line: headers.sourceLine(at: i))
            }
        }
        return out
    }

    /// A header that may appear at most once (§7.3.1: only headers whose grammar is a list may repeat).
    func parseSingle<T>(_ known: SIPHeaderName.Known, _ body: (UnsafeRawBufferPointer) throws(SIPParseError) -> T)
        throws(SIPParseError) -> T?
    {
        let raw = known.rawValue
        guard let first = headers.entries.firstIndex(where: { $0.known == raw }) else { return nil }
        if let second = headers.entries[(first + 1)...].firstIndex(where: { $0.known == raw }) {
            throw SIPParseError(
                .duplicateHeader, line: headers.sourceLine(at: second),
                "\(known.canonicalName) appears more than once")
        }
        do {
            return try headers.withValueBytes(at: first, body)
        } catch {
            throw error.at(line: headers.sourceLine(at: first))
        }
    }

    func required<T>(_ value: T?, _ known: SIPHeaderName.Known) throws(SIPParseError) -> T {
        guard let value else { throw SIPParseError(.missingHeader, "missing \(known.canonicalName) header") }
        return value
    }

    private static var uriLimit: Int { SIPParserLimits.default.maximumURILength }

    // MARK: The headers every message has (§8.1.1)

    /// Every Via value, top first.
    public var via: [SIPVia] {
        get throws(SIPParseError) { try parseEach(.via) { (b) throws(SIPParseError) in try SIPVia.parseList(b) }.flatMap { $0 } }
    }

    /// The top Via (the one that names this hop's transaction).
    public var topVia: SIPVia {
        get throws(SIPParseError) {
            let raw = SIPHeaderName.Known.via.rawValue
            guard let i = headers.entries.firstIndex(where: { $0.known == raw }) else {
                throw SIPParseError(.missingHeader, "missing Via header")
            }
            do {
                return try headers.withValueBytes(at: i) { (b) throws(SIPParseError) -> SIPVia in
                    try parseHeaderValue(b) { (c) throws(SIPParseError) -> SIPVia in try SIPVia.parseOne(&c) }
                }
            } catch {
                throw error.at(line: headers.sourceLine(at: i))
            }
        }
    }

    public var from: SIPNameAddress {
        get throws(SIPParseError) {
            try required(
                parseSingle(.from) { (b) throws(SIPParseError) in
                    try SIPNameAddress.parseSingle(b, header: "From", maximumURILength: Self.uriLimit)
                }, .from)
        }
    }

    public var to: SIPNameAddress {
        get throws(SIPParseError) {
            try required(
                parseSingle(.to) { (b) throws(SIPParseError) in
                    try SIPNameAddress.parseSingle(b, header: "To", maximumURILength: Self.uriLimit)
                }, .to)
        }
    }

    public var callID: String {
        get throws(SIPParseError) { try required(parseSingle(.callID) { (b) throws(SIPParseError) in try parseCallID(b) }, .callID) }
    }

    public var cseq: SIPCSeq {
        get throws(SIPParseError) { try required(parseSingle(.cseq) { (b) throws(SIPParseError) in try SIPCSeq.parse(b) }, .cseq) }
    }

    /// Max-Forwards (0–255, §20.22), nil when absent.
    public var maxForwards: Int? {
        get throws(SIPParseError) {
            try parseSingle(.maxForwards) { (b) throws(SIPParseError) in try parseDeltaValue(b, header: "Max-Forwards", max: 255) }
        }
    }

    // MARK: Registration and routing

    /// Every Contact value in order (`[.wildcard]` for `Contact: *`).
    public var contacts: [SIPContact] {
        get throws(SIPParseError) {
            try parseEach(.contact) { (b) throws(SIPParseError) in try SIPContact.parseList(b, maximumURILength: Self.uriLimit) }
                .flatMap { $0 }
        }
    }

    public var routes: [SIPNameAddress] {
        get throws(SIPParseError) {
            try parseEach(.route) { (b) throws(SIPParseError) in
                try SIPNameAddress.parseList(b, header: "Route", maximumURILength: Self.uriLimit)
            }.flatMap { $0 }
        }
    }

    public var recordRoutes: [SIPNameAddress] {
        get throws(SIPParseError) {
            try parseEach(.recordRoute) { (b) throws(SIPParseError) in
                try SIPNameAddress.parseList(b, header: "Record-Route", maximumURILength: Self.uriLimit)
            }.flatMap { $0 }
        }
    }

    /// Expires in seconds (§20.19: a 32-bit delta-seconds), nil when absent.
    public var expires: Int? {
        get throws(SIPParseError) {
            try parseSingle(.expires) { (b) throws(SIPParseError) in try parseDeltaValue(b, header: "Expires", max: UInt64(UInt32.max)) }
        }
    }

    /// Min-Expires in seconds (§20.23), sent with 423 Interval Too Brief.
    public var minExpires: Int? {
        get throws(SIPParseError) {
            try parseSingle(.minExpires) { (b) throws(SIPParseError) in
                try parseDeltaValue(b, header: "Min-Expires", max: UInt64(UInt32.max))
            }
        }
    }

    public var retryAfter: SIPRetryAfter? {
        get throws(SIPParseError) { try parseSingle(.retryAfter) { (b) throws(SIPParseError) in try SIPRetryAfter.parse(b) } }
    }

    // MARK: Authentication

    public var wwwAuthenticate: [SIPAuthentication] {
        get throws(SIPParseError) {
            try parseEach(.wwwAuthenticate) { (b) throws(SIPParseError) in try SIPAuthentication.parseList(b, header: "WWW-Authenticate") }
                .flatMap { $0 }
        }
    }

    public var proxyAuthenticate: [SIPAuthentication] {
        get throws(SIPParseError) {
            try parseEach(.proxyAuthenticate) { (b) throws(SIPParseError) in
                try SIPAuthentication.parseList(b, header: "Proxy-Authenticate")
            }.flatMap { $0 }
        }
    }

    public var authorization: [SIPAuthentication] {
        get throws(SIPParseError) {
            try parseEach(.authorization) { (b) throws(SIPParseError) in try SIPAuthentication.parseList(b, header: "Authorization") }
                .flatMap { $0 }
        }
    }

    public var proxyAuthorization: [SIPAuthentication] {
        get throws(SIPParseError) {
            try parseEach(.proxyAuthorization) { (b) throws(SIPParseError) in
                try SIPAuthentication.parseList(b, header: "Proxy-Authorization")
            }.flatMap { $0 }
        }
    }

    public var authenticationInfo: SIPAuthentication? {
        get throws(SIPParseError) { try parseSingle(.authenticationInfo) { (b) throws(SIPParseError) in try SIPAuthentication.parseInfo(b) } }
    }

    // MARK: Capabilities, sessions, events

    public var contentType: SIPMediaType? {
        get throws(SIPParseError) { try parseSingle(.contentType) { (b) throws(SIPParseError) in try SIPMediaType.parse(b) } }
    }

    public var allow: [SIPMethod] {
        get throws(SIPParseError) {
            try parseEach(.allow) { (b) throws(SIPParseError) in try parseTokenList(b, header: "Allow") }.flatMap { $0 }.map { SIPMethod($0) }
        }
    }

    public var supported: [String] {
        get throws(SIPParseError) { try parseEach(.supported) { (b) throws(SIPParseError) in try parseTokenList(b, header: "Supported") }.flatMap { $0 } }
    }

    public var require: [String] {
        get throws(SIPParseError) { try parseEach(.require) { (b) throws(SIPParseError) in try parseTokenList(b, header: "Require") }.flatMap { $0 } }
    }

    public var proxyRequire: [String] {
        get throws(SIPParseError) {
            try parseEach(.proxyRequire) { (b) throws(SIPParseError) in try parseTokenList(b, header: "Proxy-Require") }.flatMap { $0 }
        }
    }

    public var unsupported: [String] {
        get throws(SIPParseError) {
            try parseEach(.unsupported) { (b) throws(SIPParseError) in try parseTokenList(b, header: "Unsupported") }.flatMap { $0 }
        }
    }

    public var sessionExpires: SIPSessionExpires? {
        get throws(SIPParseError) { try parseSingle(.sessionExpires) { (b) throws(SIPParseError) in try SIPSessionExpires.parse(b) } }
    }

    public var event: SIPEvent? {
        get throws(SIPParseError) { try parseSingle(.event) { (b) throws(SIPParseError) in try SIPEvent.parse(b) } }
    }

    public var referTo: SIPNameAddress? {
        get throws(SIPParseError) {
            try parseSingle(.referTo) { (b) throws(SIPParseError) in
                try SIPNameAddress.parseSingle(b, header: "Refer-To", maximumURILength: Self.uriLimit)
            }
        }
    }

    public var referredBy: SIPNameAddress? {
        get throws(SIPParseError) {
            try parseSingle(.referredBy) { (b) throws(SIPParseError) in
                try SIPNameAddress.parseSingle(b, header: "Referred-By", maximumURILength: Self.uriLimit)
            }
        }
    }

    /// Parses every header this SDK understands, so a message that passes can be used without
    /// surprises: the check a UAS makes before answering 400 (RFC 4475's invalid messages fail here).
    public func validate() throws(SIPParseError) {
        _ = try via
        _ = try from
        _ = try to
        _ = try callID
        _ = try cseq
        _ = try maxForwards
        _ = try contacts
        _ = try routes
        _ = try recordRoutes
        _ = try expires
        _ = try minExpires
        _ = try retryAfter
        _ = try wwwAuthenticate
        _ = try proxyAuthenticate
        _ = try authorization
        _ = try proxyAuthorization
        _ = try authenticationInfo
        _ = try contentType
        _ = try allow
        _ = try supported
        _ = try require
        _ = try proxyRequire
        _ = try unsupported
        _ = try sessionExpires
        _ = try event
        _ = try referTo
        _ = try referredBy
    }
}
