import Testing

@testable import SIPCore

@Suite("URIs")
struct URIParsingTests {
    @Test func sipURIComponents() throws {
        let uri = try SIPURI(
            "sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent"
        )
        #expect(uri.scheme == .sips && uri.user == "alice" && uri.password == "secret")
        #expect(uri.host == "atlanta.example.com" && uri.port == 5061)
        #expect(
            uri.transportParameter == "tcp" && uri.isLooseRouter && uri.parameters.value("maddr") == "239.255.255.1")
        #expect(uri.headers.value("subject") == "project x" && uri.headers.value("priority") == "urgent")
        #expect(try SIPURI(uri.description) == uri)
    }

    @Test func hosts() throws {
        #expect(try SIPURI("sip:127.0.2.4").host == "127.0.2.4")
        #expect(try SIPURI("sip:[2001:db8::10]:5070").hostWithoutBrackets == "2001:db8::10")
        #expect(try SIPURI("sip:[2001:db8::10]:5070").port == 5070)
        #expect(try SIPURI("sip:user@EXAMPLE.com").host == "EXAMPLE.com")
    }

    @Test func telURI() throws {
        let tel = try SIPURI("tel:+1-201-555-0123;phone-context=example.com")
        #expect(
            tel.scheme == .tel && tel.user == "+1-201-555-0123"
                && tel.parameters.value("phone-context") == "example.com")
        #expect(tel.description == "tel:+1-201-555-0123;phone-context=example.com")
    }

    @Test func escapesAreDecodedAndReencoded() throws {
        let uri = try SIPURI("sip:%61lice%20smith@example.com")
        #expect(uri.user == "alice smith")
        #expect(uri.description == "sip:alice%20smith@example.com")
    }

    @Test(arguments: [
        "sip:", "sip:user@", "sip:user@host:99999", "sip:user@host:port", "sip:us er@host", "sip:user@[::1",
        "sip:user@host;", "sip:user@host;=v", "sip:user@host?", "sip:%zz@host", "<sip:a@b>", "1sip:a@b", "sip:a@b c",
    ])
    func invalidURIs(_ text: String) {
        #expect(throws: SIPParseError.self) { try SIPURI(text) }
    }

    @Test func equalityIgnoresParameterOrderAndNameCase() throws {
        #expect(try SIPURI("sip:a@b;transport=udp;lr") == SIPURI("sip:a@b;LR;transport=udp"))
    }
}
