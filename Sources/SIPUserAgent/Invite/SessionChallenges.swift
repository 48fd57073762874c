import SIPCore

/// The rule for 401/407 on a session's requests (RFC 3261 §22.2, §22.3; RFC 7616 §3.3): the
/// challenge is answered once. A second challenge for a realm we already answered means the
/// credentials are wrong, unless it says `stale=true` (the nonce expired), which gets one more
/// answer; at most ``maximumRounds`` answers per request.
enum SessionChallenges {
    static let maximumRounds = 2

    /// The challenges the next attempt answers (every realm so far, the new ones replacing old
    /// ones of the same realm), or nil when the response must be taken as final.
    static func answer(
        _ response: SIPMessage, previous: [RegistrationChallenge], rounds: Int
    ) -> [RegistrationChallenge]? {
        guard let code = response.statusCode, code == 401 || code == 407, rounds < maximumRounds else { return nil }
        let kind: RegistrationChallenge.Kind = code == 401 ? .server : .proxy
        let offered = code == 401 ? ((try? response.wwwAuthenticate) ?? []) : ((try? response.proxyAuthenticate) ?? [])
        let usable = DigestAuthenticator.preferredChallenges(offered).map { RegistrationChallenge(kind: kind, challenge: $0) }
        guard !usable.isEmpty else { return nil }
        let answered = Set(previous.map(\.realmKey))
        if usable.contains(where: { !$0.challenge.isStale && answered.contains($0.realmKey) }) { return nil }
        let kept = previous.filter { old in !usable.contains { $0.realmKey == old.realmKey } }
        return kept + usable
    }
}
