import SIPCore

/// What a ``SIPTestPeer`` does with a request of a given method.
public enum SIPPeerBehaviour: Sendable {
    /// Answer with this status code (reason phrase RFC 3261's unless given), extra headers, after a delay.
    case respond(statusCode: Int, reasonPhrase: String? = nil, headers: [SIPPeerHeader] = [], delay: Duration = .zero)
    /// Ask for digest credentials (401 or 407); a request carrying acceptable ones gets `thenRespond`.
    case challenge(SIPPeerDigestChallenge, thenRespond: Int = 200)
    /// Send nothing at all, as a site that swallows the request.
    case silent
    /// Close the connection the request came on (nothing for UDP).
    case closeConnection

    /// `200 OK` at once: what a peer does for a method with no rule.
    public static let ok = SIPPeerBehaviour.respond(statusCode: 200)
}

/// One header a scripted response carries.
public struct SIPPeerHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A digest challenge (RFC 3261 §22.4, RFC 7616) and what the peer accepts in answer.
public struct SIPPeerDigestChallenge: Sendable {
    public enum Kind: Sendable, Hashable {
        /// `401 Unauthorized` with WWW-Authenticate, answered with Authorization (a registrar, a UAS).
        case server
        /// `407 Proxy Authentication Required` with Proxy-Authenticate, answered with Proxy-Authorization.
        case proxy
    }

    /// Checks the `response` value of credentials whose username, realm and nonce already match.
    /// Arguments: the credentials, the request, the expected password.
    public typealias ResponseVerifier = @Sendable (SIPAuthentication, SIPMessage, String) -> Bool

    public var kind: Kind
    public var realm: String
    public var nonce: String
    public var username: String
    public var password: String
    /// Default: MD5.
    public var algorithm: String
    /// Default: `auth`.
    public var qop: String?
    /// Default: ``acceptsAnyResponse`` — see its TODO.
    public var verifyResponse: ResponseVerifier

    public init(
        kind: Kind = .server, realm: String = "sip.test", nonce: String = "peer-nonce-1", username: String,
        password: String, algorithm: String = "MD5", qop: String? = "auth",
        verifyResponse: @escaping ResponseVerifier = SIPPeerDigestChallenge.acceptsAnyResponse
    ) {
        self.kind = kind
        self.realm = realm
        self.nonce = nonce
        self.username = username
        self.password = password
        self.algorithm = algorithm
        self.qop = qop
        self.verifyResponse = verifyResponse
    }

    /// TODO(digest-verify): accepts any `response` value. Computing the expected digest needs MD5 and
    /// SHA-256, which arrive with the libcrypto module; replace this default with a verifier that
    /// recomputes HA1/HA2 (RFC 7616 §3.4.1) from `password`. Until then only username, realm and nonce
    /// are checked.
    public static let acceptsAnyResponse: ResponseVerifier = { _, _, _ in true }

    var statusCode: Int { kind == .server ? 401 : 407 }
    var challengeHeader: SIPHeaderName { kind == .server ? .wwwAuthenticate : .proxyAuthenticate }

    /// The challenge header value.
    var challengeValue: String {
        var auth = SIPAuthentication(scheme: "Digest")
        auth.set("realm", realm, quoted: true)
        auth.set("nonce", nonce, quoted: true)
        auth.set("algorithm", algorithm, quoted: false)
        if let qop { auth.set("qop", qop, quoted: true) }
        return auth.description
    }

    /// True when `request` carries credentials for this challenge that pass ``verifyResponse``.
    func isAnswered(by request: SIPMessage) -> Bool {
        let credentials = (try? (kind == .server ? request.authorization : request.proxyAuthorization)) ?? []
        return credentials.contains { c in
            c.isDigest && c.username == username && c.realm == realm && c.nonce == nonce
                && verifyResponse(c, request, password)
        }
    }
}
