/// The arithmetic of RFC 7616 §3.4.1–§3.4.3, shared by the client (``DigestAuthenticator``) and the
/// server-side check (``DigestVerifier``) so that both sides compute one formula.
///
///     A1       = username ":" realm ":" passwd                       (§3.4.2)
///     A1 -sess = H(username ":" realm ":" passwd) ":" nonce ":" cnonce
///     A2       = Method ":" request-uri                              (§3.4.3, qop=auth or absent)
///     A2 (int) = Method ":" request-uri ":" H(entity-body)           (qop=auth-int)
///     response = KD(H(A1), nonce ":" nc ":" cnonce ":" qop ":" H(A2))  with qop
///     response = H(H(A1) ":" nonce ":" H(A2))                        without qop (RFC 2069, §3.4.1 compat.)
struct DigestComputation {
    var algorithm: DigestAlgorithm
    var username: String
    var realm: String
    var nonce: String
    var method: String
    var uri: String
    /// nil for the RFC 2069 form (challenge without qop).
    var qop: String?
    /// Eight lowercase hex digits.
    var nonceCount: String
    var cnonce: String

    /// The `response` value, or nil when libcrypto lacks the hash function.
    func response(password: String, body: some Collection<UInt8>) -> String? {
        let h = algorithm.hashFunction
        guard var ha1 = h.hex("\(username):\(realm):\(password)") else { return nil }
        if algorithm.isSession {
            guard let s = h.hex("\(ha1):\(nonce):\(cnonce)") else { return nil }
            ha1 = s
        }
        let a2: String
        if qop == "auth-int" {
            guard let bodyHash = h.hex(body) else { return nil }
            a2 = "\(method):\(uri):\(bodyHash)"
        } else {
            a2 = "\(method):\(uri)"
        }
        guard let ha2 = h.hex(a2) else { return nil }
        if let qop {
            return h.hex("\(ha1):\(nonce):\(nonceCount):\(cnonce):\(qop):\(ha2)")
        }
        return h.hex("\(ha1):\(nonce):\(ha2)")
    }
}

/// `nc` as RFC 7616 §3.4 writes it: 8 hex digits.
func formatNonceCount(_ count: UInt32) -> String {
    let hex = String(count, radix: 16)
    return String(repeating: "0", count: max(0, 8 - hex.count)) + hex
}
