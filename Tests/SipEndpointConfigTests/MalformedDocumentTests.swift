import Foundation
import SipEndpoint
import Testing

@testable import SipEndpointConfig

@Suite("SipEndpoint.config: malformed documents")
struct MalformedDocumentTests {
    static func issue(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> ConfigurationIssue? {
        do {
            _ = try SipEndpointConfigLoader.load(xml: Data(bytes), source: "bad.config", environment: [:])
            Issue.record("loaded a malformed document", sourceLocation: sourceLocation)
            return nil
        } catch {
            #expect(error.issues.count == 1, sourceLocation: sourceLocation)
            return error.issues.first
        }
    }

    static func issue(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigurationIssue? {
        issue(Array(text.utf8), sourceLocation: sourceLocation)
    }

    @Test("truncated in a tag: the line where it stops")
    func truncatedInTag() throws {
        let full = ConfigTest.document()
        let stop = try #require(full.range(of: "server=\"127.0.0.3"))
        let cut = String(full[..<stop.upperBound])
        let issue = try #require(Self.issue(cut))
        #expect(issue.code == .malformedXML)
        #expect(issue.line == ConfigTest.line(of: "127.0.0.3", in: full))
        #expect(issue.column != nil)
        #expect(issue.file == "bad.config")
    }

    @Test("truncated between elements: names the element left open and its line")
    func truncatedBetweenElements() throws {
        let full = ConfigTest.document()
        let stop = try #require(full.range(of: "<Container name=\"Genesys\">"))
        let cut = String(full[..<stop.upperBound])
        let issue = try #require(Self.issue(cut))
        #expect(issue.code == .malformedXML)
        #expect(issue.line == ConfigTest.line(of: "name=\"Genesys\"", in: full))
        #expect(
            issue.message.contains("Container")
                && issue.message.contains("line \(ConfigTest.line(of: "name=\"Genesys\"", in: full) ?? 0)"),
            "\(issue.message)")
    }

    @Test("wrong nesting: the closing tag's line and the open element")
    func wrongNesting() throws {
        let xml =
            "<SipEndpoint>\n  <Container name=\"Basic\">\n    <Connectivity user=\"1\" server=\"h\">\n  </Container>\n</SipEndpoint>\n"
        let issue = try #require(Self.issue(xml))
        #expect(issue.code == .malformedXML)
        #expect(issue.line == 4)
        #expect(
            issue.message.contains("does not match") && issue.message.contains("<Connectivity> opened on line 3"),
            "\(issue.message)")
    }

    @Test(
        "an unquoted attribute, a stray &, a duplicate attribute, an unclosed comment",
        arguments: [
            ("<SipEndpoint>\n<Container name=Basic/>\n</SipEndpoint>", 2),
            ("<SipEndpoint>\n<Container name=\"A & B\"/>\n</SipEndpoint>", 2),
            ("<SipEndpoint>\n<Container name=\"a\" name=\"b\"/>\n</SipEndpoint>", 2),
            ("<SipEndpoint>\n\n<!-- open\n</SipEndpoint>", 4),
            ("<SipEndpoint/>\n<SipEndpoint/>", 2),
            ("<SipEndpoint>\n<x:Container/>\n</SipEndpoint>", 2),
        ])
    func malformed(xml: String, line: Int) throws {
        let issue = try #require(Self.issue(xml))
        #expect(issue.code == .malformedXML)
        #expect(issue.line == line, "\(issue)")
        #expect(issue.column != nil)
    }

    @Test("empty and whitespace-only documents")
    func empty() throws {
        #expect(Self.issue("")?.code == .malformedXML)
        #expect(Self.issue("  \n\n")?.code == .malformedXML)
        #expect(Self.issue("<?xml version=\"1.0\"?>\n")?.code == .malformedXML)
        #expect(Self.issue("not xml at all")?.code == .malformedXML)
    }

    @Test("invalid UTF-8 is reported at its byte, with line and column")
    func invalidUTF8() throws {
        let bytes =
            Array("<SipEndpoint>\n  <Container name=\"Ba".utf8) + [0xC3, 0x28] + Array("sic\"/>\n</SipEndpoint>".utf8)
        let issue = try #require(Self.issue(bytes))
        #expect(issue.code == .invalidEncoding)
        #expect(issue.line == 2)
        #expect(issue.column == 22)
        #expect(issue.message.contains("0xC3 is not UTF-8"))
    }

    @Test("a declared ISO-8859-1 file loads; a UTF-16 file or a NUL byte is refused")
    func encodings() throws {
        let latin1 =
            Array(
                "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<SipEndpoint><Container name=\"Basic\"><Connectivity user=\"7001\" server=\"127.0.0.2\"/></Container><Container name=\"Genesys\"><settings><domain name=\"proxies\"><section name=\"proxy0\"><setting name=\"display_name\" value=\"Ren"
                    .utf8) + [0xE9] + Array("\"/></section></domain></settings></Container></SipEndpoint>".utf8)
        let loaded = try SipEndpointConfigLoader.load(xml: Data(latin1), environment: [:])
        #expect(loaded.configuration.connections.first?.displayName == "René")

        var utf16 = Data([0xFF, 0xFE])
        utf16.append(ConfigTest.document().data(using: .utf16LittleEndian) ?? Data())
        #expect(Self.issue([UInt8](utf16))?.code == .invalidEncoding)

        let nul = Array("<SipEndpoint>\n<a".utf8) + [0] + Array("/></SipEndpoint>".utf8)
        let issue = try #require(Self.issue(nul))
        #expect(issue.code == .invalidEncoding)
        #expect(issue.line == 2 && issue.column == 3)
    }

    @Test("a DOCTYPE (and so any entity expansion) is refused")
    func doctype() throws {
        let xml =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE SipEndpoint [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n<SipEndpoint a=\"&b;\"/>"
        let issue = try #require(Self.issue(xml))
        #expect(issue.code == .malformedXML)
        #expect(issue.line == 2)
        #expect(issue.message.contains("DOCTYPE"))
    }

    @Test("a file over 1 MiB is refused before parsing")
    func huge() throws {
        let filler = String(
            repeating: "<!-- padding padding padding padding padding padding padding -->\n", count: 17_000)
        let xml = ConfigTest.document().replacingOccurrences(of: "<SipEndpoint>", with: "<SipEndpoint>\n" + filler)
        #expect(xml.utf8.count > SipEndpointConfigLoader.maximumFileSize)
        let issue = try #require(Self.issue(xml))
        #expect(issue.code == .fileTooLarge)
        #expect(issue.line == nil)
    }

    @Test("deep nesting stops at the limit instead of recursing")
    func deepNesting() throws {
        let xml =
            "<SipEndpoint>" + String(repeating: "<a>", count: 200) + String(repeating: "</a>", count: 200)
            + "</SipEndpoint>"
        let issue = try #require(Self.issue(xml))
        #expect(issue.code == .malformedXML)
        #expect(issue.message.contains("deeper than"))
    }

    @Test("a missing file, a directory: unreadable, naming the path")
    func unreadable() throws {
        for path in ["/nonexistent/SipEndpoint.config", NSTemporaryDirectory()] {
            do {
                _ = try SipEndpointConfigLoader.load(contentsOf: path, environment: [:])
                Issue.record("loaded \(path)")
            } catch {
                #expect(error.code == .unreadableFile)
                #expect(error.issues.first?.file == path)
                #expect(error.description.hasPrefix("\(path): error: cannot read the file"))
            }
        }
    }
}
