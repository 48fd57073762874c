/// A `sip:`, `sips:` or `tel:` URI (RFC 3261 §19.1, RFC 3966), or any other absolute URI kept opaque.
///
/// User, password, parameter and header values are stored %-decoded and encoded again when written,
/// so `sip:%75ser@host` and `sip:user@host` are the same value (§19.1.4).
public struct SIPURI: Sendable, Hashable, CustomStringConvertible {
    /// The URI scheme; `sip`, `sips` and `tel` are recognised in any case and get their own grammar, any other
    /// is kept as ``other(_:)`` with an opaque rest.
    public enum Scheme: Sendable, Hashable, CustomStringConvertible {
        /// `sip:` (§19.1): a SIP URI, reached over any transport.
        case sip
        /// `sips:` (§19.1, §26.2.2): a secure SIP URI; every hop to it must use TLS.
        case sips
        /// `tel:` (RFC 3966): a telephone number, held in ``SIPURI/user``; no host.
        case tel
        /// Any other scheme (RFC 3261 allows any absoluteURI in a Request-URI and in name-addr).
        case other(String)

        public var description: String {
            switch self {
            case .sip: "sip"
            case .sips: "sips"
            case .tel: "tel"
            case .other(let s): s
            }
        }
    }

    /// The scheme (default ``Scheme/sip``).
    public var scheme: Scheme
    /// The user part (for `tel:` the telephone number), decoded.
    public var user: String?
    /// The password after `user:`, decoded; nil when absent. RFC 3261 §19.1.1 advises against using it: it
    /// travels in clear text.
    public var password: String?
    /// Host name, IPv4 address, or IPv6 reference with its brackets; empty for `tel:` and opaque URIs.
    public var host: String
    /// The port, 0–65535; nil when the URI has none, which means the transport's default (5060, or 5061 for
    /// `sips:` and TLS, RFC 3263).
    public var port: Int?
    /// `;name=value` URI parameters, decoded.
    public var parameters: SIPParameters
    /// `?name=value&…` URI headers, decoded.
    public var headers: SIPParameters
    /// Everything after `scheme:` for schemes other than sip, sips and tel.
    public var opaque: String?

    /// A `sip:`-family URI from its parts: `scheme` (default `sip`), `user` and `password` (default none, not
    /// yet encoded), `host` (an IPv6 address with brackets), `port` (default none), URI `parameters` and
    /// `headers` (default none, not yet encoded). Nothing is validated; ``description`` encodes when written.
    public init(
        scheme: Scheme = .sip, user: String? = nil, password: String? = nil, host: String, port: Int? = nil,
        parameters: SIPParameters = SIPParameters(), headers: SIPParameters = SIPParameters()
    ) {
        self.scheme = scheme
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.parameters = parameters
        self.headers = headers
        self.opaque = nil
    }

    /// Parses a URI from text.
    public init(_ text: String) throws(SIPParseError) {
        self = try withUTF8Bytes(text) { (b) throws(SIPParseError) in try SIPURI.parse(b) }
    }

    /// `transport` parameter, lowercased (`udp`, `tcp`, `tls`, …).
    public var transportParameter: String? { parameters.value("transport")?.lowercased() }
    /// Whether the URI carries `;lr` (a loose router, RFC 3261 §16.12).
    public var isLooseRouter: Bool { parameters.contains("lr") }
    /// The host without IPv6 brackets.
    public var hostWithoutBrackets: String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    public var description: String {
        var out = scheme.description + ":"
        if let opaque { return out + opaque }
        if scheme == .tel {
            out += user ?? ""
        } else {
            if let user {
                out += percentEncoded(user, allowed: [.unreserved, .userUnreserved])
                if let password { out += ":" + percentEncoded(password, allowed: .password) }
                out += "@"
            }
            out += host
            if let port { out += ":\(port)" }
        }
        for p in parameters.items {
            out += ";" + percentEncoded(p.name, allowed: [.unreserved, .paramUnreserved])
            if let v = p.value { out += "=" + percentEncoded(v, allowed: [.unreserved, .paramUnreserved]) }
        }
        for (i, h) in headers.items.enumerated() {
            out += (i == 0 ? "?" : "&") + percentEncoded(h.name, allowed: [.unreserved, .headerUnreserved])
            out += "=" + percentEncoded(h.value ?? "", allowed: [.unreserved, .headerUnreserved])
        }
        return out
    }
}

extension SIPURI {
    /// Parses the bytes of exactly one URI (nothing may follow it).
    @inlinable
    static func parse(_ bytes: UnsafeRawBufferPointer, maximumLength: Int = SIPParserLimits.default.maximumURILength)
        throws(SIPParseError) -> SIPURI
    {
        guard bytes.count <= maximumLength else {
            throw SIPParseError(.uriTooLong, "URI of \(bytes.count) bytes exceeds the limit of \(maximumLength)")
        }
        var c = ByteCursor(bytes)
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        guard let first = c.peek, (first | 0x20) >= UInt8(ascii: "a"), (first | 0x20) <= UInt8(ascii: "z"),
            let schemeBytes = c.run(of: .scheme), c.consume(.colon)
        else {
            throw SIPParseError(.invalidURI, "URI \(quoteForError(bytes)) has no scheme")
        }
        let scheme: Scheme
        if bytesEqualCaseInsensitive(schemeBytes, "sip") {
            scheme = .sip
        } else if bytesEqualCaseInsensitive(schemeBytes, "sips") {
            scheme = .sips
        } else if bytesEqualCaseInsensitive(schemeBytes, "tel") {
            scheme = .tel
        } else {
            // absoluteURI: the rest must be uric characters (no spaces, quotes or angle brackets).
            let rest = c.remaining
            guard !rest.isEmpty, rest.allSatisfy({ $0.isIn(.uric) || $0.isIn(.unreserved) }) else {
                throw SIPParseError(.invalidURI, "URI \(quoteForError(bytes)) has characters not allowed in a URI")
            }
            var uri = SIPURI(scheme: .other(String(decoding: schemeBytes, as: UTF8.self)), host: "")
            uri.opaque = String(decoding: rest, as: UTF8.self)
            return uri
        }
        if scheme == .tel { return try parseTel(&c, whole: bytes) }
        return try parseSIP(&c, scheme: scheme, whole: bytes)
    }

    @inlinable
    static func parseSIP(_ c: inout ByteCursor, scheme: Scheme, whole: UnsafeRawBufferPointer) throws(SIPParseError)
        -> SIPURI
    {
        var user: String?
        var password: String?
        // Any unescaped '@' belongs to userinfo: neither host, parameters nor headers may contain one.
        if let atOffset = c.distance(toNext: .at) {
            let userinfoEnd = c.index + atOffset
            let userStart = c.index
            while c.index < userinfoEnd, c.bytes[c.index] != .colon {
                guard
                    c.bytes[c.index].isIn(.unreserved, or: .userUnreserved)
                        || c.bytes[c.index] == .percent
                else { throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid user part") }
                c.index += 1
            }
            guard c.index > userStart, let u = percentDecoded(c.slice(userStart, c.index)) else {
                throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid user part")
            }
            user = u
            if c.consume(.colon) {
                let pwStart = c.index
                while c.index < userinfoEnd {
                    guard c.bytes[c.index].isIn(.password) else {
                        throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid password")
                    }
                    c.index += 1
                }
                guard let p = percentDecoded(c.slice(pwStart, c.index)) else {
                    throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid password")
                }
                password = p
            }
            c.index = userinfoEnd + 1
        }
        let host = try parseHost(&c, whole: whole)
        var port: Int?
        if c.consume(.colon) {
            guard let digits = c.run(of: .token), digits.allSatisfy(\.isASCIIDigit), digits.count <= 5,
                let value = Int(String(decoding: digits, as: UTF8.self)), value <= 65535
            else { throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid port") }
            port = value
        }
        // Built once at the end: a value made first and then given its parameters was copied and
        // destroyed on the way out.
        let parameters = try parseURIParameters(&c, whole: whole)
        let headers = c.consume(.questionMark) ? try parseURIHeaders(&c, whole: whole) : SIPParameters()
        guard c.isAtEnd else {
            throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has unexpected characters after its end")
        }
        return SIPURI(
            scheme: scheme, user: user, password: password, host: host, port: port, parameters: parameters,
            headers: headers)
    }

    @inlinable
    static func parseHost(_ c: inout ByteCursor, whole: UnsafeRawBufferPointer) throws(SIPParseError) -> String {
        let start = c.index
        try scanHost(&c, whole: whole)
        return String(decoding: c.slice(start, c.index), as: UTF8.self)
    }

    /// host = hostname / IPv4address / IPv6reference: moves past it or throws.
    @inlinable
    static func scanHost(_ c: inout ByteCursor, whole: UnsafeRawBufferPointer) throws(SIPParseError) {
        let start = c.index
        if c.consume(.openBracket) {
            while let b = c.peek, b.isASCIIHexDigit || b == .colon || b == UInt8(ascii: ".") { c.index += 1 }
            guard c.consume(.closeBracket), c.index - start > 3 else {
                throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid IPv6 reference")
            }
        } else {
            // Host names are long runs of letters, digits, '-' and '.': eight bytes at a time first.
            if let base = c.bytes.baseAddress { c.index = alnumDashDotPrefix(base, from: c.index, to: c.bytes.count) }
            while let b = c.peek, b.isIn(.uriHost) { c.index += 1 }
            guard c.index > start else {
                throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has no host")
            }
        }
    }

    /// uri-parameters = *( ";" uri-parameter ); pname / pvalue = 1*paramchar
    @inlinable
    static func parseURIParameters(_ c: inout ByteCursor, whole: UnsafeRawBufferPointer) throws(SIPParseError)
        -> SIPParameters
    {
        var params = SIPParameters()
        while c.consume(.semicolon) {
            let nameStart = c.index
            while let b = c.peek, isParamChar(b) { c.index += 1 }
            guard c.index > nameStart, let name = percentDecoded(c.slice(nameStart, c.index)) else {
                throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an empty or invalid parameter")
            }
            var value: String?
            if c.consume(.equals) {
                let valueStart = c.index
                while let b = c.peek, isParamChar(b) { c.index += 1 }
                guard c.index > valueStart, let v = percentDecoded(c.slice(valueStart, c.index)) else {
                    throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid value for \(name)")
                }
                value = v
            }
            params.append(name, value)
        }
        return params
    }

    @inlinable
    static func isParamChar(_ b: UInt8) -> Bool {
        b.isIn(.unreserved, or: .paramUnreserved) || b == .percent
    }

    @inlinable
    static func parseURIHeaders(_ c: inout ByteCursor, whole: UnsafeRawBufferPointer) throws(SIPParseError)
        -> SIPParameters
    {
        var headers = SIPParameters()
        repeat {
            let nameStart = c.index
            while let b = c.peek, b.isIn(.unreserved, or: .headerUnreserved) || b == .percent { c.index += 1 }
            guard c.index > nameStart, let name = percentDecoded(c.slice(nameStart, c.index)), c.consume(.equals)
            else { throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid header part") }
            let valueStart = c.index
            while let b = c.peek, b.isIn(.unreserved, or: .headerUnreserved) || b == .percent { c.index += 1 }
            guard let value = percentDecoded(c.slice(valueStart, c.index)) else {
                throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid header value")
            }
            headers.append(name, value)
        } while c.consume(.ampersand)
        return headers
    }

    /// RFC 3966 telephone-subscriber, kept as written: the number, then parameters.
    @inlinable
    static func parseTel(_ c: inout ByteCursor, whole: UnsafeRawBufferPointer) throws(SIPParseError) -> SIPURI {
        let start = c.index
        while let b = c.peek,
            b.isASCIIHexDigit || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
                || b == UInt8(ascii: ".") || b == .openParen || b == .closeParen || b == UInt8(ascii: "*")
                || b == UInt8(ascii: "#")
        {
            c.index += 1
        }
        guard c.index > start else { throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has no number") }
        var uri = SIPURI(scheme: .tel, user: String(decoding: c.slice(start, c.index), as: UTF8.self), host: "")
        uri.parameters = try parseURIParameters(&c, whole: whole)
        guard c.isAtEnd else {
            throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has unexpected characters after its end")
        }
        return uri
    }
}

/// Message text for errors: bounded in length, control bytes shown as escapes.
@usableFromInline
func quoteForError(_ bytes: UnsafeRawBufferPointer, limit: Int = 80) -> String {
    var out = "\""
    for b in bytes.prefix(limit) {
        if b >= 0x20 && b < 0x7F {
            out.unicodeScalars.append(Unicode.Scalar(b))
        } else {
            out += "\\x" + String(b, radix: 16)
        }
    }
    if bytes.count > limit { out += "…" }
    return out + "\""
}
