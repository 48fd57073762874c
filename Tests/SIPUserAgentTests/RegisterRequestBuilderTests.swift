import NIOCore
import SIPCore
import SIPTransport
import Testing

@testable import SIPUserAgent

func makeBuilder(_ transport: SIPTransportProtocol, regID: Int = 1) throws -> RegisterRequestBuilder {
    var rng = SequenceRandom([0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210])
    return RegisterRequestBuilder(
        addressOfRecord: try SIPURI("sip:7001@site-a.example.net"), displayName: "Agent 7001",
        registrarURI: try SIPURI("sip:site-a.example.net"), contactURI: try SIPURI("sip:7001@127.0.0.1:5070"),
        transport: transport, instanceURN: SIPIdentifiers.instanceURN(using: &rng), regID: regID,
        callID: "reg-call-1", fromTag: "tag-1")
}

/// What goes on the wire, parsed back: the builder's output must survive SIPCore's own parser.
func wire(_ m: SIPMessage) throws -> SIPMessage {
    let parsed = try SIPMessage(parsing: m.text)
    try parsed.validate()
    return parsed
}

@Suite("RegisterRequestBuilder and OptionsRequestBuilder")
struct RegisterRequestBuilderTests {
    @Test(
        "TCP: Request-URI sip:domain, AOR in From/To, stable Call-ID and tag, CSeq +1, Contact with instance, reg-id, ;ob"
    )
    func tcpRegister() throws {
        var b = try makeBuilder(.tcp, regID: 2)
        let first = try wire(b.register(expires: 3600, branch: "z9hG4bK1"))
        let second = try wire(b.register(expires: 3600, branch: "z9hG4bK2"))
        #expect(first.requestURI?.description == "sip:site-a.example.net")
        #expect(try first.from.uri.description == "sip:7001@site-a.example.net")
        #expect(try first.from.tag == "tag-1" && first.to.tag == nil)
        #expect(try first.from.displayName == "Agent 7001")
        #expect(try first.callID == second.callID)
        #expect(try second.from.tag == "tag-1")
        #expect(try [first.cseq, second.cseq] == [SIPCSeq(1, .register), SIPCSeq(2, .register)])
        #expect(try first.topVia.branch == "z9hG4bK1" && first.topVia.transport == "TCP")
        #expect(try first.maxForwards == 70 && first.expires == 3600)
        let contact = try #require(try first.contacts.first)
        #expect(contact.instance == "<urn:uuid:efcdab89-6745-4301-9032-547698badcfe>")
        #expect(contact.regID == 2)
        #expect(contact.address?.uri.parameters.contains("ob") == true)
        #expect(contact.address?.uri.transportParameter == "tcp")
        #expect(try first.supported.contains("outbound"))
        #expect(try first.allow.contains(.invite))
        #expect(first.headers.first(.userAgent) == "SipEndpoint")
    }

    @Test("UDP: +sip.instance but no reg-id, no ;ob, no transport parameter")
    func udpRegister() throws {
        var b = try makeBuilder(.udp)
        let m = try wire(b.register(expires: 0, branch: "z9hG4bKx"))
        let contact = try #require(try m.contacts.first)
        #expect(contact.instance?.hasPrefix("<urn:uuid:") == true)
        #expect(contact.regID == nil)
        #expect(contact.address?.uri.parameters.contains("ob") == false)
        #expect(contact.address?.uri.transportParameter == nil)
        #expect(try m.expires == 0)
        #expect(try !m.supported.contains("outbound"))
    }

    @Test("credentials go in Authorization / Proxy-Authorization, and verify at the server")
    func credentialsHeaders() throws {
        var b = try makeBuilder(.tls)
        var a = DigestAuthenticator()
        var c = SIPAuthentication()
        c.set("realm", "site-a", quoted: true)
        c.set("nonce", "n1", quoted: true)
        c.set("qop", "auth", quoted: true)
        let creds = try a.credentials(
            answering: c, with: DigestCredentials(user: "7001", password: "pw"), method: .register, uri: b.digestURI,
            cnonce: "cn")
        let m = try wire(
            b.register(
                expires: 3600, branch: "z9hG4bK3", credentials: [(.authorization, creds), (.proxyAuthorization, creds)])
        )
        let sent = try #require(try m.authorization.first)
        #expect(sent.value("uri") == "sip:site-a.example.net")
        #expect(DigestVerifier.verify(sent, password: "pw", method: .register))
        #expect(try m.proxyAuthorization.count == 1)
        #expect(!m.text.contains("pw\""))
    }

    @Test("OPTIONS probes: one Call-ID and tag, rising CSeq, Request-URI the server")
    func optionsProbe() throws {
        var o = OptionsRequestBuilder(
            targetURI: try SIPURI("sip:site-a.example.net"), addressOfRecord: try SIPURI("sip:7001@site-a.example.net"),
            transport: .udp, localURI: try SIPURI("sip:127.0.0.1:5070"), callID: "probe-1", fromTag: "pt")
        let p1 = try wire(o.probe(branch: "z9hG4bKp1"))
        let p2 = try wire(o.probe(branch: "z9hG4bKp2"))
        #expect(p1.method == .options && p1.requestURI?.description == "sip:site-a.example.net")
        #expect(try p1.callID == "probe-1" && p2.callID == "probe-1")
        #expect(try [p1.cseq.sequenceNumber, p2.cseq.sequenceNumber] == [1, 2])
        #expect(try p2.topVia.branch == "z9hG4bKp2")
    }

    @Test("identifiers: hex of the asked length, branch with the magic cookie, a v4 UUID URN")
    func identifiers() {
        var rng = SequenceRandom([1, 2, 3])
        #expect(SIPIdentifiers.hex(count: 20, using: &rng).count == 20)
        #expect(SIPIdentifiers.branch(using: &rng).hasPrefix("z9hG4bK"))
        let urn = SIPIdentifiers.instanceURN(using: &rng)
        #expect(urn.count == "urn:uuid:".count + 36)
        #expect(Array(urn)["urn:uuid:".count + 14] == "4")
    }

    @Test("RegisterResponse: the matching Contact's expires wins over the Expires header; other bindings ignored")
    func grantedExpires() throws {
        let b = try makeBuilder(.tcp, regID: 1)
        let ours = b.contact
        var other = ours
        other.parameters.set("+sip.instance", "\"<urn:uuid:00000000-0000-4000-8000-000000000000>\"")
        var h = SIPHeaders()
        h.add(.contact, other.description + ";expires=999")
        h.add(.contact, ours.description + ";expires=120")
        h.add(.expires, "600")
        let r = RegisterResponse(try wire200(h), contact: ours)
        #expect(r.grantedExpires == 120)

        var onlyHeader = SIPHeaders()
        onlyHeader.add(.contact, other.description + ";expires=999")
        onlyHeader.add(.expires, "600")
        #expect(RegisterResponse(try wire200(onlyHeader), contact: ours).grantedExpires == 600)

        var udpContact = try makeBuilder(.udp).contact
        udpContact.parameters.remove("+sip.instance")
        var byURI = SIPHeaders()
        byURI.add(.contact, "<sip:7001@127.0.0.1:5070;x=1>;expires=30")
        #expect(RegisterResponse(try wire200(byURI), contact: udpContact).grantedExpires == 30)
    }

    @Test("RegisterResponse: Min-Expires, Retry-After, both challenge kinds; malformed headers count as absent")
    func responseFields() throws {
        let text = [
            "SIP/2.0 423 Interval Too Brief", "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1", "From: <sip:a@b>;tag=1",
            "To: <sip:a@b>;tag=2", "Call-ID: c", "CSeq: 1 REGISTER", "Min-Expires: 300", "Retry-After: 20 (later)",
            #"WWW-Authenticate: Digest realm="r", nonce="n""#, #"Proxy-Authenticate: Digest realm="p", nonce="m""#,
            "Expires: soon", "Content-Length: 0", "", "",
        ].joined(separator: "\r\n")
        let r = RegisterResponse(try SIPMessage(parsing: text), contact: try makeBuilder(.udp).contact)
        #expect(r.statusCode == 423 && r.reasonPhrase == "Interval Too Brief")
        #expect(r.minExpires == 300 && r.retryAfter == 20)
        #expect(r.grantedExpires == nil)
        #expect(r.challenges.map(\.kind) == [.server, .proxy])
    }

    private func wire200(_ headers: SIPHeaders) throws -> SIPMessage {
        var h = SIPHeaders()
        h.add(.via, "SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK1")
        h.add(.from, "<sip:7001@site-a.example.net>;tag=1")
        h.add(.to, "<sip:7001@site-a.example.net>;tag=2")
        h.add(.callID, "c")
        h.add(.cseq, "1 REGISTER")
        for (n, v) in headers { h.add(name: SIPHeaderName(n), value: v) }
        return try wire(SIPMessage.response(statusCode: 200, headers: h))
    }
}
