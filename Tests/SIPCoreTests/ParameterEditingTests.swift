import Testing

@testable import SIPCore

/// Editing parameters in code keeps the header's grammar: names compare ASCII case-insensitively
/// everywhere, and clearing a From/To tag removes it rather than leaving a valueless `;tag`.
@Suite struct ParameterEditingTests {
    @Test func clearingATagRemovesIt() throws {
        var to = SIPNameAddress(uri: try SIPURI("sip:7001@example.net"))
        to.tag = "abc"
        #expect(to.description == "<sip:7001@example.net>;tag=abc")
        to.tag = nil
        #expect(to.tag == nil)
        #expect(to.description == "<sip:7001@example.net>")
        #expect(!to.parameters.contains("tag"))
    }

    @Test func removeMatchesNamesAsLookupsDo() {
        var parameters = SIPParameters()
        parameters.append("Transport", "udp")
        parameters.append("lr")
        #expect(parameters.contains("transport"))
        parameters.remove("TRANSPORT")
        #expect(!parameters.contains("transport"))
        // ASCII only: a non-ASCII name is not folded the Unicode way (K and the Kelvin sign differ).
        parameters.append("\u{212A}ey", "1")
        parameters.remove("key")
        #expect(parameters.contains("\u{212A}ey"))
        #expect(parameters.contains("lr"))
    }
}
