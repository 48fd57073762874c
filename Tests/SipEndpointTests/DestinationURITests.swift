import SIPCore
import Testing

@testable import SipEndpoint

/// What a dialled destination becomes: a number or user goes to the connection's domain, a full URI
/// is taken as given, white space around either is ignored and anything else is refused.
@Suite struct DestinationURITests {
    static let connection = ConnectionConfiguration(
        user: "7001", server: ServerAddress(host: "127.0.0.2", port: 5060), domain: "site.example")

    static func uri(_ destination: String) -> String? {
        DestinationURI.make(destination, for: connection)?.description
    }

    @Test("A number goes to the connection's domain, with or without white space around it")
    func numbers() {
        #expect(Self.uri("9000") == "sip:9000@site.example")
        #expect(Self.uri(" 9000\t") == "sip:9000@site.example")
        #expect(Self.uri("\u{00A0}9000\u{2003}") == "sip:9000@site.example")
        #expect(Self.uri("agent.7") == "sip:agent.7@site.example")
    }

    @Test("A full URI is taken as given, trimmed")
    func fullURIs() {
        #expect(Self.uri("sip:9000@127.0.0.4:5070") == "sip:9000@127.0.0.4:5070")
        #expect(Self.uri("  sips:1@b.example ") == "sips:1@b.example")
    }

    @Test("Empty, blank, inner white space, a bare @ or an unparsable URI: no destination")
    func refused() {
        #expect(Self.uri("") == nil)
        #expect(Self.uri(" \t ") == nil)
        #expect(Self.uri("90 00") == nil)
        #expect(Self.uri("9000@elsewhere") == nil)
        #expect(Self.uri("sip:") == nil)
    }
}
