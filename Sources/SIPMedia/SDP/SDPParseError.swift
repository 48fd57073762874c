/// Why a session description could not be parsed.
///
/// Equality is by ``code`` only (like ``SIPParseError``), so callers match on the kind of failure;
/// ``line`` and ``detail`` say where and what for people and logs. A UAS answers an offer that fails
/// to parse with `400 Bad Request` (RFC 3261 §21.4.1), not 488: the body is broken, not unacceptable.
package struct SDPParseError: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable, Hashable {
        /// The description is larger than ``SDPParserLimits/maximumSize``.
        case tooLarge
        /// More lines than ``SDPParserLimits/maximumLineCount``.
        case tooManyLines
        /// A line longer than ``SDPParserLimits/maximumLineLength``.
        case lineTooLong
        /// More `m=` lines than ``SDPParserLimits/maximumMediaCount``.
        case tooManyMedia
        /// Not UTF-8, or a control character inside a line.
        case invalidEncoding
        /// A line that is not `<type>=<value>` with a lower-case letter as type (RFC 4566 §5).
        case malformedLine
        /// A known field whose value does not follow its RFC 4566 grammar.
        case invalidValue
        /// `v=`, `o=`, `s=`, `t=` or `m=` missing, or a media stream with no `c=` (RFC 4566 §5.7).
        case missingLine
        /// A field out of the order RFC 4566 §5 fixes, or repeated where only one is allowed.
        case misplacedLine
        /// `v=` other than 0.
        case unsupportedVersion
    }

    package let code: Code
    /// 1-based line of the description where the problem is, when known.
    package let line: Int?
    /// What is wrong, for a person.
    package let detail: String

    package init(_ code: Code, line: Int? = nil, _ detail: String) {
        self.code = code
        self.line = line
        self.detail = detail
    }

    package var description: String {
        if let line { return "SDP line \(line): \(detail)" }
        return "SDP: \(detail)"
    }

    /// A short, fixed text for metrics labels (no values from the description).
    package var shortDescription: String { code.rawValue }
}

extension SDPParseError: Equatable {
    package static func == (lhs: SDPParseError, rhs: SDPParseError) -> Bool { lhs.code == rhs.code }
}
