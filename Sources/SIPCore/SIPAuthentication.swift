/// A challenge (WWW-Authenticate, Proxy-Authenticate) or credentials (Authorization,
/// Proxy-Authorization): `scheme` then comma-separated `name=value` pairs (RFC 3261 §25.1,
/// RFC 7616 / RFC 8760 for Digest).
///
/// Parameter values are kept as written, quotes included, so a message is written back exactly;
/// the accessors give the unquoted content.
public struct SIPAuthentication: Sendable, Hashable, CustomStringConvertible {
    /// The authentication scheme as written, e.g. `Digest` (default); empty for `Authentication-Info`, which
    /// has none. Compared case-insensitively by ``isDigest``.
    public var scheme: String
    /// The `name=value` pairs in order, values as written (quotes included). Use ``value(_:)`` for the
    /// unquoted content and ``set(_:_:quoted:)`` to write one.
    public var parameters: SIPParameters

    /// A challenge or credentials with `scheme` (default `Digest`) and `parameters` (default none), taken as
    /// written: values are not quoted for you.
    public init(scheme: String = "Digest", parameters: SIPParameters = SIPParameters()) {
        self.scheme = scheme
        self.parameters = parameters
    }

    /// The unquoted value of a parameter.
    public func value(_ name: String) -> String? {
        parameters.value(name).map { v in
            var t = v
            return t.withUTF8 { unquote(UnsafeRawBufferPointer($0)) }
        }
    }

    /// Sets a parameter, quoting it (`quoted: true`) or writing it as a bare token.
    public mutating func set(_ name: String, _ value: String, quoted: Bool) {
        parameters.set(name, quoted ? quote(value) : value)
    }

    /// Whether ``scheme`` is `Digest`, in any case.
    public var isDigest: Bool { scheme.lowercased() == "digest" }
    /// The unquoted `realm`: the protection space the credentials belong to; nil when absent.
    public var realm: String? { value("realm") }
    /// The unquoted `nonce` the server chose for this challenge (echoed in credentials); nil when absent.
    public var nonce: String? { value("nonce") }
    /// The unquoted `opaque` string a challenge carries, to be returned unchanged in the credentials; nil when
    /// absent.
    public var opaque: String? { value("opaque") }
    /// `MD5` when absent (RFC 7616 §3.3).
    public var algorithm: String? { value("algorithm") }
    /// The qop options of a challenge (`auth`, `auth-int`).
    public var qopOptions: [String] {
        (value("qop") ?? "").split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }
    /// `stale=true` (RFC 7616 §3.3): the nonce expired but the credentials were right.
    public var isStale: Bool { value("stale")?.lowercased() == "true" }
    /// The unquoted `username` of credentials; nil when absent (as in a challenge).
    public var username: String? { value("username") }
    /// The unquoted `response` of credentials: the hex digest computed over the request; nil when absent.
    public var response: String? { value("response") }

    public var description: String {
        guard !parameters.isEmpty else { return scheme }
        return scheme + " "
            + parameters.items.map { p in p.value.map { "\(p.name)=\($0)" } ?? p.name }
            .joined(separator: ", ")
    }

    /// Every challenge or credential in one header value. A new scheme starts where a token is followed by
    /// whitespace and another token rather than by `=`.
    static func parseList(_ bytes: UnsafeRawBufferPointer, header: String) throws(SIPParseError) -> [SIPAuthentication]
    {
        var c = ByteCursor(bytes)
        c.skipWhitespace()
        var out: [SIPAuthentication] = []
        while !c.isAtEnd {
            guard let scheme = c.token() else {
                throw SIPParseError(.invalidHeaderValue, "\(header): missing authentication scheme")
            }
            var auth = SIPAuthentication(scheme: String(decoding: scheme, as: UTF8.self))
            c.skipWhitespace()
            while !c.isAtEnd {
                let save = c.index
                guard let name = c.token() else {
                    throw SIPParseError(.invalidHeaderValue, "\(header): expected name=value")
                }
                guard c.consumeSeparator(.equals) else {
                    // Another scheme may begin only after a comma that ended a parameter.
                    guard !auth.parameters.isEmpty, Self.previousNonWhitespace(c.bytes, before: save) == .comma else {
                        throw SIPParseError(
                            .invalidHeaderValue, "\(header): \(auth.scheme) needs name=value parameters")
                    }
                    c.index = save
                    break
                }
                let value = try c.genericValue(header: header, parameter: name)
                auth.parameters.append(String(decoding: name, as: UTF8.self), value)
                c.skipWhitespace()
                if c.isAtEnd { break }
                guard c.consume(.comma) else {
                    throw SIPParseError(.invalidHeaderValue, "\(header): expected ',' between parameters")
                }
                c.skipWhitespace()
            }
            guard !auth.parameters.isEmpty else {
                throw SIPParseError(.invalidHeaderValue, "\(header): \(auth.scheme) needs name=value parameters")
            }
            out.append(auth)
        }
        guard !out.isEmpty else { throw SIPParseError(.invalidHeaderValue, "\(header): empty") }
        return out
    }

    static func previousNonWhitespace(_ bytes: UnsafeRawBufferPointer, before index: Int) -> UInt8? {
        var i = index - 1
        while i >= 0, bytes[i].isSIPWhitespace { i -= 1 }
        return i >= 0 ? bytes[i] : nil
    }

    /// Authentication-Info = ainfo *(COMMA ainfo): parameters with no scheme (RFC 3261 §20.6).
    static func parseInfo(_ bytes: UnsafeRawBufferPointer) throws(SIPParseError) -> SIPAuthentication {
        var c = ByteCursor(bytes)
        c.skipWhitespace()
        var auth = SIPAuthentication(scheme: "")
        repeat {
            guard let name = c.token(), c.consumeSeparator(.equals) else {
                throw SIPParseError(.invalidHeaderValue, "Authentication-Info: expected name=value")
            }
            auth.parameters.append(
                String(decoding: name, as: UTF8.self),
                try c.genericValue(header: "Authentication-Info", parameter: name))
        } while try c.listContinues(header: "Authentication-Info")
        return auth
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        String(
            self.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed()
        )
    }
}
