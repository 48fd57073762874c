import SIPCore

/// The server side of digest (RFC 7616 §3.4.1 from the registrar's view): recomputes the
/// `response` an Authorization or Proxy-Authorization header should carry, for the test peers and
/// the tests. It checks the arithmetic only; nonce freshness and nc replay are the server's policy.
package enum DigestVerifier {
    /// The response value the credentials should carry for this password, or nil when they are
    /// incomplete or name an algorithm this build cannot compute. `userhash=true` credentials are
    /// checked against `username`, the clear name the server knows.
    package static func expectedResponse(
        for credentials: SIPAuthentication, username: String? = nil, password: String, method: SIPMethod,
        body: some Collection<UInt8> = [UInt8]()
    ) -> String? {
        guard credentials.isDigest, let algorithm = DigestAlgorithm(token: credentials.algorithm),
            let realm = credentials.realm, let nonce = credentials.nonce, let uri = credentials.value("uri"),
            let name = username ?? credentials.username
        else { return nil }
        let qop = credentials.value("qop")
        if qop != nil, credentials.value("nc") == nil || credentials.value("cnonce") == nil { return nil }
        let computation = DigestComputation(
            algorithm: algorithm, username: name, realm: realm, nonce: nonce, method: method.rawValue, uri: uri,
            qop: qop, nonceCount: credentials.value("nc") ?? "", cnonce: credentials.value("cnonce") ?? "")
        return computation.response(password: password, body: body)
    }

    /// Whether the credentials' `response` is right for this password (compared in constant time).
    package static func verify(
        _ credentials: SIPAuthentication, username: String? = nil, password: String, method: SIPMethod,
        body: some Collection<UInt8> = [UInt8]()
    ) -> Bool {
        guard
            let expected = expectedResponse(
                for: credentials, username: username, password: password, method: method, body: body),
            let given = credentials.response?.lowercased()
        else { return false }
        let a = Array(expected.utf8)
        let b = Array(given.utf8)
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
