import Foundation
import NIOCore
import Testing

@testable import SIPCore

/// Inputs libFuzzer found (`Scripts/fuzz-parser`, minimised with `-minimize_crash=1`), kept so the bugs
/// stay fixed. Each must either be rejected with a ``SIPParseError`` or parse and round-trip: its
/// serialization parses again with the same start line, header lines and body.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        /// The input, base64 (most hold control bytes).
        let base64: String
        var testDescription: String { name }
        var bytes: [UInt8] { Array(Data(base64Encoded: base64) ?? Data()) }
    }

    static let cases: [Case] = [
        // A Via value starting with a lone CR, then folded: unfolding turned the CR into SP, so the
        // value read ("SP w …") differed from the one written back ("w …" after the colon's SP).
        Case(name: "lone CR in a folded value", base64: "SSBpOnYgU0lQLzIuMApUOgpmOgpJOncKY3NlcTowIEkKVjoNdwog/woK")
    ]

    @Test(arguments: cases)
    func parsesOrRejectsAndRoundTrips(_ c: Case) throws {
        #expect(!c.bytes.isEmpty, "the base64 literal must decode")
        for options in [SIPParserOptions.default, SIPParserOptions(acceptsBareLineFeeds: true)] {
            let message: SIPMessage
            do {
                message = try SIPMessage(parsing: c.bytes, options: options)
            } catch {
                continue  // a typed SIPParseError: rejecting is a correct outcome
            }
            let validated = (try? message.validate()) != nil
            let again = try SIPMessage(parsing: message.serialized, options: options)
            #expect(again.startLine == message.startLine)
            let added = message.headers.contains(.contentLength) ? 0 : 1
            #expect(again.headers.count == message.headers.count + added)
            for i in 0..<message.headers.count where message.headers.headerName(at: i) != .contentLength {
                #expect(again.headers.headerName(at: i) == message.headers.headerName(at: i))
                #expect(again.headers.value(at: i) == message.headers.value(at: i))
            }
            #expect(again.body == message.body)
            if validated { try again.validate() }
        }
    }

    static let uriCases: [Case] = [
        // Repeated URI header names: SIPParameters' == matched every value against the first of its
        // name, so this URI was not equal to itself (nor to its own re-parse).
        Case(name: "repeated URI header name", base64: "c2lwOnU/aD0wJmg9"),
        // "%25" in a password decoded to "%", which was written back bare ("sip:x:%@2"): no longer a URI.
        Case(name: "escaped percent in a password", base64: "c2lwOng6JTI1QDI="),
        // The same in every other %-decoded part: user, parameter name and value, header name and value.
        Case(name: "escaped percent everywhere", base64: "c2lwOiUyNXU6JTI1QGg7cCUyNT0lMjU/aCUyNT0lMjU="),
    ]

    /// A URI either fails with a SIPParseError or parses again from its description to an equal value.
    @Test(arguments: uriCases)
    func uriParsesOrRejectsAndRoundTrips(_ c: Case) throws {
        let text = String(decoding: c.bytes, as: UTF8.self)
        #expect(!text.isEmpty, "the base64 literal must decode")
        guard let uri = try? SIPURI(text) else { return }
        #expect(uri == uri)
        #expect(try SIPURI(uri.description) == uri)
    }

    @Test func parametersWithRepeatedNamesCompareInOrder() {
        func params(_ pairs: [(String, String?)]) -> SIPParameters {
            SIPParameters(pairs.map { SIPParameters.Parameter(name: $0.0, value: $0.1) })
        }
        let a = params([("h", "0"), ("H", "1"), ("x", nil)])
        #expect(a == a)
        #expect(a == params([("x", nil), ("h", "0"), ("h", "1")]))
        #expect(a != params([("h", "1"), ("h", "0"), ("x", nil)]))
        #expect(Set([a, params([("x", nil), ("H", "0"), ("h", "1")])]).count == 1)
    }

    /// The fuzzer found a lone CR read back differently from how it was written. It is now refused at
    /// parse time (a strict peer would take it for a line break); unfolding still treats only CRLF or an
    /// accepted bare LF, plus whitespace, as a fold.
    @Test func loneCRIsRefusedNotFolded() throws {
        #expect(rejection(request(with: "X-Note: a\rb\r\n  c"))?.code == .malformedHeaderLine)
        let bytes = Array("a\rb\r\n  c".utf8)
        let unfolded = bytes.withUnsafeBytes { SIPHeaders.unfold($0) }
        #expect(String(decoding: unfolded, as: UTF8.self) == "a\rb c")
    }
}
