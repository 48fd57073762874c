/// Why a message (or one header value) could not be parsed.
///
/// Equality is by ``code`` only, like AsyncHTTPClient's `HTTPClientError`, so callers can match on
/// the kind of failure; ``line`` and ``detail`` say where and what for people and logs.
public struct SIPParseError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case messageTooLarge
        case tooManyHeaders
        case lineTooLong
        case bodyTooLarge
        case uriTooLong
        case emptyMessage
        case malformedStartLine
        case unsupportedVersion
        case malformedHeaderLine
        case invalidHeaderValue
        case missingHeader
        case duplicateHeader
        case methodMismatch
        case invalidContentLength
        case truncatedBody
        case missingContentLength
        case invalidURI
    }

    public let code: Code
    /// 1-based line of the message where the problem is, when known.
    public let line: Int?
    /// What is wrong, for a person; never contains credentials.
    public let detail: String

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
