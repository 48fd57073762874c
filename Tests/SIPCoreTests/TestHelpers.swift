import NIOCore
import Testing

@testable import SIPCore

/// Builds a message from lines joined with CRLF (the body, if any, follows the blank line).
func sip(_ lines: String...) -> String { lines.joined(separator: "\r\n") }

func parse(_ text: String, framing: SIPMessageFraming = .datagram) throws(SIPParseError) -> SIPMessage {
    try SIPMessage(parsing: text, framing: framing)
}

/// The error a parse + full validation of `text` produces, or nil when the message is valid.
func rejection(_ text: String) -> SIPParseError? {
    do {
        let m = try SIPMessage(parsing: text)
        try m.validate()
        return nil
    } catch {
        return error
    }
}

/// A header value parsed as the request's typed header (a minimal valid request carries it).
func request(with extraHeaders: String...) -> String {
    ([
        "OPTIONS sip:bob@example.com SIP/2.0",
        "Via: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.test",
        "From: <sip:alice@example.com>;tag=a1",
        "To: <sip:bob@example.com>",
        "Call-ID: test-call@127.0.2.1",
        "CSeq: 1 OPTIONS",
        "Max-Forwards: 70",
    ] + extraHeaders + ["Content-Length: 0", "", ""]).joined(separator: "\r\n")
}
