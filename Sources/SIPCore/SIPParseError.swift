/// Why a message (or one header value) could not be parsed.
///
/// Equality is by ``code`` only, like AsyncHTTPClient's `HTTPClientError`, so callers can match on
/// the kind of failure; ``line`` and ``detail`` say where and what for people and logs.
public struct SIPParseError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure: what callers match on and what metrics count (the raw value is the label).
    public enum Code: String, Sendable, Hashable {
        /// The message (or a stream frame's head and body) exceeds ``SIPParserLimits/maximumMessageSize``.
        case messageTooLarge
        /// More header lines than ``SIPParserLimits/maximumHeaderCount``.
        case tooManyHeaders
        /// A start or header line (folded continuation lines included) exceeds
        /// ``SIPParserLimits/maximumLineLength``.
        case lineTooLong
        /// Content-Length announces more than ``SIPParserLimits/maximumBodySize`` bytes.
        case bodyTooLarge
        /// The Request-URI, or a URI given to ``SIPURI/init(_:)``, exceeds ``SIPParserLimits/maximumURILength``
        /// bytes; a URI in a header value that is too long is reported as ``invalidHeaderValue``.
        case uriTooLong
        /// Nothing but line ends (or nothing at all) where a message was expected.
        case emptyMessage
        /// The first line is neither a Request-Line nor a Status-Line (§7.1, §7.2), or has no line end; extra
        /// spaces count as malformed (RFC 4475 §3.1.2.9).
        case malformedStartLine
        /// The start line names a SIP version other than `SIP/2.0` (this SDK speaks only SIP/2.0, §7.1).
        case unsupportedVersion
        /// A header line without a valid name and colon, a bare CR or (unless accepted) bare LF, a continuation
        /// line before any header, or headers that do not end with an empty line.
        case malformedHeaderLine
        /// A header value does not match its grammar (found by a typed accessor or the parser's checks of CSeq,
        /// Max-Forwards and Call-ID).
        case invalidHeaderValue
        /// A header every message needs (Via, From, To, Call-ID, CSeq, §8.1.1) is absent.
        case missingHeader
        /// A header that may appear only once (Call-ID, CSeq, From, To, Content-Length, Max-Forwards,
        /// Content-Type, Expires, Min-Expires) appears more than once (§7.3.1).
        case duplicateHeader
        /// A request's CSeq method differs from its Request-Line method (§8.1.1.5).
        case methodMismatch
        /// Content-Length is not a plain non-negative decimal of at most 10 digits (§20.14), or a stream frame's
        /// Content-Length is missing a value, repeated, or over the body limit.
        case invalidContentLength
        /// Content-Length announces more body bytes than the datagram or buffer holds.
        case truncatedBody
        /// A message on a stream transport (TCP, TLS) has no Content-Length, so its end is unknown (§18.3).
        case missingContentLength
        /// The Request-URI, or a URI given to ``SIPURI/init(_:)``, has no scheme, an invalid user, password,
        /// host, port, parameter or header part, or (as a Request-URI) carries URI headers (`?…`); a bad URI in
        /// a header value is reported as ``invalidHeaderValue``.
        case invalidURI
    }

    /// The kind of failure; the only thing equality compares.
    public let code: Code
    /// 1-based line of the message where the problem is, when known.
    public let line: Int?
    /// What is wrong, for a person; never contains credentials.
    public let detail: String

    /// An error of kind `code` at the 1-based `line` of the message (default nil: not known) with a
    /// human-readable `detail`, which must not contain credentials.
    public init(_ code: Code, line: Int? = nil, _ detail: String) {
        self.code = code
        self.line = line
        self.detail = detail
    }

    public var description: String {
        if let line { return "line \(line): \(detail)" }
        return detail
    }

    /// A short, fixed text for metrics labels (no values from the message).
    public var shortDescription: String { code.rawValue }
}

extension SIPParseError: Equatable {
    public static func == (lhs: SIPParseError, rhs: SIPParseError) -> Bool { lhs.code == rhs.code }
}

extension SIPParseError {
    /// The same error placed at a line of the message (typed header parsers do not know their line).
    func at(line: Int?) -> SIPParseError {
        SIPParseError(code, line: line ?? self.line, detail)
    }
}
