import Foundation
import NIOCore
import Testing

@testable import SIPCore

/// RFC 4475 §3.1.1, §3.2, §3.3 and §3.4: unusual but valid messages. Each vector is our own, written
/// from the RFC's description of what the torture message exercises; each must parse and validate,
/// and the parts it exercises must come out with the right meaning.
@Suite("RFC 4475 valid messages")
struct RFC4475ValidMessageTests {
    /// §3.1.1.1 A short tortuous INVITE: folding, compact and mixed-case names, LWS around separators,
    /// escaped quotes, unknown headers with odd values, leading zeros.
    @Test func shortTortuousInvite() throws {
        let text = sip(
            "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0",
            "TO :",
            " sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n",
            "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>",
            "  ;",
            "  tag = 98asjd8",
            "MaX-fOrWaRdS: 0068",
            "Call-ID: wsinv.ndaksdj@192.0.2.1",
            "Content-Length   : 0",
            "cseq: 0009",
            "  INVITE",
            "Via  : SIP  /   2.0",
            " /UDP",
            "    192.0.2.2;rport;branch=390skdjuw",
            "s :",
            "NewFangledHeader:   newfangled value",
            " continued newfangled value",
            "UnknownHeaderWithUnusualValue: ;;,,;;,;",
            "Content-Type: application/sdp",
            "Route:",
            " <sip:services.example.com;lr;unknownwith=value;unknown-no-value>",
            "v:  SIP  / 2.0  / TCP     spindle.example.com   ;",
            "  branch  =   z9hG4bK9ikj8  ,",
            " SIP  /    2.0   / UDP  192.168.255.111   ; branch=",
            " z9hG4bK30239",
            "m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =",
            "      newvalue ;",
            "  secondparam ; q = 0.33",
            "", "")
        let m = try parse(text)
        try m.validate()
        #expect(m.requestURI?.parameters.contains("unknownparam") == true)
        #expect(try m.to.tag == "1918181833n")
        #expect(try m.from.tag == "98asjd8")
        #expect(try m.from.displayName == "J Rosenberg \\\"")
        #expect(try m.maxForwards == 68)
        #expect(try m.cseq == SIPCSeq(9, .invite))
        let vias = try m.via
        #expect(vias.count == 3)
        #expect(vias[0].transport == "UDP" && vias[0].host == "192.0.2.2" && vias[0].hasRPort)
        #expect(vias[1].transport == "TCP" && vias[1].host == "spindle.example.com" && vias[1].branch == "z9hG4bK9ikj8")
        #expect(vias[2].host == "192.168.255.111" && vias[2].branch == "z9hG4bK30239")
        #expect(m.headers.first("NewFangledHeader") == "newfangled value continued newfangled value")
        #expect(m.headers.first("UnknownHeaderWithUnusualValue") == ";;,,;;,;")
        #expect(try m.routes.first?.uri.parameters.contains("unknown-no-value") == true)
        let contact = try #require(try m.contacts.first?.address)
        #expect(contact.displayName == "Quoted string \"\"")
        #expect(contact.parameters.value("newparam") == "newvalue")
        #expect(contact.parameters.contains("secondparam"))
        #expect(try m.contacts.first?.q == 0.33)
        #expect(m.headers.first(.subject) == "")
    }

    /// §3.1.1.2 Wide range of valid characters: unusual token characters in the method, user and
    /// password, Call-ID word characters, extension header names.
    @Test func wideRangeOfValidCharacters() throws {
        let method = "!interesting-Method0123456789_*+`.%indeed'~"
        let text = sip(
            "\(method) sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0",
            "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~",
            "To: \"BEL:\\\u{07} NUL:\\\u{00} DEL:\\\u{7F}\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>",
            "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\u{D1}\u{80}\u{D0}\u{B0}\u{D0}\u{B1}\u{D0}\u{BE}\u{D1}\u{82}\u{D0}\u{B0}\u{D1}\u{8E}\u{D1}\u{89}\u{D0}\u{B8}\u{D0}\u{B9}\";tag=_token~1'+`*%!-.",
            "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{",
            "CSeq: 139122385 \(method)",
            "Max-Forwards: 255",
            "extensionHeader-!.%*+_`'~: \u{EF}\u{BB}\u{BF}\u{E5}\u{A4}\u{A7}\u{E5}\u{81}\u{9C}\u{E9}\u{9B}\u{BB}",
            "Content-Length: 0", "", "")
        let m = try parse(text)
        try m.validate()
        #expect(m.method == SIPMethod(method))
        #expect(m.requestURI?.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        #expect(m.requestURI?.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        #expect(try m.from.displayName == "token1~` token2'+_ token3*%!.-")
        #expect(try m.from.tag == "_token~1'+`*%!-.")
        #expect(try m.callID == "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{")
        #expect(m.headers.first("extensionHeader-!.%*+_`'~") != nil)
    }

    /// §3.1.1.3 Valid use of the % escaping mechanism: escapes in the user part and parameters mean
    /// their characters.
    @Test func percentEscaping() throws {
        let text = sip(
            "INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0",
            "To: sip:%75se%72@example.com",
            "From: <sip:I%20have%20spaces@example.net>;tag=938",
            "Max-Forwards: 87",
            "Call-ID: esc01.239409asdfakjkn23onasd0-3234",
            "CSeq: 234234 INVITE",
            "Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw",
            "Contact: <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>",
            "Content-Length: 0", "", "")
        let m = try parse(text)
        try m.validate()
        #expect(m.requestURI?.user == "sips:user@example.com")
        #expect(try m.to.uri.user == "user")
        #expect(try m.from.uri.user == "I have spaces")
        let contact = try #require(try m.contacts.first?.address)
        #expect(contact.uri.user == "caller")
        #expect(contact.uri.parameters.contains("lr"))
        #expect(contact.uri.parameters.value("name") == "value%41")
        // Written back escaped where the grammar needs it, and the same URI again when re-read.
        let reparsed = try SIPURI(m.requestURI!.description)
        #expect(reparsed == m.requestURI)
    }

    /// §3.1.1.4 Escaped nulls in URIs.
    @Test func escapedNulls() throws {
        let text = sip(
            "REGISTER sip:example.com SIP/2.0",
            "To: sip:null-%00-null@example.com",
            "From: sip:null-%00-null@example.com;tag=839923423",
            "Max-Forwards: 70",
            "Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd",
            "CSeq: 14398234 REGISTER",
            "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw",
            "Contact: <sip:%00@host5.example.com>",
            "Contact: <sip:%00%00@host5.example.com>",
            "L:0", "", "")
        let m = try parse(text)
        try m.validate()
        #expect(try m.to.uri.user == "null-\u{0}-null")
        #expect(try m.contacts.compactMap(\.address?.uri.user) == ["\u{0}", "\u{0}\u{0}"])
    }

    /// §3.1.1.5 A % that is not an escape: in a method token and in a quoted display name it is just a
    /// character.
    @Test func percentThatIsNotAnEscape() throws {
        let text = sip(
            "RE%47IST%45R sip:registrar.example.com SIP/2.0",
            "To: \"%Z%45\" <sip:resource@example.com>",
            "From: \"%Z%45\" <sip:resource@example.com>;tag=f232jadfj23",
            "Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf",
            "Via: SIP/2.0/TCP host.example.com;rport;branch=z9hG4bK209zzz",
            "CSeq: 29344 RE%47IST%45R",
            "Max-Forwards: 70",
            "Contact: <sip:alias1@host1.example.com>",
            "C%6Fntact: <sip:alias2@host2.example.com>",
            "Contact: <sip:alias3@host3.example.com>",
            "l: 0", "", "")
        let m = try parse(text)
        try m.validate()
        #expect(m.method == SIPMethod("RE%47IST%45R"))
        #expect(try m.to.displayName == "%Z%45")
        #expect(try m.contacts.count == 2, "C%6Fntact is an unknown header, not Contact")
        #expect(m.headers.first("C%6Fntact") == "<sip:alias2@host2.example.com>")
    }

    /// §3.1.1.6 No LWS between the display name and `<`.
    @Test func noSpaceBeforeLessThan() throws {
        let text = sip(
            "OPTIONS sip:user@example.com SIP/2.0",
            "To: sip:user@example.com",
            "From: caller<sip:caller@example.com>;tag=323",
            "Max-Forwards: 70",
            "Call-ID: lwsdisp.1234abcd@funky.example.com",
            "CSeq: 60 OPTIONS",
            "Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw",
            "l: 0", "", "")
        let m = try parse(text)
        try m.validate()
        #expect(try m.from.displayName == "caller")
        #expect(try m.from.uri.user == "caller")
    }

    /// §3.1.1.7 Long values in header fields: a long tag, many Via values, a long unknown header.
    @Test func longValues() throws {
        let longTag = String(repeating: "a1b2c3d4e5", count: 40)
        let longValue = String(repeating: "x", count: 4000)
        var lines = [
            "INVITE sip:user@example.com SIP/2.0",
            "To: \"I have a user name of \(String(repeating: "extreme", count: 30)) proportion\"<sip:user@example.com:6000;unknownparam1=verylonngvalue;longparamnamenamenamenamenamenamenamenamenamename=shortvalue;verylonngparameternamenamenamenamenamenamenamenamenamename=averylongparametervalue>",
            "From: sip:caller@example.net;tag=\(longTag)",
            "Call-ID: longreq.onereallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreally@example.com",
            "CSeq: 3882340 INVITE",
            "Max-Forwards: 70",
            "Unknown-LongHeader: \(longValue)",
        ]
        for i in 0..<30 { lines.append("Via: SIP/2.0/TCP sip\(i).example.com:5060;branch=z9hG4bK.long\(i)") }
        lines += ["Content-Length: 0", "", ""]
        let m = try parse(lines.joined(separator: "\r\n"))
        try m.validate()
        #expect(try m.from.tag == longTag)
        #expect(try m.via.count == 30)
        #expect(try m.to.uri.port == 6000)
        #expect(m.headers.first("unknown-longheader")?.utf8.count == 4000)
    }

    /// §3.1.1.8 Extra trailing octets in a UDP datagram: Content-Length ends the message; what follows
    /// (here a second request) is discarded.
    @Test func extraTrailingOctetsInDatagram() throws {
        let first = sip(
            "REGISTER sip:example.com SIP/2.0",
            "To: sip:j.user@example.com",
            "From: sip:j.user@example.com;tag=43251j3j324",
            "Max-Forwards: 8",
            "I: dblreq.0ha0isndaksdj99sdfafnl3lk233412",
            "Contact: sip:j.user@host.example.com",
            "CSeq: 8 REGISTER",
            "Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492",
            "Content-Length: 0", "", "")
        let second = sip(
            "INVITE sip:joe@example.com SIP/2.0", "t: sip:joe@example.com", "From: sip:caller@example.net;tag=141334",
            "Max-Forwards: 8", "Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15", "CSeq: 8 INVITE",
            "Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234", "Content-Type: application/sdp",
            "Content-Length: 5", "", "v=0\r\n")
        let m = try parse(first + second)
        try m.validate()
        #expect(m.method == .register)
        #expect(m.body.readableBytes == 0)
        #expect(try m.callID == "dblreq.0ha0isndaksdj99sdfafnl3lk233412")
    }

    /// §3.1.1.9 Semicolon-separated parameters in the user part.
    @Test func semicolonsInUserPart() throws {
        let text = sip(
            "OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0",
            "To: sip:j_user@example.com", "From: sip:caller@example.org;tag=33242", "Max-Forwards: 3",
            "Call-ID: semiuri.0ha0isndaksdj", "CSeq: 8 OPTIONS",
            "Accept: application/sdp, application/pkcs7-mime,", " multipart/mixed, multipart/signed,",
            " message/sip, message/sipfrag",
            "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw", "l: 0", "", "")
        let m = try parse(text)
        try m.validate()
        #expect(m.requestURI?.user == "user;par=u@example.net")
        #expect(m.requestURI?.host == "example.com")
        #expect(m.requestURI?.parameters.isEmpty == true)
    }

    /// §3.1.1.10 Varied and unknown transport types in Via.
    @Test func variedTransports() throws {
        let text = sip(
            "OPTIONS sip:user@example.com SIP/2.0", "To: sip:user@example.com",
            "From: <sip:caller@example.com>;tag=323", "Max-Forwards: 70", "Call-ID: transports.kijh4akdnaqjkwendsasfdj",
            "Accept: application/sdp", "CSeq: 60 OPTIONS",
            "Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw",
            "Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf",
            "Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj",
            "Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en",
            "Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee", "l: 0", "", "")
        let m = try parse(text)
        #expect(try m.via.map(\.transport) == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"])
    }

    /// §3.1.1.11 A multipart MIME body is opaque to the parser and kept byte for byte.
    @Test func multipartBody() throws {
        let body = sip(
            "--boundary42", "Content-Type: application/sdp", "", "v=0", "o=- 1 1 IN IP4 192.0.2.1", "--boundary42",
            "Content-Type: application/pkcs7-mime", "", "\u{0}\u{1}\u{2}binary", "--boundary42--", "")
        let text = sip(
            "MESSAGE sip:kumiko@example.org SIP/2.0",
            "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-;rport",
            "Max-Forwards: 70", "To: <sip:kumiko@example.org>", "From: <sip:fluffy@example.com>;tag=2fb0dcc9",
            "Call-ID: 3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..", "CSeq: 1 MESSAGE",
            "Content-Type: multipart/mixed;boundary=boundary42", "Content-Length: \(body.utf8.count)", "", body)
        let m = try parse(text)
        try m.validate()
        #expect(m.bodyText == body)
        #expect(try m.contentType?.parameters.value("boundary") == "boundary42")
    }

    /// §3.1.1.12 An unusual reason phrase: UTF-8 and punctuation.
    @Test func unusualReasonPhrase() throws {
        let reason =
            "= 2**3 * 5**2 \u{043D}\u{043E} \u{0441}\u{0442}\u{043E} \u{0434}\u{0435}\u{0432}\u{044F}\u{043D}\u{043E}\u{0441}\u{0442}\u{043E} \u{0434}\u{0435}\u{0432}\u{044F}\u{0442}\u{044C} - \u{043F}\u{0440}\u{043E}\u{0441}\u{0442}\u{043E}\u{0435}"
        let text = sip(
            "SIP/2.0 200 \(reason)", "Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923",
            "Call-ID: unreason.1234ksdfak3j2erwedfsASdf", "CSeq: 35 INVITE", "From: sip:user@example.com;tag=11141343",
            "To: sip:user@example.edu;tag=2229", "Content-Length: 0", "", "")
        let m = try parse(text)
        #expect(m.statusCode == 200)
        #expect(m.reasonPhrase == reason)
    }

    /// §3.1.1.13 An empty reason phrase (the SP after the code is still there).
    @Test func emptyReasonPhrase() throws {
        let text = sip(
            "SIP/2.0 100 ", "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe",
            "Call-ID: noreason.asndj203insdf99223ndf",
            "CSeq: 35 INVITE", "From: <sip:user@example.com>;tag=39ansfi3", "To: <sip:user@example.edu>;tag=902jndnke3",
            "Content-Length: 0", "", "")
        let m = try parse(text)
        #expect(m.statusCode == 100)
        #expect(m.reasonPhrase == "")
    }

    /// §3.2.1 A branch without the magic cookie, and RFC 2543-style messages without tags (§3.4.1),
    /// are valid syntax; the transaction layer decides what they mean.
    @Test func branchWithoutCookieAnd2543Syntax() throws {
        let text = sip(
            "INVITE sip:UserB@example.com SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.15", "From: <sip:UserA@example.com>",
            "To: <sip:UserB@example.com>", "Call-ID: 242t2ew2", "CSeq: 8 INVITE", "Max-Forwards: 7",
            "Content-Length: 0", "", "")
        let m = try parse(text)
        try m.validate()
        #expect(try m.topVia.branch == nil)
        #expect(try m.from.tag == nil)
        let cookie = try parse(request(with: "Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK"))
        #expect(try cookie.via[1].branch == "z9hG4bK")
    }

    /// §3.3.2–§3.3.4 Unknown and atypical URI schemes parse as opaque absolute URIs.
    @Test func unknownSchemes() throws {
        let m = try parse(
            sip(
                "OPTIONS nobodyknowsthisscheme:totallyopaquecontent SIP/2.0", "To: isbn:2983792873",
                "From: <http://www.example.com>;tag=3234233", "Call-ID: unksm2.daksdj@hyphenated-host.example.com",
                "CSeq: 234902 OPTIONS", "Max-Forwards: 70", "Via: SIP/2.0/UDP 192.0.2.21:5060;branch=z9hG4bKkdjuw",
                "Contact: <name:John_Smith>", "l: 0", "", ""))
        try m.validate()
        #expect(m.requestURI?.scheme == .other("nobodyknowsthisscheme"))
        #expect(try m.to.uri.scheme == .other("isbn"))
        #expect(try m.from.uri.opaque == "//www.example.com")
        let novel = try parse(
            request().replacingOccurrences(
                of: "OPTIONS sip:bob@example.com", with: "OPTIONS soap.beep://192.0.2.103:3002"))
        #expect(novel.requestURI?.scheme == .other("soap.beep"))
    }

    /// §3.3.5–§3.3.7, §3.3.10–§3.3.15: application-layer oddities that are syntactically valid.
    @Test func applicationLayerOddities() throws {
        // Require / Proxy-Require with unknown options, unknown content type and auth scheme.
        let m = try parse(
            request(
                with: "Require: nothingSupportedHere", "Proxy-Require: noProxiesSupportThis, nothingSupportedHere",
                "Authorization: NoOneKnowsThisScheme opaque-data=here", "Accept: text/nobodyknowsthis",
                "Content-Type: application/unknownformat"))
        try m.validate()
        #expect(try m.require == ["nothingSupportedHere"])
        #expect(try m.proxyRequire == ["noProxiesSupportThis", "nothingSupportedHere"])
        #expect(try m.authorization.first?.scheme == "NoOneKnowsThisScheme")
        #expect(try m.authorization.first?.value("opaque-data") == "here")
        // Max-Forwards of zero, a broadcast received address.
        let zero = try parse(
            request(with: "Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1;received=255.255.255.255").replacingOccurrences(
                of: "Max-Forwards: 70", with: "Max-Forwards: 0"))
        #expect(try zero.maxForwards == 0)
        #expect(try zero.via[1].received == "255.255.255.255")
        // A Contact parameter outside <> belongs to the header, inside <> to the URI; escaped headers in a
        // Contact URI inside <> are valid.
        let params = try parse(
            request(
                with: "Contact: sip:+19725552222@gw1.example.net;unknownparam",
                "Contact: <sip:+19725552222@gw1.example.net;unknownparam>",
                "Contact: <sip:user@example.com?Route=%3Csip:sip.example.com%3E>"))
        let contacts = try params.contacts.compactMap(\.address)
        #expect(contacts[0].parameters.contains("unknownparam") && contacts[0].uri.parameters.isEmpty)
        #expect(contacts[1].uri.parameters.contains("unknownparam") && contacts[1].parameters.isEmpty)
        #expect(contacts[2].uri.headers.value("Route") == "<sip:sip.example.com>")
    }
}
