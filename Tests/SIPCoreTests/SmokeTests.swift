import NIOCore
import Testing

@testable import SIPCore

@Suite struct SmokeTests {
    static let invite =
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\r\n"
        + "Max-Forwards: 70\r\n"
        + "To: Bob <sip:bob@biloxi.example.com>\r\n"
        + "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
        + "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
        + "CSeq: 314159 INVITE\r\n"
        + "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
        + "Content-Type: application/sdp\r\n"
        + "Content-Length: 4\r\n\r\nv=0\n"

    @Test func parsesARequest() throws {
        let m = try SIPMessage(parsing: Self.invite)
        #expect(m.method == .invite)
        #expect(m.requestURI?.user == "bob")
        #expect(try m.topVia.branch == "z9hG4bK776asdhds")
        #expect(try m.from.tag == "1928301774")
        #expect(try m.from.displayName == "Alice")
        #expect(try m.cseq == SIPCSeq(314159, .invite))
        #expect(m.bodyText == "v=0\n")
        try m.validate()
        let again = try SIPMessage(parsing: m.serialized)
        #expect(again.headers == m.headers)
    }
}
