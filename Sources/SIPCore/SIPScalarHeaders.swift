/// CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16). The number must be below 2^31 (§8.1.1.5).
public struct SIPCSeq: Sendable, Hashable, CustomStringConvertible {
    /// The sequence number. Parsed values are below 2^31 (§8.1.1.5); the initializer does not check, so keep
    /// numbers you build below 2^31 too.
    public var sequenceNumber: UInt32
    /// The method of the request this CSeq belongs to (for a CANCEL or ACK, `CANCEL` or `ACK`).
    public var method: SIPMethod

    /// A CSeq of `sequenceNumber` and `method`, written `"<number> <method>"`.
    public init(_ sequenceNumber: UInt32, _ method: SIPMethod) {
        self.sequenceNumber = sequenceNumber
        self.method = method
    }

    public var description: String { "\(sequenceNumber) \(method)" }

    static func parse(_ bytes: UnsafeRawBufferPointer) throws(SIPParseError) -> SIPCSeq {
        var c = ByteCursor(bytes)
        c.skipWhitespace()
        guard let digits = c.run(of: .token), let n = parseDecimal(digits, max: 0x7FFF_FFFF) else {
            throw SIPParseError(.invalidHeaderValue, "CSeq: the sequence number must be a number below 2^31")
        }
        c.skipWhitespace()
        guard let method = c.token() else { throw SIPParseError(.invalidHeaderValue, "CSeq: missing method") }
        c.skipWhitespace()
        guard c.isAtEnd else { throw SIPParseError(.invalidHeaderValue, "CSeq: unexpected text after the method") }
        return SIPCSeq(UInt32(n), SIPMethod.from(bytes: method))
    }
}

/// 1*DIGIT up to `max`, else nil (no sign, no overflow).
@usableFromInline
func parseDecimal(_ digits: UnsafeRawBufferPointer, max: UInt64) -> UInt64? {
    guard !digits.isEmpty, digits.count <= 20 else { return nil }
    var v: UInt64 = 0
    for d in digits {
        guard d.isASCIIDigit else { return nil }
        let (m, o1) = v.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(UInt64(d - UInt8(ascii: "0")))
        guard !o1, !o2, a <= max else { return nil }
        v = a
    }
    return v
}

/// A whole header value that must be one decimal number within `max`.
func parseDeltaValue(_ bytes: UnsafeRawBufferPointer, header: String, max: UInt64) throws(SIPParseError) -> Int {
    var c = ByteCursor(bytes)
    c.skipWhitespace()
    guard let digits = c.run(of: .token), let v = parseDecimal(digits, max: max) else {
        throw SIPParseError(.invalidHeaderValue, "\(header): must be a number from 0 to \(max)")
    }
    c.skipWhitespace()
    guard c.isAtEnd else { throw SIPParseError(.invalidHeaderValue, "\(header): unexpected text after the number") }
    return Int(v)
}

/// Call-ID = word [ "@" word ] (§20.8).
func parseCallID(_ bytes: UnsafeRawBufferPointer) throws(SIPParseError) -> String {
    try validateCallID(bytes)
    return String(decoding: bytes, as: UTF8.self)
}

/// Checks the Call-ID grammar without building a String.
func validateCallID(_ bytes: UnsafeRawBufferPointer) throws(SIPParseError) {
    var c = ByteCursor(bytes)
    guard c.run(of: .word) != nil else { throw SIPParseError(.invalidHeaderValue, "Call-ID: empty or invalid") }
    if c.consume(.at) {
        guard c.run(of: .word) != nil else { throw SIPParseError(.invalidHeaderValue, "Call-ID: nothing after '@'") }
    }
    guard c.isAtEnd else {
        throw SIPParseError(.invalidHeaderValue, "Call-ID: invalid character \(quoteForError(c.remaining, limit: 10))")
    }
}

/// Content-Type = m-type SLASH m-subtype *(SEMI m-parameter) (§20.15).
public struct SIPMediaType: Sendable, Hashable, CustomStringConvertible {
    /// The top-level type as written, e.g. `application`; compared case-insensitively by ``matches(_:)``.
    public var type: String
    /// The subtype as written, e.g. `sdp`; compared case-insensitively by ``matches(_:)``.
    public var subtype: String
    /// Media type parameters (e.g. `charset`), values as written; ignored by ``matches(_:)``.
    public var parameters: SIPParameters

    /// A media type `type/subtype` with `parameters` (default none), taken as written.
    public init(type: String, subtype: String, parameters: SIPParameters = SIPParameters()) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
    }

    /// `application/sdp`: a session description (RFC 4566) in an offer or answer.
    public static let sdp = SIPMediaType(type: "application", subtype: "sdp")
    /// `message/sipfrag` (RFC 3420): the status line a NOTIFY carries to report a REFER's progress.
    public static let sipfrag = SIPMediaType(type: "message", subtype: "sipfrag")
    /// `application/dtmf-relay`: the `Signal=`/`Duration=` body of a DTMF digit sent in an INFO.
    public static let dtmfRelay = SIPMediaType(type: "application", subtype: "dtmf-relay")

    /// Type and subtype compared case-insensitively, parameters ignored.
    public func matches(_ other: SIPMediaType) -> Bool {
        type.lowercased() == other.type.lowercased() && subtype.lowercased() == other.subtype.lowercased()
    }

    public var description: String { "\(type)/\(subtype)" + parameters.headerParameterText }

    static func parse(_ bytes: UnsafeRawBufferPointer) throws(SIPParseError) -> SIPMediaType {
        try parseHeaderValue(bytes) { (c) throws(SIPParseError) -> SIPMediaType in
            guard let t = c.token(), c.consumeSeparator(.slash), let s = c.token() else {
                throw SIPParseError(.invalidHeaderValue, "Content-Type: must be type/subtype")
            }
            let params = try c.genericParameters(header: "Content-Type")
            c.skipWhitespace()
            guard c.isAtEnd else { throw SIPParseError(.invalidHeaderValue, "Content-Type: only one value is allowed") }
            return SIPMediaType(
                type: String(decoding: t, as: UTF8.self), subtype: String(decoding: s, as: UTF8.self),
                parameters: params)
        }
    }
}

/// Retry-After = delta-seconds [ comment ] *( SEMI retry-param ) (§20.33).
public struct SIPRetryAfter: Sendable, Hashable {
    /// How long to wait before retrying, in seconds (0 to 2^32−1).
    public var seconds: Int
    /// The text of the parenthesised comment without its parentheses, e.g. `in a meeting`; nil when absent.
    public var comment: String?
    /// The `retry-param`s (`duration`, extensions), values as written.
    public var parameters: SIPParameters
    /// The `duration` parameter.
    public var duration: Int? { parameters.value("duration").flatMap(Int.init) }

    static func parse(_ bytes: UnsafeRawBufferPointer) throws(SIPParseError) -> SIPRetryAfter {
        try parseHeaderValue(bytes) { (c) throws(SIPParseError) -> SIPRetryAfter in
            guard let digits = c.run(of: .token), let v = parseDecimal(digits, max: UInt64(UInt32.max)) else {
                throw SIPParseError(.invalidHeaderValue, "Retry-After: must start with delta-seconds")
            }
            c.skipWhitespace()
            var comment: String?
            if c.peek == .openParen {
                guard let raw = c.comment() else {
                    throw SIPParseError(.invalidHeaderValue, "Retry-After: unbalanced comment")
                }
                comment = String(decoding: UnsafeRawBufferPointer(rebasing: raw.dropFirst().dropLast()), as: UTF8.self)
            }
            let params = try c.genericParameters(header: "Retry-After")
            c.skipWhitespace()
            guard c.isAtEnd else { throw SIPParseError(.invalidHeaderValue, "Retry-After: unexpected text") }
            return SIPRetryAfter(seconds: Int(v), comment: comment, parameters: params)
        }
    }
}

/// Session-Expires = delta-seconds *(SEMI se-params), se-params = refresher-param / generic-param (RFC 4028).
public struct SIPSessionExpires: Sendable, Hashable {
    /// The session interval in seconds (0 to 2^32−1): the session ends unless refreshed within it.
    public var seconds: Int
    /// The parameters as written, `refresher` included (the parser accepts only `uac` or `uas` there).
    public var parameters: SIPParameters
    /// `uac` or `uas`.
    public var refresher: String? { parameters.value("refresher")?.lowercased() }

    static func parse(_ bytes: UnsafeRawBufferPointer) throws(SIPParseError) -> SIPSessionExpires {
        try parseHeaderValue(bytes) { (c) throws(SIPParseError) -> SIPSessionExpires in
            guard let digits = c.run(of: .token), let v = parseDecimal(digits, max: UInt64(UInt32.max)) else {
                throw SIPParseError(.invalidHeaderValue, "Session-Expires: must start with delta-seconds")
            }
            let params = try c.genericParameters(header: "Session-Expires")
            c.skipWhitespace()
            guard c.isAtEnd else { throw SIPParseError(.invalidHeaderValue, "Session-Expires: unexpected text") }
            if let r = params.value("refresher"), !["uac", "uas"].contains(r.lowercased()) {
                throw SIPParseError(.invalidHeaderValue, "Session-Expires: refresher must be uac or uas")
            }
            return SIPSessionExpires(seconds: Int(v), parameters: params)
        }
    }
}

/// Event = event-type *( SEMI event-param ) (RFC 6665 §8.2.1).
public struct SIPEvent: Sendable, Hashable {
    /// The event package as written, e.g. `refer`, `message-summary`, `reg`.
    public var type: String
    /// The event parameters, values as written (`id` among them).
    public var parameters: SIPParameters
    /// The `id` parameter that tells subscriptions of one package in a dialog apart (for REFER, the CSeq
    /// number of the REFER); nil when absent.
    public var id: String? { parameters.value("id") }

    static func parse(_ bytes: UnsafeRawBufferPointer) throws(SIPParseError) -> SIPEvent {
        try parseHeaderValue(bytes) { (c) throws(SIPParseError) -> SIPEvent in
            guard let t = c.token() else { throw SIPParseError(.invalidHeaderValue, "Event: missing event type") }
            let params = try c.genericParameters(header: "Event")
            c.skipWhitespace()
            guard c.isAtEnd else { throw SIPParseError(.invalidHeaderValue, "Event: only one value is allowed") }
            return SIPEvent(type: String(decoding: t, as: UTF8.self), parameters: params)
        }
    }
}

/// A comma-separated list of tokens (Allow, Supported, Require, Proxy-Require, Unsupported). Empty
/// values are allowed (`Supported:` with nothing says "no extensions").
func parseTokenList(_ bytes: UnsafeRawBufferPointer, header: String) throws(SIPParseError) -> [String] {
    var c = ByteCursor(bytes)
    c.skipWhitespace()
    if c.isAtEnd { return [] }
    var out: [String] = []
    repeat {
        guard let t = c.token() else {
            throw SIPParseError(
                .invalidHeaderValue, "\(header): expected a token, found \(quoteForError(c.remaining, limit: 20))")
        }
        out.append(String(decoding: t, as: UTF8.self))
    } while try c.listContinues(header: header)
    return out
}
