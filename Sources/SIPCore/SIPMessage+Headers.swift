/// Typed access to the headers this SDK understands. Each accessor parses the value(s) when called
/// and reports a malformed value as a ``SIPParseError`` naming the line.
extension SIPMessage {
    /// Parses each line of a header with `body`; a failure carries the line it came from.
    func parseEach<T>(_ known: SIPHeaderName.Known, _ body: (UnsafeRawBufferPointer) throws(SIPParseError) -> T)
        throws(SIPParseError) -> [T]
    {
        var out: [T] = []
        guard headers.mayContain(known) else { return out }
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
        guard headers.mayContain(known) else { return nil }
        let raw = known.rawValue
        guard let first = headers.entries.firstIndex(where: { $0.known == raw }) else { return nil }
        if headers.mayRepeat(known), let second = headers.entries[(first + 1)...].firstIndex(where: { $0.known == raw })
        {
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

    private static let tokenListHeaders: [SIPHeaderName] = [.allow, .supported, .require, .proxyRequire, .unsupported]

    // MARK: The headers every message has (§8.1.1)

    /// Every Via value, top first.
    public var via: [SIPVia] {
        get throws(SIPParseError) {
            try parseEach(.via) { (b) throws(SIPParseError) in try SIPVia.parseList(b) }.flatMap { $0 }
        }
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

    /// The From header (§20.20): the initiator's address and its `tag` parameter.
    ///
    /// Throws ``SIPParseError`` with `.missingHeader` when absent, `.duplicateHeader` when it appears more than
    /// once, or `.invalidHeaderValue` when the value or its URI is malformed or the URI is longer than the
    /// default ``SIPParserLimits/maximumURILength`` (4,096 bytes, whatever limits the message was parsed with).
    public var from: SIPNameAddress {
        get throws(SIPParseError) {
            try required(
                parseSingle(.from) { (b) throws(SIPParseError) in
                    try SIPNameAddress.parseSingle(b, header: "From", maximumURILength: Self.uriLimit)
                }, .from)
        }
    }

    /// The To header (§20.39): the recipient's address and, inside a dialog, its `tag` parameter.
    ///
    /// Throws ``SIPParseError`` with `.missingHeader` when absent, `.duplicateHeader` when it appears more than
    /// once, or `.invalidHeaderValue` when the value or its URI is malformed or the URI is longer than the
    /// default ``SIPParserLimits/maximumURILength`` (4,096 bytes, whatever limits the message was parsed with).
    public var to: SIPNameAddress {
        get throws(SIPParseError) {
            try required(
                parseSingle(.to) { (b) throws(SIPParseError) in
                    try SIPNameAddress.parseSingle(b, header: "To", maximumURILength: Self.uriLimit)
                }, .to)
        }
    }

    /// The Call-ID (§20.8), exactly as written: `word [ "@" word ]`.
    ///
    /// Throws ``SIPParseError`` with `.missingHeader` when absent, `.duplicateHeader` when repeated, or
    /// `.invalidHeaderValue` when it does not match the grammar.
    public var callID: String {
        get throws(SIPParseError) {
            try required(parseSingle(.callID) { (b) throws(SIPParseError) in try parseCallID(b) }, .callID)
        }
    }

    /// The CSeq (§20.16): sequence number and method.
    ///
    /// Throws ``SIPParseError`` with `.missingHeader` when absent, `.duplicateHeader` when repeated, or
    /// `.invalidHeaderValue` when malformed.
    public var cseq: SIPCSeq {
        get throws(SIPParseError) {
            try required(parseSingle(.cseq) { (b) throws(SIPParseError) in try SIPCSeq.parse(b) }, .cseq)
        }
    }

    /// Max-Forwards (0–255, §20.22), nil when absent.
    public var maxForwards: Int? {
        get throws(SIPParseError) {
            if let checked = checkedNumber(.maxForwards) { return checked }
            return try parseSingle(.maxForwards) { (b) throws(SIPParseError) in
                try parseDeltaValue(b, header: "Max-Forwards", max: 255)
            }
        }
    }

    // MARK: Registration and routing

    /// Every Contact value in order (`[.wildcard]` for `Contact: *`).
    public var contacts: [SIPContact] {
        get throws(SIPParseError) {
            try parseEach(.contact) { (b) throws(SIPParseError) in
                try SIPContact.parseList(b, maximumURILength: Self.uriLimit)
            }
            .flatMap { $0 }
        }
    }

    /// Every Route value in order, first hop first (§20.34); empty when there is none. Throws
    /// ``SIPParseError`` when a value is malformed.
    public var routes: [SIPNameAddress] {
        get throws(SIPParseError) {
            try parseEach(.route) { (b) throws(SIPParseError) in
                try SIPNameAddress.parseList(b, header: "Route", maximumURILength: Self.uriLimit)
            }.flatMap { $0 }
        }
    }

    /// Every Record-Route value in the order written (§20.30); empty when there is none. A UAC reverses this
    /// list to build its route set (§12.1.2). Throws ``SIPParseError`` when a value is malformed.
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
            try parseSingle(.expires) { (b) throws(SIPParseError) in
                try parseDeltaValue(b, header: "Expires", max: UInt64(UInt32.max))
            }
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

    /// Retry-After (§20.33): seconds to wait, optional comment and parameters; nil when absent. Throws
    /// ``SIPParseError`` when malformed or repeated.
    public var retryAfter: SIPRetryAfter? {
        get throws(SIPParseError) {
            try parseSingle(.retryAfter) { (b) throws(SIPParseError) in try SIPRetryAfter.parse(b) }
        }
    }

    // MARK: Authentication

    /// Every WWW-Authenticate challenge (§20.44), in order, including several in one header line; empty when
    /// there is none. Throws ``SIPParseError`` when a value is malformed.
    public var wwwAuthenticate: [SIPAuthentication] {
        get throws(SIPParseError) {
            try parseEach(.wwwAuthenticate) { (b) throws(SIPParseError) in
                try SIPAuthentication.parseList(b, header: "WWW-Authenticate")
            }
            .flatMap { $0 }
        }
    }

    /// Every Proxy-Authenticate challenge (§20.27), in order, including several in one header line; empty when
    /// there is none. Throws ``SIPParseError`` when a value is malformed.
    public var proxyAuthenticate: [SIPAuthentication] {
        get throws(SIPParseError) {
            try parseEach(.proxyAuthenticate) { (b) throws(SIPParseError) in
                try SIPAuthentication.parseList(b, header: "Proxy-Authenticate")
            }.flatMap { $0 }
        }
    }

    /// Every Authorization credential (§20.7), in order; empty when there is none. Throws ``SIPParseError``
    /// when a value is malformed.
    public var authorization: [SIPAuthentication] {
        get throws(SIPParseError) {
            try parseEach(.authorization) { (b) throws(SIPParseError) in
                try SIPAuthentication.parseList(b, header: "Authorization")
            }
            .flatMap { $0 }
        }
    }

    /// Every Proxy-Authorization credential (§20.28), in order; empty when there is none. Throws
    /// ``SIPParseError`` when a value is malformed.
    public var proxyAuthorization: [SIPAuthentication] {
        get throws(SIPParseError) {
            try parseEach(.proxyAuthorization) { (b) throws(SIPParseError) in
                try SIPAuthentication.parseList(b, header: "Proxy-Authorization")
            }.flatMap { $0 }
        }
    }

    /// Authentication-Info (§20.6) as parameters with an empty ``SIPAuthentication/scheme``; nil when absent.
    /// Throws ``SIPParseError`` when malformed or repeated.
    public var authenticationInfo: SIPAuthentication? {
        get throws(SIPParseError) {
            try parseSingle(.authenticationInfo) { (b) throws(SIPParseError) in try SIPAuthentication.parseInfo(b) }
        }
    }

    // MARK: Capabilities, sessions, events

    /// The media type of the body (§20.15); nil when absent. Throws ``SIPParseError`` when malformed or
    /// repeated.
    public var contentType: SIPMediaType? {
        get throws(SIPParseError) {
            try parseSingle(.contentType) { (b) throws(SIPParseError) in try SIPMediaType.parse(b) }
        }
    }

    /// The methods listed in every Allow line (§20.5), in order; empty when absent (which does not mean the
    /// peer allows nothing). Throws ``SIPParseError`` when a value is not a token list.
    public var allow: [SIPMethod] {
        get throws(SIPParseError) {
            try parseEach(.allow) { (b) throws(SIPParseError) in try parseTokenList(b, header: "Allow") }.flatMap { $0 }
                .map { SIPMethod($0) }
        }
    }

    /// The option tags of every Supported line (§20.37), e.g. `timer`, `100rel`, `replaces`; empty when
    /// absent. Throws ``SIPParseError`` when a value is not a token list.
    public var supported: [String] {
        get throws(SIPParseError) {
            try parseEach(.supported) { (b) throws(SIPParseError) in try parseTokenList(b, header: "Supported") }
                .flatMap { $0 }
        }
    }

    /// The option tags of every Require line (§20.32) the recipient must support; empty when absent. Throws
    /// ``SIPParseError`` when a value is not a token list.
    public var require: [String] {
        get throws(SIPParseError) {
            try parseEach(.require) { (b) throws(SIPParseError) in try parseTokenList(b, header: "Require") }.flatMap {
                $0
            }
        }
    }

    /// The option tags of every Proxy-Require line (§20.29); empty when absent. Throws ``SIPParseError`` when
    /// a value is not a token list.
    public var proxyRequire: [String] {
        get throws(SIPParseError) {
            try parseEach(.proxyRequire) { (b) throws(SIPParseError) in try parseTokenList(b, header: "Proxy-Require") }
                .flatMap { $0 }
        }
    }

    /// The option tags of every Unsupported line (§20.40), as sent in a 420; empty when absent. Throws
    /// ``SIPParseError`` when a value is not a token list.
    public var unsupported: [String] {
        get throws(SIPParseError) {
            try parseEach(.unsupported) { (b) throws(SIPParseError) in try parseTokenList(b, header: "Unsupported") }
                .flatMap { $0 }
        }
    }

    /// Session-Expires (RFC 4028 §4): the session interval in seconds and its `refresher`; nil when absent.
    /// Throws ``SIPParseError`` when malformed or repeated.
    public var sessionExpires: SIPSessionExpires? {
        get throws(SIPParseError) {
            try parseSingle(.sessionExpires) { (b) throws(SIPParseError) in try SIPSessionExpires.parse(b) }
        }
    }

    /// Event (RFC 6665 §8.2.1): the event package and its `id`; nil when absent. Throws ``SIPParseError`` when
    /// malformed or repeated.
    public var event: SIPEvent? {
        get throws(SIPParseError) { try parseSingle(.event) { (b) throws(SIPParseError) in try SIPEvent.parse(b) } }
    }

    /// Refer-To (RFC 3515 §2.1): the address a REFER asks the recipient to contact; nil when absent. Throws
    /// ``SIPParseError`` when malformed or repeated.
    public var referTo: SIPNameAddress? {
        get throws(SIPParseError) {
            try parseSingle(.referTo) { (b) throws(SIPParseError) in
                try SIPNameAddress.parseSingle(b, header: "Refer-To", maximumURILength: Self.uriLimit)
            }
        }
    }

    /// Referred-By (RFC 3892): the party that asked for the transfer; nil when absent. Throws
    /// ``SIPParseError`` when malformed or repeated.
    public var referredBy: SIPNameAddress? {
        get throws(SIPParseError) {
            try parseSingle(.referredBy) { (b) throws(SIPParseError) in
                try SIPNameAddress.parseSingle(b, header: "Referred-By", maximumURILength: Self.uriLimit)
            }
        }
    }

    /// Parses every header this SDK understands, so a message that passes can be used without
    /// surprises: the check a UAS makes before answering 400 (RFC 4475's invalid messages fail here).
    /// Headers with a view are checked through it (the same checks and errors, no Strings made).
    public func validate() throws(SIPParseError) {
        _ = try viaViews
        _ = try fromView
        _ = try toView
        _ = try callIDRange
        _ = try cseqView
        _ = try maxForwards
        _ = try contactViews
        _ = try routeViews
        _ = try recordRouteViews
        _ = try expires
        _ = try minExpires
        _ = try retryAfter
        _ = try wwwAuthenticateViews
        _ = try proxyAuthenticateViews
        _ = try authorizationViews
        _ = try proxyAuthorizationViews
        _ = try authenticationInfo
        _ = try contentTypeView
        for name in Self.tokenListHeaders { try forEachToken(of: name) { _ in } }
        _ = try sessionExpires
        _ = try event
        _ = try referToView
        _ = try referredByView
    }
}
