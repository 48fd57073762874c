import NIOCore
import Testing

@testable import SIPCore

/// The transport's top-Via rewrites done on the line's bytes (sent-by, RFC 3261 §18.1.1; received
/// and rport, §18.2.1 and RFC 3581 §4): each gives the exact line expected, and the same typed Vias
/// as parsing the value, setting the fields and printing it back (the way it was done before).
@Suite struct ViaByteEditingTests {
    /// A request whose Via line is `via` (name included, so `v:` can be tested).
    private func message(_ via: String) throws -> SIPMessage {
        try parse(request().replacingFirst("Via: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.test", with: via))
    }

    /// Stamps with the byte edit and with the typed value; returns the top line's value.
    private func stamp(_ via: String, received: String?, rport: Int?) throws -> String {
        var bytes = try message(via)
        try bytes.stampTopVia(received: received, rport: rport)
        var typed = try message(via)
        var top = try typed.topVia
        if let received { top.parameters.set("received", received) }
        if let rport { top.parameters.set("rport", String(rport)) }
        try typed.replaceTopVia(top)
        #expect(try bytes.via == typed.via, "same typed Vias as the parse-and-print rewrite")
        #expect(bytes.headers.values(for: .via).count == 1, "still one line")
        #expect(try bytes.validateCoreHeaders().topVia == SIPTopVia(top))
        return try #require(bytes.headers.first(.via))
    }

    @Test func bareRPortGetsItsValueAndReceivedIsAppended() throws {
        #expect(
            try stamp("Via: SIP/2.0/UDP 127.0.2.1:5060;branch=z9hG4bK.a;rport", received: "127.0.113.5", rport: 5071)
                == "SIP/2.0/UDP 127.0.2.1:5060;branch=z9hG4bK.a;rport=5071;received=127.0.113.5")
        #expect(
            try stamp("Via: SIP/2.0/UDP 127.0.2.1;rport;branch=z9hG4bK.a", received: "127.0.2.1", rport: 5060)
                == "SIP/2.0/UDP 127.0.2.1;rport=5060;branch=z9hG4bK.a;received=127.0.2.1")
        #expect(
            try stamp("Via: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.a;RPort ;x=1", received: "127.0.2.1", rport: 5060)
                == "SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.a;RPort=5060 ;x=1;received=127.0.2.1",
            "names compare case-insensitively; the rest stays as written")
    }

    @Test func existingValuesAreReplacedInPlace() throws {
        #expect(
            try stamp(
                "Via: SIP/2.0/UDP host.example;received=127.10.0.1;branch=z9hG4bK.b;rport=1", received: "127.0.113.5",
                rport: 40000)
                == "SIP/2.0/UDP host.example;received=127.0.113.5;branch=z9hG4bK.b;rport=40000")
        #expect(
            try stamp("Via: SIP/2.0/UDP host.example;branch=z9hG4bK.b;received", received: "127.0.113.5", rport: nil)
                == "SIP/2.0/UDP host.example;branch=z9hG4bK.b;received=127.0.113.5")
        #expect(
            try stamp("Via: SIP/2.0/UDP host.example;branch=z9hG4bK.b", received: "127.0.113.5", rport: nil)
                == "SIP/2.0/UDP host.example;branch=z9hG4bK.b;received=127.0.113.5")
    }

    @Test func ipv6SentByAndSource() throws {
        #expect(
            try stamp(
                "Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK.c;rport", received: "[2001:db8::9]", rport: 5062)
                == "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK.c;rport=5062;received=[2001:db8::9]")
        #expect(
            try stamp(
                "Via: SIP/2.0/UDP [2001:db8::1];received=2001:db8::7;branch=z9hG4bK.c", received: "[2001:db8::9]",
                rport: nil)
                == "SIP/2.0/UDP [2001:db8::1];received=[2001:db8::9];branch=z9hG4bK.c")
    }

    @Test func compactFormFoldedLinesAndSeveralValues() throws {
        #expect(
            try stamp("v: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.d;rport", received: "127.51.100.2", rport: 6000)
                == "SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.d;rport=6000;received=127.51.100.2")
        #expect(
            try stamp(
                "v: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.d;rport , SIP/2.0/TCP 127.0.2.7;branch=z9hG4bK.e;rport",
                received: "127.51.100.2", rport: 6000)
                == "SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.d;rport=6000;received=127.51.100.2 , SIP/2.0/TCP 127.0.2.7;branch=z9hG4bK.e;rport",
            "only the top value is stamped")
        #expect(
            try stamp("Via: SIP/2.0/UDP 127.0.2.1\r\n ;branch=z9hG4bK.f;rport", received: "127.51.100.2", rport: 6000)
                == "SIP/2.0/UDP 127.0.2.1 ;branch=z9hG4bK.f;rport=6000;received=127.51.100.2", "§7.3.1: unfolded")
        var m = try message("v: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.d")
        try m.stampTopVia(received: "127.51.100.2", rport: nil)
        #expect(m.headers.name(at: 0) == "v", "the line keeps its name as written")
        #expect(try m.topVia.received == "127.51.100.2")
    }

    @Test func noStampLeavesTheLine() throws {
        var m = try message("Via: SIP/2.0/udp 127.0.2.1;branch=z9hG4bK.g")
        try m.stampTopVia(received: nil, rport: nil)
        #expect(m.headers.first(.via) == "SIP/2.0/udp 127.0.2.1;branch=z9hG4bK.g")
    }

    @Test func sentByIsFilledInPlace() throws {
        func filled(_ via: String, _ transport: String, _ host: String, _ port: Int?) throws -> String {
            var m = try message(via)
            let untouched = try message(via)
            var written = ByteBuffer()
            try untouched.write(into: &written, topViaTransport: transport, host: host, port: port)
            try m.setTopViaSentBy(transport: transport, host: host, port: port)
            // Written with the edit, the message left alone: the same bytes as editing, then writing.
            #expect(String(buffer: written) == String(buffer: m.serialized))
            #expect(untouched.headers.first(.via) == (try message(via)).headers.first(.via))
            var typed = try message(via)
            var top = try typed.topVia
            top.transport = transport
            top.host = host
            top.port = port
            try typed.replaceTopVia(top)
            #expect(try m.via == typed.via)
            return try #require(m.headers.first(.via))
        }
        #expect(
            try filled("Via: SIP/2.0/udp 0.0.0.0;branch=z9hG4bK.h;rport", "UDP", "127.0.2.50", 5070)
                == "SIP/2.0/UDP 127.0.2.50:5070;branch=z9hG4bK.h;rport")
        #expect(
            try filled(
                "v: SIP/2.0/TCP 0.0.0.0 : 5060 ;branch=z9hG4bK.h, SIP/2.0/UDP a.example", "TCP", "[2001:db8::2]", nil)
                == "SIP/2.0/TCP [2001:db8::2] ;branch=z9hG4bK.h, SIP/2.0/UDP a.example")
        #expect(
            try filled("Via: SIP/2.0/UDP [::1]:5060", "UDP", "127.0.2.50", 5060) == "SIP/2.0/UDP 127.0.2.50:5060",
            "no parameters")
        #expect(
            try filled("Via: SIP/2.0/UDP 127.0.2.50:5070;branch=z9hG4bK.h", "UDP", "127.0.2.50", 5070)
                == "SIP/2.0/UDP 127.0.2.50:5070;branch=z9hG4bK.h", "already right")
    }

    @Test func malformedOrMissingTopViaThrows() throws {
        var bad = try message("Via: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.i")
        bad.headers.remove(.via)
        #expect(throws: SIPParseError.self) { try bad.stampTopVia(received: "127.0.2.2", rport: nil) }
        #expect(throws: SIPParseError.self) { try bad.setTopViaSentBy(transport: "UDP", host: "h", port: nil) }
        var buffer = ByteBuffer()
        #expect(throws: SIPParseError.self) {
            try bad.write(into: &buffer, topViaTransport: "UDP", host: "h", port: nil)
        }
        var none = try message("Via: SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.i")
        try none.stampTopVia(received: nil, rport: nil)
        #expect(none.headers.first(.via) == "SIP/2.0/UDP 127.0.2.1;branch=z9hG4bK.i")
    }
}
