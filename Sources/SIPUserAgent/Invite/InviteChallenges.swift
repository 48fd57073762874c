import SIPCore

/// The rule for 401/407 on a session's requests (RFC 3261 §22.2, §22.3; RFC 7616 §3.3): the
/// challenge is answered once. A second challenge for a realm we already answered means the
/// credentials are wrong, unless it says `stale=true` (the nonce expired), which gets one more
/// answer; at most ``maximumRounds`` answers per request.
///
/// Only the connection's realms are answered (``DigestRealmPolicy``: its domain's, those its
/// registrar accepted, `auth_realm`); a challenge with none of them, or one the connection cannot
/// answer (no password, no `qop=auth` under `require_qop`), ends the request with the challenge's
/// own status and the refusal in its reason phrase.
enum InviteChallenges {
    static let maximumRounds = 2

    enum Decision: Equatable {
        /// Send again answering these (every realm so far, new ones replacing old ones of the
        /// same realm).
        case answer([RegistrationChallenge])
        /// Not answered for this reason: the response is final, its phrase extended by
        /// ``refused(_:_:)``.
        case refuse(DigestRefusal)
        /// The response is final as it is.
        case final
    }

    static func answer(
        _ response: SIPMessage, previous: [RegistrationChallenge], rounds: Int, realms: DigestRealmPolicy
    ) -> Decision {
        guard let code = response.statusCode, code == 401 || code == 407, rounds < maximumRounds else { return .final }
        let kind: RegistrationChallenge.Kind = code == 401 ? .server : .proxy
        let offered = code == 401 ? ((try? response.wwwAuthenticate) ?? []) : ((try? response.proxyAuthenticate) ?? [])
        let answerable = DigestAuthenticator.preferredChallenges(offered).map {
            RegistrationChallenge(kind: kind, challenge: $0)
        }
        guard !answerable.isEmpty else { return .final }
        let usable = answerable.filter { realms.refusal(of: $0.challenge, registering: false) == nil }
        guard !usable.isEmpty else {
            return answerable.lazy.compactMap { realms.refusal(of: $0.challenge, registering: false) }.first.map {
                .refuse($0)
            }
                ?? .final
        }
        let answered = Set(previous.map(\.realmKey))
        if usable.contains(where: { !$0.challenge.isStale && answered.contains($0.realmKey) }) { return .final }
        let kept = previous.filter { old in !usable.contains { $0.realmKey == old.realmKey } }
        return .answer(kept + usable)
    }

    /// `response` with the refusal after its reason phrase:
    /// `407 Proxy Authentication Required (realm "evil.example" is not this connection's; see auth_realm)`.
    static func refused(_ response: SIPMessage, _ refusal: DigestRefusal) -> SIPMessage {
        guard let code = response.statusCode else { return response }
        var out = response
        let phrase = response.reasonPhrase ?? SIPStatus.reasonPhrase(for: code)
        out.startLine = .response(statusCode: code, reasonPhrase: "\(phrase) (\(refusal))")
        return out
    }
}
