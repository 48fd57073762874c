import SIPCore

/// Answers digest challenges (RFC 3261 §22.2–§22.4, RFC 7616, RFC 8760): from a WWW-Authenticate
/// (401) or Proxy-Authenticate (407) challenge and the connection's credentials it builds the
/// Authorization or Proxy-Authorization credentials.
///
/// Pure apart from the hash (libcrypto): the client nonce comes from the caller or from a random
/// generator the caller passes. It keeps the nonce count (`nc`) of the last few nonces, so one
/// authenticator belongs to one binding (RFC 7616 §3.4: nc counts the requests sent with a nonce).
///
/// Choices:
/// - `qop=auth` whenever the challenge offers it, `auth-int` only when it is the only offer, and
///   the RFC 2069 form (no qop, nc, cnonce) when the challenge names no qop.
/// - `algorithm` is echoed only when the challenge carried one, so MD5 servers of the RFC 2617
///   generation see exactly the fields they know.
/// - `userhash=true` challenges (RFC 7616 §3.4.4) get the hashed user name.
/// - `algorithm`, `qop` and `nc` are written as tokens, everything else quoted (RFC 7616 §3.4).
package struct DigestAuthenticator: Sendable, Hashable {
    /// A nonce's count. Realm and nonce are kept as the challenge wrote them (quotes included): the
    /// very strings of the challenge, so bindings answering one shared challenge share them too.
    private struct NonceUse: Sendable, Hashable {
        var realm: String
        var nonce: String
        var count: UInt32
    }

    /// Most recently used last. A binding answers one or two realms (registrar, proxy); a few
    /// entries cover a nonce change racing a refresh without letting a server grow the list.
    private var nonceUses: [NonceUse] = []

    /// How many nonces keep their count.
    package static let rememberedNonces = 4

    /// `reservingNonces`: room for that many nonce counts, made now: a binding's authenticator is
    /// made before its REGISTERs, so its long-lived list is not allocated amid their short-lived
    /// transactions. Default: none.
    package init(reservingNonces: Int = 0) {
        if reservingNonces > 0 { nonceUses.reserveCapacity(min(reservingNonces, Self.rememberedNonces)) }
    }

    /// The nonce count the next credentials for this nonce will carry (1 for a nonce not yet used).
    package func nextNonceCount(realm: String, nonce: String) -> UInt32 {
        var written = SIPAuthentication()
        written.set("realm", realm, quoted: true)
        written.set("nonce", nonce, quoted: true)
        return nextNonceCount(written: written)
    }

    /// The same for the realm and nonce as `challenge` writes them.
    private func nextNonceCount(written challenge: SIPAuthentication) -> UInt32 {
        let realm = challenge.parameters.value("realm")
        let nonce = challenge.parameters.value("nonce")
        return (nonceUses.last { $0.realm == realm && $0.nonce == nonce }?.count ?? 0) &+ 1
    }

    /// Credentials answering `challenge`, with a fresh 128-bit client nonce from `generator`.
    package mutating func credentials(
        answering challenge: SIPAuthentication, with credentials: DigestCredentials, method: SIPMethod,
        uri: String, body: some Collection<UInt8> = [UInt8](), using generator: inout some RandomNumberGenerator
    ) throws(DigestError) -> SIPAuthentication {
        let cnonce = lowercaseHex(
            withUnsafeBytes(of: (generator.next(), generator.next()) as (UInt64, UInt64)) { Array($0) })
        return try self.credentials(
            answering: challenge, with: credentials, method: method, uri: uri, body: body, cnonce: cnonce)
    }

    /// Credentials answering `challenge` with the given client nonce (the published test vectors
    /// fix it).
    package mutating func credentials(
        answering challenge: SIPAuthentication, with credentials: DigestCredentials, method: SIPMethod,
        uri: String, body: some Collection<UInt8> = [UInt8](), cnonce: String
    ) throws(DigestError) -> SIPAuthentication {
        guard challenge.isDigest else {
            throw DigestError(.unsupportedScheme, "scheme \(challenge.scheme) is not Digest")
        }
        guard let algorithm = DigestAlgorithm(token: challenge.algorithm), algorithm.hashFunction.isAvailable else {
            throw DigestError(.unsupportedAlgorithm, "algorithm \(challenge.algorithm ?? "MD5") is not supported")
        }
        guard let realm = challenge.realm, let nonce = challenge.nonce, !nonce.isEmpty else {
            throw DigestError(.missingParameter, "challenge without realm or nonce")
        }
        let qop = try Self.chooseQop(challenge)

        var count: UInt32 = 0
        if qop != nil {
            count = nextNonceCount(written: challenge)
            recordUse(
                realm: challenge.parameters.value("realm") ?? realm,
                nonce: challenge.parameters.value("nonce") ?? nonce, count: count)
        }
        let userhash = challenge.value("userhash")?.lowercased() == "true"
        var username = credentials.username
        if userhash {
            // §3.4.4: username = H(unq(username) ":" unq(realm)).
            guard let hashed = algorithm.hashFunction.hex("\(username):\(realm)") else {
                throw DigestError(.unsupportedAlgorithm, "algorithm \(algorithm.rawValue) is not available")
            }
            username = hashed
        }
        let computation = DigestComputation(
            algorithm: algorithm, username: credentials.username, realm: realm, nonce: nonce,
            method: method.rawValue, uri: uri, qop: qop, nonceCount: formatNonceCount(count),
            cnonce: qop == nil ? "" : cnonce)
        guard let response = computation.response(password: credentials.password, body: body) else {
            throw DigestError(.unsupportedAlgorithm, "algorithm \(algorithm.rawValue) is not available")
        }

        var out = SIPAuthentication(scheme: "Digest")
        out.set("username", username, quoted: true)
        out.set("realm", realm, quoted: true)
        out.set("nonce", nonce, quoted: true)
        out.set("uri", uri, quoted: true)
        out.set("response", response, quoted: true)
        if challenge.algorithm != nil { out.set("algorithm", algorithm.rawValue, quoted: false) }
        if let qop {
            out.set("qop", qop, quoted: false)
            out.set("nc", formatNonceCount(count), quoted: false)
            out.set("cnonce", cnonce, quoted: true)
        }
        if let opaque = challenge.opaque { out.set("opaque", opaque, quoted: true) }
        if userhash { out.set("userhash", "true", quoted: false) }
        return out
    }

    /// Whether this authenticator can answer the challenge at all.
    package static func canAnswer(_ challenge: SIPAuthentication) -> Bool {
        guard challenge.isDigest, challenge.realm != nil, challenge.nonce?.isEmpty == false,
            let algorithm = DigestAlgorithm(token: challenge.algorithm), algorithm.hashFunction.isAvailable
        else { return false }
        // No qop is answerable (the RFC 2069 form): only a qop list without auth or auth-int is not.
        do {
            _ = try chooseQop(challenge)
            return true
        } catch {
            return false
        }
    }

    /// The challenges to answer out of those a response carries: per realm, the strongest one this
    /// authenticator can answer (RFC 8760 §2.4; RFC 3261 §22.3 answers every realm). Order of first
    /// appearance is kept.
    package static func preferredChallenges(_ challenges: [SIPAuthentication]) -> [SIPAuthentication] {
        var best: [(realm: String, challenge: SIPAuthentication, preference: Int)] = []
        for c in challenges where canAnswer(c) {
            guard let realm = c.realm, let algorithm = DigestAlgorithm(token: c.algorithm) else { continue }
            if let i = best.firstIndex(where: { $0.realm == realm }) {
                if algorithm.preference > best[i].preference { best[i] = (realm, c, algorithm.preference) }
            } else {
                best.append((realm, c, algorithm.preference))
            }
        }
        return best.map(\.challenge)
    }

    /// `auth` when offered, else `auth-int`, nil when the challenge has no qop (RFC 2069 form).
    static func chooseQop(_ challenge: SIPAuthentication) throws(DigestError) -> String? {
        guard challenge.value("qop") != nil else { return nil }
        let offers = challenge.qopOptions.map { $0.lowercased() }
        if offers.contains("auth") { return "auth" }
        if offers.contains("auth-int") { return "auth-int" }
        throw DigestError(.unsupportedQop, "qop \"\(offers.joined(separator: ","))\" offers neither auth nor auth-int")
    }

    private mutating func recordUse(realm: String, nonce: String, count: UInt32) {
        nonceUses.removeAll { $0.realm == realm && $0.nonce == nonce }
        nonceUses.append(NonceUse(realm: realm, nonce: nonce, count: count))
        if nonceUses.count > Self.rememberedNonces { nonceUses.removeFirst(nonceUses.count - Self.rememberedNonces) }
    }
}
