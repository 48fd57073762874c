import SIPCore

/// The facts of a final response to our REGISTER that the registration machine reasons about,
/// taken out of the message by the driver (or written by hand in tests).
package struct RegisterResponse: Hashable, Sendable {
    package var statusCode: Int
    package var reasonPhrase: String
    /// The lifetime granted to our binding: the matching Contact's `expires`, else the Expires
    /// header (RFC 3261 §10.2.4); nil when the response carries neither.
    package var grantedExpires: Int?
    /// Min-Expires of a 423 (RFC 3261 §10.2.8).
    package var minExpires: Int?
    /// Retry-After seconds (RFC 3261 §20.33), for 503 and friends.
    package var retryAfter: Int?
    /// WWW-Authenticate (401) and Proxy-Authenticate (407) challenges, in order.
    package var challenges: [RegistrationChallenge]

    package init(
        statusCode: Int, reasonPhrase: String? = nil, grantedExpires: Int? = nil, minExpires: Int? = nil,
        retryAfter: Int? = nil, challenges: [RegistrationChallenge] = []
    ) {
        self.statusCode = statusCode
        self.reasonPhrase = reasonPhrase ?? SIPStatus.reasonPhrase(for: statusCode)
        self.grantedExpires = grantedExpires
        self.minExpires = minExpires
        self.retryAfter = retryAfter
        self.challenges = challenges
    }

    /// Reads a response. A malformed header counts as absent: the status code still decides, and
    /// nothing a registrar writes can stop the machine.
    ///
    /// Our Contact is found by `+sip.instance` and `reg-id` when we sent them (RFC 5626 §4.2.1:
    /// the registrar may rewrite the URI), else by the URI's user, host and port.
    package init(_ message: SIPMessage, contact: SIPNameAddress) {
        self.init(statusCode: message.statusCode ?? 0, reasonPhrase: message.reasonPhrase)
        let ours = SIPContact.address(contact)
        let contacts = (try? message.contacts) ?? []
        let matching = contacts.first { c in
            if let instance = ours.instance {
                return c.instance == instance && c.regID == ours.regID
            }
            guard let a = c.address?.uri else { return false }
            return a.user == contact.uri.user && a.host.lowercased() == contact.uri.host.lowercased()
                && (a.port ?? 5060) == (contact.uri.port ?? 5060)
        }
        grantedExpires = matching?.expires ?? ((try? message.expires) ?? nil)
        minExpires = (try? message.minExpires) ?? nil
        retryAfter = ((try? message.retryAfter) ?? nil)?.seconds
        challenges =
            ((try? message.wwwAuthenticate) ?? []).map { RegistrationChallenge(kind: .server, challenge: $0) }
            + ((try? message.proxyAuthenticate) ?? []).map { RegistrationChallenge(kind: .proxy, challenge: $0) }
    }
}
