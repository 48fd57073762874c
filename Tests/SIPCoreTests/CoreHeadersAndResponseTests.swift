import Foundation
import NIOCore
import Testing

@testable import SIPCore

/// The receive path's core-header check, the top-Via rewrite and the byte-copying response builder.
@Suite struct CoreHeadersAndResponseTests {
    @Test func coreValidationReturnsWhatMatchingReads() throws {
        let m = try parse(request(with: "Via: SIP/2.0/TCP 127.0.2.9;branch=z9hG4bK.second"))
        let core = try m.validateCoreHeaders()
        #expect(core.topVia.branch == "z9hG4bK.test")
        #expect(core.topVia.host == "127.0.2.1")
        #expect(core.fromTag == "a1" && core.toTag == nil)
        #expect(core.callID == "test-call@127.0.2.1" && core.cseq == SIPCSeq(1, .options))
    }

    /// The top Via the receive path reads from the bytes says what the parsed ``SIPVia`` says:
    /// transport uppercased, sent-by, and the first `branch`, `received`, `maddr` and `rport` of any
    /// case, valueless or repeated.
    @Test(arguments: [
        "Via: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.test",
        "Via: SIP/2.0/udp 127.0.2.1:5070;BRANCH=z9hG4bK.x;rport;received=127.0.2.9",
        "Via: SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bK.y;rport=5071;maddr=239.1.1.1;ttl=16",
        "Via: SIP/2.0/UDP h.example.com;branch;branch=z9hG4bK.second;RPort=1;rport",
        "Via: SIP/2.0/UDP 127.0.2.1;received;x=\"q;r\";branch=z9hG4bK.z;MADDR=127.9.0.1;maddr=127.0.0.9, SIP/2.0/UDP 127.0.2.7",
        "v: SIP/2.0/TLS pbx.example.com ;branch=z9hG4bK.sp ;rport=5062",
        "Via: SIP/2.0/UDP 127.0.2.1",
    ])
    func topViaFieldsEqualTheParsedVia(line: String) throws {
        let m = try parse(request().replacingFirst("Via: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.test", with: line))
        let typed = try m.topVia
        #expect(try m.validateCoreHeaders().topVia == SIPTopVia(typed))
        #expect(SIPTopVia(typed).sentBy == typed.sentBy)
    }

    @Test func coreValidationLeavesOtherHeadersToTheirReader() throws {
        // A broken Contact fails the full check but not the core one: it is reported when read.
        let m = try parse(request(with: "Contact: <sip:broken"))
        _ = try m.validateCoreHeaders()
        #expect(throws: SIPParseError.self) { try m.validate() }
        #expect(throws: SIPParseError.self) { _ = try m.contacts }
    }

    @Test(arguments: [
        ("From: <sip:alice@example.com>;tag=a1", "From: <sip:alice@example.com"),
        ("To: <sip:bob@example.com>", "To: <bob@example.com"),
        ("Via: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.test", "Via: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.test;ttl=999"),
    ])
    func coreValidationRejectsBrokenCoreHeaders(line: String, replacement: String) throws {
        // (A missing Call-ID, a broken CSeq or Max-Forwards fail the parse itself, before any validation.)
        let m = try parse(request().replacingFirst(line, with: replacement))
        #expect(throws: SIPParseError.self) { _ = try m.validateCoreHeaders() }
    }

    @Test func replacingTheTopViaKeepsTheOtherValuesOfItsLine() throws {
        var m = try parse(
            request().replacingFirst(
                "Via: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.test",
                with: "Via: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.test, SIP/2.0/TCP 127.0.2.7;branch=z9hG4bK.b"))
        var top = try m.topVia
        top.host = "127.51.100.1"
        try m.replaceTopVia(top)
        let vias = try m.via
        #expect(vias.map(\.host) == ["127.51.100.1", "127.0.2.7"])
        #expect(m.headers.values(for: .via).count == 1, "still one line")

        var single = try parse(request())
        var only = try single.topVia
        only.parameters.set("received", "127.0.113.5")
        try single.replaceTopVia(only)
        #expect(try single.topVia.received == "127.0.113.5")
        #expect(try single.via.count == 1)
    }

    @Test func responseCopiesTheRequestLinesAndAddsTheToTag() throws {
        let m = try parse(
            request(with: "v: SIP/2.0/UDP 127.0.2.8;branch=z9hG4bK.two", "Record-Route: <sip:p@127.0.2.4;lr>"))
        let ok = m.makeResponse(statusCode: 200, toTag: "t9")
        #expect(
            ok.headers.values(for: .via) == [
                "SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.test", "SIP/2.0/UDP 127.0.2.8;branch=z9hG4bK.two",
            ])
        let names = (0..<ok.headers.count).map { ok.headers.name(at: $0) }
        #expect(
            names == ["Via", "From", "To", "Call-ID", "CSeq", "Via", "Record-Route"], "compact names written in full")
        #expect(try ok.to.tag == "t9")
        #expect(try ok.from.tag == "a1")
        #expect(try ok.callID == "test-call@127.0.2.1")
        #expect(try ok.cseq == SIPCSeq(1, .options))
        #expect(ok.headers.values(for: .recordRoute) == ["<sip:p@127.0.2.4;lr>"])
        let trying = m.makeResponse(statusCode: 100, toTag: "t9")
        #expect(try trying.to.tag == nil, "§8.2.6.1: no To tag on 100")
        #expect(trying.headers.values(for: .recordRoute).isEmpty)
    }

    /// A Via prints as RFC 3261 §20.42 writes it: sent-protocol, sent-by with its port when it has
    /// one, every parameter in order (bare ones without `=`); it parses back to the same value.
    @Test func viaPrintsItsFieldsAndParametersInOrder() throws {
        var via = SIPVia(transport: "udp", host: "127.0.2.1", port: 5060, branch: "z9hG4bK.p1")
        via.parameters.append("received", "127.51.100.7")
        #expect(via.description == "SIP/2.0/UDP 127.0.2.1:5060;branch=z9hG4bK.p1;rport;received=127.51.100.7")
        let bare = SIPVia(transport: "TLS", host: "[2001:db8::1]", port: nil, branch: "z9hG4bK.p2", rport: false)
        #expect(bare.description == "SIP/2.0/TLS [2001:db8::1];branch=z9hG4bK.p2")
        for v in [via, bare] {
            let m = try parse(
                request().replacingFirst("Via: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.test", with: "Via: \(v)"))
            #expect(try m.topVia == v)
        }
    }

    /// A To that has a tag already (a request inside a dialog) keeps it and gets no second one;
    /// the tag is found in any case (`TAG=`) as the typed header finds it.
    @Test(arguments: [";tag=b2", ";TAG=b2"])
    func responseKeepsAnExistingToTag(_ tag: String) throws {
        let plain = try parse(request())
        let toLine = try #require(plain.headers.first(.to))
        let m = try parse(request().replacingFirst("To: \(toLine)", with: "To: \(toLine)\(tag)"))
        let ok = m.makeResponse(statusCode: 200, toTag: "t9")
        #expect(ok.headers.first(.to) == "\(toLine)\(tag)")
        #expect(try ok.to.tag == "b2")
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
