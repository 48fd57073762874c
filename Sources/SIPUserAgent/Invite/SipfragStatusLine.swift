import SIPCore

/// The status line of a `message/sipfrag` body (RFC 3420) in a NOTIFY of the refer event
/// package (RFC 3515 §2.4.5): `SIP/2.0 180 Ringing`.
package struct SipfragStatusLine: Hashable, Sendable {
    package var statusCode: Int
    package var reasonPhrase: String

    /// Nil unless the body starts with a SIP status line with a 100–699 code.
    package init?(body: SessionBody) {
        let text = body.text
        guard let line = text.split(whereSeparator: \.isNewline).first else { return nil }
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].uppercased() == "SIP/2.0", parts[1].count == 3,
            let code = Int(parts[1]), (100...699).contains(code)
        else { return nil }
        statusCode = code
        reasonPhrase = parts.count > 2 ? String(parts[2]) : SIPStatus.reasonPhrase(for: code)
    }
}

/// The Subscription-State header (RFC 6665 §8.2.3): `active;expires=60`, `terminated;reason=noresource`.
package struct SubscriptionState: Hashable, Sendable {
    package var state: String
    package var reason: String?

    /// Nil for an empty value.
    package init?(headerValue: String) {
        let parts = headerValue.split(separator: ";").map { $0.trimmedSpaces }
        guard let first = parts.first, !first.isEmpty else { return nil }
        state = first.lowercased()
        reason = parts.dropFirst().first { $0.lowercased().hasPrefix("reason=") }.map { String($0.dropFirst(7)) }
    }

    package var isTerminated: Bool { state == "terminated" }
}
