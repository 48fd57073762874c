/// A name-addr or addr-spec with header parameters: the value of From, To, Contact, Route,
/// Record-Route, Refer-To and Referred-By (RFC 3261 §20, §25.1).
///
///     ( name-addr / addr-spec ) *( SEMI generic-param )
///     name-addr = [ display-name ] LAQUOT addr-spec RAQUOT
///     display-name = *(token LWS) / quoted-string
///
/// An addr-spec written without angle brackets ends at the first `;`, `,` or space, and then may not
/// contain `?` (§20: such a URI "MUST be enclosed in angle brackets"; RFC 4475 §3.1.2.13).
public struct SIPNameAddress: Sendable, Hashable, CustomStringConvertible {
    /// The display name without quotes.
    public var displayName: String?
    /// The address itself (the addr-spec); always written inside `<` `>`, so its own parameters and headers
    /// stay apart from the header parameters.
    public var uri: SIPURI
    /// Header parameters (`tag`, `expires`, `q`, `+sip.instance`, …), values as written.
    public var parameters: SIPParameters

    /// An address with an optional `displayName` (default none; written quoted), the `uri`, and header
    /// `parameters` (default none), taken as written.
    public init(displayName: String? = nil, uri: SIPURI, parameters: SIPParameters = SIPParameters()) {
        self.displayName = displayName
        self.uri = uri
        self.parameters = parameters
    }

    /// The `tag` parameter of From and To (§19.3); nil when absent. Setting nil removes it.
    public var tag: String? {
        get { parameters.value("tag") }
        set {
            // nil removes the tag: a bare `;tag` would be a tag parameter with no value, which RFC 3261
            // §25.1 (`tag-param = "tag" EQUAL token`) does not allow.
            if let newValue { parameters.set("tag", newValue) } else { parameters.remove("tag") }
        }
    }

    public var description: String {
        var out = ""
        if let displayName, !displayName.isEmpty { out += quote(displayName) + " " }
        out += "<\(uri)>" + parameters.headerParameterText
        return out
    }

    static func parseList(_ bytes: UnsafeRawBufferPointer, header: String, maximumURILength: Int)
        throws(SIPParseError) -> [SIPNameAddress]
    {
        try parseHeaderValue(bytes) { (c) throws(SIPParseError) -> [SIPNameAddress] in
            var list: [SIPNameAddress] = []
            repeat {
                list.append(try parseOne(&c, header: header, maximumURILength: maximumURILength))
            } while try c.listContinues(header: header)
            return list
        }
    }

    static func parseSingle(_ bytes: UnsafeRawBufferPointer, header: String, maximumURILength: Int)
        throws(SIPParseError) -> SIPNameAddress
    {
        try parseHeaderValue(bytes) { (c) throws(SIPParseError) -> SIPNameAddress in
            let value = try parseOne(&c, header: header, maximumURILength: maximumURILength)
            c.skipWhitespace()
            guard c.isAtEnd else {
                throw SIPParseError(
                    .invalidHeaderValue,
                    "\(header): unexpected \(quoteForError(c.remaining, limit: 20)) (only one value is allowed)")
            }
            return value
        }
    }

    static func parseOne(_ c: inout ByteCursor, header: String, maximumURILength: Int) throws(SIPParseError)
        -> SIPNameAddress
    {
        var displayName: String?
        if c.peek == .quote {
            guard let q = c.quotedString() else {
                throw SIPParseError(.invalidHeaderValue, "\(header): unterminated quoted display name")
            }
            displayName = unquote(q)
            c.skipWhitespace()
            guard c.peek == .lessThan else {
                throw SIPParseError(.invalidHeaderValue, "\(header): a quoted display name must be followed by <URI>")
            }
        } else if c.peek != .lessThan {
            // *(token LWS) followed by '<' is a display name; anything else is an addr-spec.
            let saved = c.index
            var sawToken = false
            while c.token() != nil {
                sawToken = true
                c.skipWhitespace()
            }
            if sawToken, c.peek == .lessThan {
                var end = c.index
                while end > saved, c.bytes[end - 1].isSIPWhitespace { end -= 1 }
                displayName = String(decoding: c.slice(saved, end), as: UTF8.self)
            } else {
                c.index = saved
            }
        }
        let uri: SIPURI
        if c.consume(.lessThan) {
            let start = c.index
            while let b = c.peek, b != .greaterThan { c.index += 1 }
            guard c.consume(.greaterThan) else {
                throw SIPParseError(.invalidHeaderValue, "\(header): '<' without a closing '>'")
            }
            do {
                uri = try SIPURI.parse(c.slice(start, c.index - 1), maximumLength: maximumURILength)
            } catch {
                throw SIPParseError(.invalidHeaderValue, "\(header): \(error.detail)")
            }
        } else {
            let start = c.index
            while let b = c.peek, b != .semicolon, b != .comma, !b.isSIPWhitespace { c.index += 1 }
            let spec = c.slice(start, c.index)
            guard !spec.isEmpty else { throw SIPParseError(.invalidHeaderValue, "\(header): missing URI") }
            guard !spec.contains(.questionMark) else {
                throw SIPParseError(
                    .invalidHeaderValue, "\(header): a URI with '?' headers must be enclosed in <>")
            }
            do {
                uri = try SIPURI.parse(spec, maximumLength: maximumURILength)
            } catch {
                throw SIPParseError(.invalidHeaderValue, "\(header): \(error.detail)")
            }
        }
        let params = try c.genericParameters(header: header)
        return SIPNameAddress(displayName: displayName, uri: uri, parameters: params)
    }
}

/// One Contact header element: `*` (only in a REGISTER that removes every binding) or an address.
public enum SIPContact: Sendable, Hashable, CustomStringConvertible {
    /// `Contact: *`: every binding of the address-of-record. RFC 3261 §10.2.2 allows it only alone, in a
    /// REGISTER with `Expires: 0`; the parser checks only that it stands alone in its header line.
    case wildcard
    /// One contact address with its header parameters (`expires`, `q`, `+sip.instance`, `reg-id`, …).
    case address(SIPNameAddress)

    /// The address of an `.address` element; nil for ``wildcard``.
    public var address: SIPNameAddress? {
        if case .address(let a) = self { return a }
        return nil
    }

    /// The `expires` parameter in seconds, when present and valid.
    public var expires: Int? { address?.parameters.value("expires").flatMap { UInt32($0) }.map(Int.init) }
    /// The `q` parameter.
    public var q: Double? { address?.parameters.value("q").flatMap(Double.init) }
    /// The `+sip.instance` parameter without its quotes (RFC 5626 §4.1).
    public var instance: String? {
        address?.parameters.value("+sip.instance").map { v in
            var t = v
            return t.withUTF8 { unquote(UnsafeRawBufferPointer($0)) }
        }
    }
    /// RFC 5626 `reg-id`.
    public var regID: Int? { address?.parameters.value("reg-id").flatMap(Int.init) }

    public var description: String {
        switch self {
        case .wildcard: "*"
        case .address(let a): a.description
        }
    }

    static func parseList(_ bytes: UnsafeRawBufferPointer, maximumURILength: Int) throws(SIPParseError) -> [SIPContact]
    {
        var c = ByteCursor(bytes)
        c.skipWhitespace()
        if c.consume(UInt8(ascii: "*")) {
            c.skipWhitespace()
            guard c.isAtEnd else { throw SIPParseError(.invalidHeaderValue, "Contact: '*' must stand alone") }
            return [.wildcard]
        }
        let list = try SIPNameAddress.parseList(bytes, header: "Contact", maximumURILength: maximumURILength)
        for a in list {
            if let e = a.parameters.value("expires"), UInt32(e) == nil {
                throw SIPParseError(.invalidHeaderValue, "Contact: expires=\(e) is not a 32-bit delta-seconds")
            }
            if let q = a.parameters.value("q"), Double(q).map({ (0...1).contains($0) }) != true {
                throw SIPParseError(.invalidHeaderValue, "Contact: q=\(q) is not between 0 and 1")
            }
        }
        return list.map { .address($0) }
    }
}
