import SIPCore
import Testing

@testable import SIPUserAgent

/// A challenge or credentials written as on the wire, parsed by SIPCore.
func parseAuthentication(_ header: String, _ value: String) throws -> SIPAuthentication {
    var m = SIPMessage.response(statusCode: 401)
    m.headers.add(name: SIPHeaderName(header), value: value)
    let list = header == "WWW-Authenticate" ? try m.wwwAuthenticate : try m.proxyAuthenticate
    return try #require(list.first)
}

@Suite("DigestAuthenticator (RFC 2617, RFC 7616, RFC 8760)")
struct DigestAuthenticatorTests {
    @Test("hash functions through libcrypto EVP: empty-string digests, lowercase hex")
    func hashFunctions() {
        #expect(DigestHashFunction.md5.hex("") == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(DigestHashFunction.sha256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            DigestHashFunction.sha512_256.hex("abc")
                == "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23")
    }

    @Test("RFC 2617 §3.5: MD5, qop=auth → 6629fae49393a05397450978507c4ef1")
    func rfc2617Example() throws {
        let challenge = try parseAuthentication(
            "WWW-Authenticate",
            #"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#
        )
        var authenticator = DigestAuthenticator()
        let credentials = try authenticator.credentials(
            answering: challenge, with: DigestCredentials(user: "Mufasa", password: "Circle Of Life"),
            method: SIPMethod("GET"), uri: "/dir/index.html", cnonce: "0a4f113b")
        #expect(credentials.response == "6629fae49393a05397450978507c4ef1")
        #expect(credentials.description.contains(#"qop=auth, nc=00000001, cnonce="0a4f113b""#))
        #expect(credentials.description.contains(#"opaque="5ccc069c403ebaf9f0171e9517f40e41""#))
        #expect(credentials.description.contains(#"username="Mufasa""#))
        #expect(credentials.value("algorithm") == nil, "no algorithm in the challenge, none echoed")
        #expect(DigestVerifier.verify(credentials, password: "Circle Of Life", method: SIPMethod("GET")))
        #expect(!DigestVerifier.verify(credentials, password: "Circle of Life", method: SIPMethod("GET")))
    }

    static let rfc7616Nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
    static let rfc7616Opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
    static let rfc7616Cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"

    @Test(
        "RFC 7616 §3.9.1: SHA-256 and MD5 for Mufasa / Circle of Life",
        arguments: [
            ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
            ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ])
    func rfc7616Examples(algorithm: String, expected: String) throws {
        let challenge = try parseAuthentication(
            "WWW-Authenticate",
            #"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=\#(algorithm), nonce="\#(Self.rfc7616Nonce)", opaque="\#(Self.rfc7616Opaque)""#
        )
        var authenticator = DigestAuthenticator()
        let credentials = try authenticator.credentials(
            answering: challenge, with: DigestCredentials(user: "Mufasa", password: "Circle of Life"),
            method: SIPMethod("GET"), uri: "/dir/index.html", cnonce: Self.rfc7616Cnonce)
        #expect(credentials.response == expected)
        #expect(credentials.description.contains("algorithm=\(algorithm),"), "algorithm is a bare token")
        #expect(credentials.description.contains("qop=auth,"))
        #expect(
            DigestVerifier.expectedResponse(for: credentials, password: "Circle of Life", method: SIPMethod("GET"))
                == expected)
    }

    @Test("nc counts per nonce: 1, 2, 3 on one nonce; a new nonce starts again at 1")
    func nonceCount() throws {
        let first = try parseAuthentication("WWW-Authenticate", #"Digest realm="r", nonce="n1", qop="auth""#)
        let second = try parseAuthentication("WWW-Authenticate", #"Digest realm="r", nonce="n2", qop="auth""#)
        var a = DigestAuthenticator()
        let c = DigestCredentials(user: "7001", password: "secret")
        var counts: [String?] = []
        for _ in 0..<3 {
            counts.append(
                try a.credentials(answering: first, with: c, method: .register, uri: "sip:example.net", cnonce: "x")
                    .value("nc"))
        }
        counts.append(
            try a.credentials(answering: second, with: c, method: .register, uri: "sip:example.net", cnonce: "x").value(
                "nc"))
        #expect(counts == ["00000001", "00000002", "00000003", "00000001"])
        #expect(a.nextNonceCount(realm: "r", nonce: "n1") == 4)
    }

    @Test("each algorithm round-trips through the verifier; -sess uses the cnonce", arguments: DigestAlgorithm.allCases)
    func everyAlgorithm(algorithm: DigestAlgorithm) throws {
        let challenge = try parseAuthentication(
            "Proxy-Authenticate", #"Digest realm="site-a", nonce="abc", qop="auth", algorithm=\#(algorithm.rawValue)"#)
        var a = DigestAuthenticator()
        var rng = SequenceRandom([1, 2, 3, 4])
        let c = DigestCredentials(user: "7001", password: "pw", authUser: "auth7001")
        let creds = try a.credentials(answering: challenge, with: c, method: .register, uri: "sip:site-a", using: &rng)
        #expect(creds.username == "auth7001")
        #expect(creds.value("cnonce")?.count == 32)
        #expect(DigestVerifier.verify(creds, password: "pw", method: .register))
        #expect(!DigestVerifier.verify(creds, password: "pw", method: .invite))
        var tampered = creds
        tampered.set("cnonce", "other", quoted: true)
        #expect(
            !DigestVerifier.verify(tampered, password: "pw", method: .register), "the cnonce is inside the response")
    }

    @Test("no qop in the challenge: RFC 2069 form without nc and cnonce")
    func legacyNoQop() throws {
        let challenge = try parseAuthentication("WWW-Authenticate", #"Digest realm="r", nonce="n""#)
        var a = DigestAuthenticator()
        let creds = try a.credentials(
            answering: challenge, with: DigestCredentials(user: "u", password: "p"), method: .register, uri: "sip:r",
            cnonce: "unused")
        #expect(creds.value("nc") == nil && creds.value("cnonce") == nil && creds.value("qop") == nil)
        let ha1 = DigestHashFunction.md5.hex("u:r:p")!
        let ha2 = DigestHashFunction.md5.hex("REGISTER:sip:r")!
        #expect(creds.response == DigestHashFunction.md5.hex("\(ha1):n:\(ha2)"))
        #expect(DigestVerifier.verify(creds, password: "p", method: .register))
    }

    @Test("auth-int only when it is the only offer; the body is hashed into A2")
    func authInt() throws {
        let challenge = try parseAuthentication("WWW-Authenticate", #"Digest realm="r", nonce="n", qop="auth-int""#)
        var a = DigestAuthenticator()
        let body = Array("v=0\r\n".utf8)
        let creds = try a.credentials(
            answering: challenge, with: DigestCredentials(user: "u", password: "p"), method: .invite, uri: "sip:x",
            body: body, cnonce: "c")
        #expect(creds.value("qop") == "auth-int")
        #expect(DigestVerifier.verify(creds, password: "p", method: .invite, body: body))
        #expect(!DigestVerifier.verify(creds, password: "p", method: .invite, body: Array("v=1".utf8)))
    }

    @Test("unanswerable challenges: other scheme, unknown algorithm, unknown qop, no nonce")
    func unsupported() throws {
        let cases: [(String, DigestError.Code)] = [
            (#"Basic realm="r""#, .unsupportedScheme),
            (#"Digest realm="r", nonce="n", algorithm=SHA-1"#, .unsupportedAlgorithm),
            (#"Digest realm="r", nonce="n", qop="auth-conf""#, .unsupportedQop),
            (#"Digest realm="r""#, .missingParameter),
        ]
        for (text, code) in cases {
            let challenge = try parseAuthentication("WWW-Authenticate", text)
            var a = DigestAuthenticator()
            #expect(!DigestAuthenticator.canAnswer(challenge))
            #expect(throws: DigestError(code, "")) {
                try a.credentials(
                    answering: challenge, with: DigestCredentials(user: "u", password: "hunter2"), method: .register,
                    uri: "sip:r", cnonce: "c")
            }
        }
    }

    @Test("RFC 8760: per realm the strongest supported challenge wins")
    func preference() throws {
        var m = SIPMessage.response(statusCode: 401)
        m.headers.add(.wwwAuthenticate, #"Digest realm="a", nonce="1", algorithm=MD5, qop="auth""#)
        m.headers.add(.wwwAuthenticate, #"Digest realm="a", nonce="2", algorithm=SHA-256, qop="auth""#)
        m.headers.add(.wwwAuthenticate, #"Digest realm="a", nonce="3", algorithm=SHA-1, qop="auth""#)
        m.headers.add(.wwwAuthenticate, #"Digest realm="b", nonce="4", qop="auth""#)
        let chosen = DigestAuthenticator.preferredChallenges(try m.wwwAuthenticate)
        #expect(chosen.map { $0.nonce } == ["2", "4"])
    }

    @Test("userhash=true: the user name is H(user:realm) and the verifier checks with the clear name")
    func userhash() throws {
        let challenge = try parseAuthentication(
            "WWW-Authenticate", #"Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256, userhash=true"#)
        var a = DigestAuthenticator()
        let creds = try a.credentials(
            answering: challenge, with: DigestCredentials(user: "7001", password: "p"), method: .register,
            uri: "sip:r", cnonce: "c")
        #expect(creds.username == DigestHashFunction.sha256.hex("7001:r"))
        #expect(creds.value("userhash") == "true")
        #expect(DigestVerifier.verify(creds, username: "7001", password: "p", method: .register))
    }

    @Test("the password appears in no description, debug description or dump")
    func passwordNeverPrinted() throws {
        let c = DigestCredentials(user: "7001", password: "hunter2-secret")
        var dumped = ""
        dump(c, to: &dumped)
        for text in [c.description, c.debugDescription, String(reflecting: c), "\(c)", dumped] {
            #expect(!text.contains("hunter2"))
        }
        let challenge = try parseAuthentication("WWW-Authenticate", #"Digest realm="r", nonce="n", qop="auth-conf""#)
        var a = DigestAuthenticator()
        do {
            _ = try a.credentials(answering: challenge, with: c, method: .register, uri: "sip:r", cnonce: "c")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
    }
}

/// A generator that returns a fixed sequence (cycled): randomness as an input.
struct SequenceRandom: RandomNumberGenerator {
    var values: [UInt64]
    var index = 0
    init(_ values: [UInt64]) { self.values = values }
    mutating func next() -> UInt64 {
        defer { index += 1 }
        return values[index % values.count]
    }
}
