import NIOCore
import Testing

@testable import SIPCore

/// Every header the issue lists, parsed into its typed form.
@Suite("Typed headers")
struct HeaderParsingTests {
    @Test(arguments: [
        ("i", SIPHeaderName.callID), ("m", .contact), ("f", .from), ("t", .to), ("v", .via), ("l", .contentLength),
        ("c", .contentType), ("k", .supported), ("s", .subject), ("e", .contentEncoding), ("o", .event),
        ("u", .allowEvents), ("r", .referTo), ("x", .sessionExpires), ("a", .acceptContact), ("b", .referredBy),
        ("y", .identity), ("d", .requestDisposition), ("j", .rejectContact),
    ])
    func compactForms(compact: String, name: SIPHeaderName) {
        #expect(SIPHeaderName(compact) == name)
        #expect(SIPHeaderName(compact.uppercased()) == name)
        #expect(SIPHeaderName(name.canonicalName.lowercased()) == name)
    }

    @Test func compactFormsParseInMessages() throws {
        let text = sip(
            "INVITE sip:bob@example.com SIP/2.0", "v: SIP/2.0/TCP 127.0.2.1;branch=z9hG4bK1",
            "f: <sip:a@example.com>;tag=1",
            "t: <sip:bob@example.com>", "i: compact@example.com", "m: <sip:a@127.0.2.1>", "k: timer, replaces",
            "o: refer;id=3", "x: 1800;refresher=uac", "r: <sip:carol@example.com>", "b: <sip:a@example.com>",
            "CSeq: 1 INVITE", "c: application/sdp", "l: 0", "", "")
        let m = try parse(text)
        try m.validate()
        #expect(try m.callID == "compact@example.com")
        #expect(try m.supported == ["timer", "replaces"])
        #expect(try m.event?.type == "refer" && m.event?.id == "3")
        #expect(try m.sessionExpires?.seconds == 1800 && m.sessionExpires?.refresher == "uac")
        #expect(try m.referTo?.uri.user == "carol")
        #expect(try m.referredBy?.uri.user == "a")
        #expect(try m.contentType?.matches(.sdp) == true)
    }

    @Test func viaParameters() throws {
        let m = try parse(
            request(
                with:
                    "Via: SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bKx;received=127.0.2.7;rport=5071;maddr=127.2.0.1;ttl=16;x-ext"
            ))
        let via = try m.via[1]
        #expect(via.host == "[2001:db8::9]" && via.port == 5070)
        #expect(via.branch == "z9hG4bKx" && via.received == "127.0.2.7" && via.rport == 5071)
        #expect(via.maddr == "127.2.0.1" && via.ttl == 16 && via.parameters.contains("x-ext"))
        let bare = try parse(request()).topVia
        #expect(bare.rport == nil && !bare.hasRPort && bare.sentBy == "127.0.2.1")
        let withRport = try parse(request(with: "Via: SIP/2.0/TCP h.example.com;rport;branch=z9hG4bK2")).via[1]
        #expect(withRport.hasRPort && withRport.rport == nil && withRport.transport == "TCP")
        #expect(withRport.description == "SIP/2.0/TCP h.example.com;rport;branch=z9hG4bK2")
    }

    @Test func unbracketedIPv6Received() throws {
        let via = try parse(
            request(with: "Via: SIP/2.0/UDP [2001:db8::9]:5070;received=2001:db8::9;rport=5070;branch=z9hG4bK4")
        ).via[1]
        #expect(via.received == "2001:db8::9")
        #expect(via.rport == 5070 && via.branch == "z9hG4bK4")
    }

    @Test func repeatedAndCommaSeparatedVia() throws {
        let m = try parse(
            request(with: "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKa, SIP/2.0/UDP b.example.com;branch=z9hG4bKb"))
        #expect(try m.via.map(\.host) == ["127.0.2.1", "a.example.com", "b.example.com"])
    }

    @Test func nameAddrAndAddrSpec() throws {
        let m = try parse(
            request(
                with:
                    "Contact: \"Quoted \\\"Name\\\"\" <sip:u:pw@[::1]:5080;transport=tcp?Subject=hi>;q=0.5;expires=60",
                "Contact: sip:plain@127.0.2.9;expires=30"))
        let c = try m.contacts
        let first = try #require(c[0].address)
        #expect(first.displayName == "Quoted \"Name\"")
        #expect(
            first.uri.user == "u" && first.uri.password == "pw" && first.uri.host == "[::1]" && first.uri.port == 5080)
        #expect(first.uri.transportParameter == "tcp" && first.uri.headers.value("Subject") == "hi")
        #expect(c[0].q == 0.5 && c[0].expires == 60)
        #expect(c[1].address?.uri.host == "127.0.2.9" && c[1].expires == 30)
    }

    @Test func contactWildcardAndOutboundParameters() throws {
        let star = try parse(request(with: "Contact: *", "Expires: 0"))
        #expect(try star.contacts == [.wildcard])
        #expect(try star.expires == 0)
        let outbound = try parse(
            request(
                with:
                    "Contact: <sip:7001@127.0.2.10;transport=tcp;ob>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\";reg-id=2"
            ))
        let contact = try #require(try outbound.contacts.first)
        #expect(contact.instance == "<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>")
        #expect(contact.regID == 2)
        #expect(contact.address?.uri.parameters.contains("ob") == true)
        #expect(rejection(request(with: "Contact: *, <sip:a@b>")) != nil)
    }

    @Test func routeAndRecordRoute() throws {
        let m = try parse(
            request(
                with: "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>", "Route: <sip:p3.example.com;lr>",
                "Record-Route: <sip:rr.example.com;lr;ftag=x>"))
        #expect(try m.routes.map(\.uri.host) == ["p1.example.com", "p2.example.com", "p3.example.com"])
        #expect(try m.routes.allSatisfy(\.uri.isLooseRouter))
        #expect(try m.recordRoutes.first?.uri.parameters.value("ftag") == "x")
    }

    @Test func digestHeaders() throws {
        let m = try parse(
            sip(
                "SIP/2.0 401 Unauthorized", "Via: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK1",
                "From: <sip:a@example.com>;tag=1",
                "To: <sip:a@example.com>;tag=2", "Call-ID: c1", "CSeq: 1 REGISTER",
                "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"abc,def\", qop=\"auth,auth-int\", algorithm=SHA-256, stale=TRUE, opaque=\"o\"",
                "Proxy-Authenticate: Digest realm=\"proxy\", nonce=\"n2\", Basic realm=\"other\"",
                "Authentication-Info: nextnonce=\"n3\", qop=auth, rspauth=\"abcd\", cnonce=\"c\", nc=00000001",
                "Content-Length: 0", "", ""))
        let challenge = try #require(try m.wwwAuthenticate.first)
        #expect(challenge.isDigest && challenge.realm == "example.com" && challenge.nonce == "abc,def")
        #expect(challenge.qopOptions == ["auth", "auth-int"] && challenge.algorithm == "SHA-256")
        #expect(challenge.isStale && challenge.opaque == "o")
        let proxy = try m.proxyAuthenticate
        #expect(proxy.map(\.scheme) == ["Digest", "Basic"])
        #expect(try m.authenticationInfo?.value("nextnonce") == "n3")
        let req = try parse(
            request(
                with:
                    "Authorization: Digest username=\"7001\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"0123\", algorithm=MD5, cnonce=\"c\", qop=auth, nc=00000001",
                "Proxy-Authorization: Digest username=\"7001\", realm=\"p\", nonce=\"n\", uri=\"sip:r\", response=\"4567\""
            ))
        #expect(try req.authorization.first?.username == "7001")
        #expect(try req.authorization.first?.value("nc") == "00000001")
        #expect(try req.proxyAuthorization.first?.response == "4567")
        // Values are kept as written, so the header is written back byte for byte.
        #expect(
            try req.authorization.first?.description
                == "Digest username=\"7001\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"0123\", algorithm=MD5, cnonce=\"c\", qop=auth, nc=00000001"
        )
    }

    @Test func scalarHeaders() throws {
        let m = try parse(
            request(
                with: "Expires: 3600", "Min-Expires: 60", "Retry-After: 120 (I'm in a meeting) ;duration=3600",
                "Allow: INVITE, ACK,CANCEL , BYE", "Supported:", "Require: 100rel", "Session-Expires: 90",
                "Content-Type: multipart/mixed ; boundary=\"b 1\""))
        #expect(try m.expires == 3600 && m.minExpires == 60)
        let retry = try #require(try m.retryAfter)
        #expect(retry.seconds == 120 && retry.comment == "I'm in a meeting" && retry.duration == 3600)
        #expect(try m.allow == [.invite, .ack, .cancel, .bye])
        #expect(try m.supported.isEmpty)
        #expect(try m.require == ["100rel"])
        #expect(try m.sessionExpires?.seconds == 90 && m.sessionExpires?.refresher == nil)
        #expect(try m.contentType?.parameters.value("boundary") == "\"b 1\"")
        #expect(try m.maxForwards == 70)
        #expect(try m.cseq.sequenceNumber == 1)
    }

    @Test func badScalarValues() {
        #expect(rejection(request(with: "Expires: soon"))?.code == .invalidHeaderValue)
        #expect(rejection(request(with: "Retry-After: (comment only)"))?.code == .invalidHeaderValue)
        #expect(rejection(request(with: "Retry-After: 5 (unbalanced"))?.code == .invalidHeaderValue)
        #expect(rejection(request(with: "Session-Expires: 90;refresher=nobody"))?.code == .invalidHeaderValue)
        #expect(rejection(request(with: "Allow: INVITE,,BYE"))?.code == .invalidHeaderValue)
        #expect(rejection(request(with: "Content-Type: text"))?.code == .invalidHeaderValue)
        #expect(rejection(request(with: "Contact: <sip:a@b>;q=1.5"))?.code == .invalidHeaderValue)
        #expect(rejection(request(with: "Via: SIP/2.0/UDP h;rport=99999;branch=z9hG4bK3"))?.code == .invalidHeaderValue)
        #expect(rejection(request(with: "Authorization: Digest username"))?.code == .invalidHeaderValue)
    }

    @Test func headerLookupIsCaseInsensitiveAndKeepsSpelling() throws {
        let m = try parse(request(with: "X-Custom-Header: one", "x-custom-header: two"))
        #expect(m.headers["X-CUSTOM-HEADER"] == ["one", "two"])
        #expect(m.headers.contains("x-CUSTOM-header"))
        let serialized = m.text
        #expect(serialized.contains("X-Custom-Header: one\r\nx-custom-header: two\r\n"))
    }
}

@Suite("Header list editing")
struct HeaderEditingTests {
    @Test func addPrependReplaceRemove() throws {
        var h = SIPHeaders()
        h.add(.via, "SIP/2.0/UDP a;branch=z9hG4bK1")
        h.prepend(.via, "SIP/2.0/UDP b;branch=z9hG4bK2")
        h.add(name: SIPHeaderName("X-A"), value: "1")
        h.add(name: SIPHeaderName("x-a"), value: "2")
        #expect(h.values(for: .via) == ["SIP/2.0/UDP b;branch=z9hG4bK2", "SIP/2.0/UDP a;branch=z9hG4bK1"])
        h.replaceOrAdd(SIPHeaderName("X-A"), "3")
        #expect(h["x-a"] == ["3"])
        h.remove(.via)
        #expect(h.count == 1)
    }

    @Test func valuesCannotInjectLines() throws {
        var h = SIPHeaders()
        h.add(name: SIPHeaderName("Subject"), value: "hi\r\nVia: evil")
        #expect(h.first(.subject) == "hi  Via: evil")
    }
}
