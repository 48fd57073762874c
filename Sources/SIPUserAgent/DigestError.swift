/// Why credentials could not be computed for a challenge. Equality is by code; the description
/// names the challenge's offending value, never a password.
package struct DigestError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: Hashable, Sendable {
        /// The scheme is not `Digest`.
        case unsupportedScheme
        /// The `algorithm` is not one of RFC 7616's (or libcrypto lacks its hash).
        case unsupportedAlgorithm
        /// The challenge offers `qop` values, none of them `auth` or `auth-int`.
        case unsupportedQop
        /// `realm` or `nonce` is missing.
        case missingParameter
    }

    package let code: Code
    /// Short and safe for logs: what was wrong, quoting only challenge values.
    package let detail: String

    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    package static func == (lhs: DigestError, rhs: DigestError) -> Bool { lhs.code == rhs.code }
    package func hash(into hasher: inout Hasher) { hasher.combine(code) }
    package var description: String { "digest: \(detail)" }
}
