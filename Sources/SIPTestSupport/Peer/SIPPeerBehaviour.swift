import SIPCore
import SIPUserAgent

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
    /// Default: ``verifiesDigest`` (the response recomputed from `password`).
    public var verifyResponse: ResponseVerifier

    public init(
        kind: Kind = .server, realm: String = "sip.test", nonce: String = "peer-nonce-1", username: String,
        password: String, algorithm: String = "MD5", qop: String? = "auth",
        verifyResponse: @escaping ResponseVerifier = SIPPeerDigestChallenge.verifiesDigest
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

    /// Recomputes the `response` the credentials should carry from the password (RFC 7616 §3.4.1:
    /// MD5 or SHA-256, with or without `-sess`, qop `auth` or none, through ``DigestVerifier``) and
    /// compares it in constant time. A wrong password fails here, and the peer answers it with the
    /// same challenge again (401/407), as Kamailio's `www_authorize` does — not with 403.
    public static let verifiesDigest: ResponseVerifier = { credentials, request, password in
        guard let method = request.method else { return false }
        return DigestVerifier.verify(
            credentials, password: password, method: method, body: request.body.readableBytesView)
    }

    /// Accepts any `response` value (only username, realm, nonce, algorithm and qop are checked): for
    /// a test about something other than the digest arithmetic, which then needs no real hash.
    public static let acceptsAnyResponse: ResponseVerifier = { _, _, _ in true }

    /// The credentials' qop is one the challenge offered (`auth`, or a list such as `auth,auth-int`),
    /// or both have none (RFC 2069 compatibility, RFC 7616 §3.4).
    private func offersQop(_ chosen: String?) -> Bool {
        guard let qop else { return chosen == nil }
        guard let chosen = chosen?.lowercased() else { return false }
        return qop.lowercased().split(separator: ",").contains { $0.filter { $0 != " " && $0 != "\t" } == chosen }
    }

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

    /// True when `request` carries credentials for this challenge — same username, realm, nonce and
    /// algorithm, a qop the challenge offered — that pass ``verifyResponse``. A request without them,
    /// or with a wrong response, is challenged again.
    func isAnswered(by request: SIPMessage) -> Bool {
        let credentials = (try? (kind == .server ? request.authorization : request.proxyAuthorization)) ?? []
        return credentials.contains { c in
            c.isDigest && c.username == username && c.realm == realm && c.nonce == nonce
                && (c.algorithm ?? "MD5").lowercased() == algorithm.lowercased()
                && offersQop(c.value("qop"))
                && verifyResponse(c, request, password)
        }
    }
}
