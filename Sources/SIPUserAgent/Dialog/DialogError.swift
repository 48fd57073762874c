/// Why a dialog could not be created from a message (RFC 3261 §12.1). Equality is by code; the
/// detail is a short text safe for logs (it never holds credentials, only header names).
package struct DialogError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: Hashable, Sendable {
        /// Call-ID, From, To or CSeq is missing or malformed.
        case malformedHeader
        /// The From (UAS) or To (UAC) has no tag: an RFC 2543 peer, not supported.
        case missingTag
        /// A dialog-creating request or 2xx without a usable Contact (§8.1.1.8, §12.1.2).
        case missingContact
    }

    package let code: Code
    package let detail: String

    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    package static func == (lhs: DialogError, rhs: DialogError) -> Bool { lhs.code == rhs.code }
    package func hash(into hasher: inout Hasher) { hasher.combine(code) }

    package var description: String { "dialog error (\(code)): \(detail)" }
}
