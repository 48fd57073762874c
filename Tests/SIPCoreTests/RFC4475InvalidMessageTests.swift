import Foundation
import NIOCore
import Testing

@testable import SIPCore

/// RFC 4475 §3.1.2 and §3.3.1, §3.3.8, §3.3.9: messages a parser must reject. Our own vectors written
/// from the RFC's descriptions; each names the error code it must produce (and where known, the line).
@Suite("RFC 4475 invalid messages")
struct RFC4475InvalidMessageTests {
    static let base = [
        "Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw",
        "From: <sip:alice@example.com>;tag=a1",
        "To: <sip:bob@example.com>",
        "Call-ID: invalid.test@192.0.2.15",
        "Max-Forwards: 70",
    ]

    static func invite(
        startLine: String = "INVITE sip:bob@example.com SIP/2.0", cseq: String = "CSeq: 1 INVITE",
        replacing: [String: String] = [:], extra: [String] = [], body: String = ""
    ) -> String {
        var lines = [startLine]
        for h in base {
            let name = String(h.prefix { $0 != ":" })
            if let r = replacing[name] { if !r.isEmpty { lines.append(r) } } else { lines.append(h) }
        }
        lines.append(cseq)
        lines += extra
        if !extra.contains(where: { $0.lowercased().hasPrefix("content-length") }) {
            lines.append("Content-Length: \(body.utf8.count)")
        }
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let message: String
        let code: SIPParseError.Code
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // §3.1.2.1 Extraneous header field separators.
        Case(
            name: "3.1.2.1 extraneous separators in Via",
            message: invite(replacing: ["Via": "Via: SIP/2.0/UDP 192.0.2.15;;,;,,"]),
            code: .invalidHeaderValue),
        Case(
            name: "3.1.2.1 extraneous separators in Contact",
            message: invite(extra: ["Contact: \"Joe\" <sip:joe@example.org>;;;;"]),
            code: .invalidHeaderValue),
        // §3.1.2.2 Content-Length larger than the message.
        Case(
            name: "3.1.2.2 Content-Length larger than message",
            message: invite(extra: ["Content-Length: 9999"], body: "v=0\r\n"),
            code: .truncatedBody),
        // §3.1.2.3 Negative Content-Length.
        Case(
            name: "3.1.2.3 negative Content-Length", message: invite(extra: ["Content-Length: -999"], body: "v=0\r\n"),
            code: .invalidContentLength),
        // §3.1.2.4 Request scalar fields with overlarge values.
        Case(
            name: "3.1.2.4 overlarge CSeq", message: invite(cseq: "CSeq: 36893488147419103232 INVITE"),
            code: .invalidHeaderValue),
        Case(
            name: "3.1.2.4 overlarge Max-Forwards", message: invite(replacing: ["Max-Forwards": "Max-Forwards: 300"]),
            code: .invalidHeaderValue),
        Case(
            name: "3.1.2.4 overlarge Expires", message: invite(extra: ["Expires: 10000000000000"]),
            code: .invalidHeaderValue),
        Case(
            name: "3.1.2.4 overlarge Contact expires",
            message: invite(extra: ["Contact: <sip:user@host129.example.com>;expires=280297596632815"]),
            code: .invalidHeaderValue),
        // §3.1.2.5 Response scalar fields with overlarge values.
        Case(
            name: "3.1.2.5 response with overlarge CSeq and Via ttl",
            message:
                "SIP/2.0 503 Service Unavailable\r\nVia: SIP/2.0/TCP host129.example.com;branch=z9hG4bKzzxdiwo34sw;received=192.0.2.129;ttl=300\r\nFrom: <sip:other@example.net>;tag=2easdjfejw\r\nTo: <sip:user@example.com>;tag=3ea8\r\nCall-ID: scalarlg.1\r\nCSeq: 1 OPTIONS\r\nRetry-After: 949302838503028349304023988\r\nContent-Length: 0\r\n\r\n",
            code: .invalidHeaderValue),
        // §3.1.2.6 Unterminated quoted string in the display name.
        Case(
            name: "3.1.2.6 unterminated quoted display name",
            message: invite(replacing: ["From": "From: \"Mr. J. User <sip:j.user@example.com>;tag=93334"]),
            code: .invalidHeaderValue),
        // §3.1.2.7 <> enclosing the Request-URI.
        Case(
            name: "3.1.2.7 <> around the Request-URI",
            message: invite(startLine: "INVITE <sip:user@example.com> SIP/2.0"),
            code: .invalidURI),
        // §3.1.2.8 Embedded LWS in the Request-URI.
        Case(
            name: "3.1.2.8 LWS inside the Request-URI",
            message: invite(startLine: "INVITE sip:user@example.com; lr SIP/2.0"),
            code: .malformedStartLine),
        // §3.1.2.9 Multiple SP separating Request-Line elements.
        Case(
            name: "3.1.2.9 multiple SP in the request line",
            message: invite(startLine: "INVITE  sip:user@example.com  SIP/2.0"),
            code: .malformedStartLine),
        // §3.1.2.10 SP at the end of the Request-Line.
        Case(
            name: "3.1.2.10 trailing SP in the request line",
            message: invite(startLine: "INVITE sip:user@example.com SIP/2.0 "),
            code: .malformedStartLine),
        // §3.1.2.11 Escaped headers in the Request-URI.
        Case(
            name: "3.1.2.11 URI headers in the Request-URI",
            message: invite(startLine: "INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0"),
            code: .invalidURI),
        // §3.1.2.13 Failure to enclose a name-addr URI with headers in <>.
        Case(
            name: "3.1.2.13 URI with ? outside <>",
            message: invite(extra: ["Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E"]),
            code: .invalidHeaderValue),
        // §3.1.2.14 Spaces within addr-spec.
        Case(
            name: "3.1.2.14 spaces inside <>",
            message: invite(replacing: ["To": "To: \"Watson, Thomas\" < sip:t.watson@example.org >"]),
            code: .invalidHeaderValue),
        // §3.1.2.15 Non-token characters in an unquoted display name.
        Case(
            name: "3.1.2.15 comma in unquoted display name",
            message: invite(replacing: ["From": "From: Bell, Alexander <sip:a.g.bell@example.com>;tag=43"]),
            code: .invalidHeaderValue),
        // §3.1.2.16 Unknown protocol version.
        Case(
            name: "3.1.2.16 SIP/7.0",
            message: invite(startLine: "OPTIONS sip:t.watson@example.org SIP/7.0", cseq: "CSeq: 1 OPTIONS"),
            code: .unsupportedVersion),
        // §3.1.2.17 Start line and CSeq method mismatch.
        Case(name: "3.1.2.17 CSeq method mismatch", message: invite(cseq: "CSeq: 1 OPTIONS"), code: .methodMismatch),
        // §3.1.2.18 Unknown method with CSeq method mismatch.
        Case(
            name: "3.1.2.18 unknown method, CSeq mismatch",
            message: invite(startLine: "NEWMETHOD sip:user@example.com SIP/2.0"),
            code: .methodMismatch),
        // §3.1.2.19 Overlarge response code.
        Case(
            name: "3.1.2.19 status code 4294967301",
            message:
                "SIP/2.0 4294967301 better not break the receiver\r\nVia: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\nCall-ID: bigcode.1\r\nCSeq: 353494 INVITE\r\nFrom: <sip:user@example.com>;tag=39ansfi3\r\nTo: <sip:user@example.edu>;tag=902jndnke3\r\nContent-Length: 0\r\n\r\n",
            code: .malformedStartLine),
        // §3.3.1 Missing required header fields.
        Case(
            name: "3.3.1 missing Call-ID, From, To",
            message:
                "INVITE sip:user@example.com SIP/2.0\r\nCSeq: 193942 INVITE\r\nVia: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\r\nContent-Length: 0\r\n\r\n",
            code: .missingHeader),
        // §3.3.8 Multiple values in single-value required fields.
        Case(
            name: "3.3.8 two To headers", message: invite(extra: ["To: sip:user2@example.com"]), code: .duplicateHeader),
        Case(
            name: "3.3.8 two addresses in one From",
            message: invite(replacing: ["From": "From: sip:caller@example.com;tag=3413415, sip:caller2@example.org"]),
            code: .invalidHeaderValue),
        // §3.3.9 Multiple Content-Length values.
        Case(
            name: "3.3.9 two Content-Length headers",
            message: invite(extra: ["Content-Length: 0", "Content-Length: 0"]),
            code: .duplicateHeader),
    ]

    @Test(arguments: cases)
    func isRejected(_ c: Case) throws {
        let error = try #require(rejection(c.message), "\(c.name) was accepted")
        #expect(error.code == c.code, "\(c.name): \(error)")
        #expect(!error.detail.isEmpty)
    }

    /// §3.1.2.12 An invalid Date is only an error for an element that reads Date; this SDK does not, so it
    /// must not reject the message (a robust parser ignores headers it does not need).
    @Test func invalidDateIsIgnored() throws {
        #expect(rejection(Self.invite(extra: ["Date: Fri, 01 Jan 2010 16:00:00 EST"])) == nil)
    }

    /// Errors name the line they come from.
    @Test func errorsNameTheLine() throws {
        let text = Self.invite(replacing: ["Max-Forwards": "Max-Forwards: 300"])
        let error = try #require(rejection(text))
        let expectedLine = text.components(separatedBy: "\r\n").firstIndex { $0.hasPrefix("Max-Forwards") }.map {
            $0 + 1
        }
        #expect(error.line == expectedLine)
        #expect(error.description.hasPrefix("line \(expectedLine!):"))
    }
}
