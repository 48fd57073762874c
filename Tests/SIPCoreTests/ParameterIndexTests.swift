import NIOCore
import Testing

@testable import SIPCore

/// The parameter positions noted while a list is validated (``SIPParameterIndex``) against a second
/// walk over the list's text (``SIPParameterList/scan(_:kind:_:)``, what reading did before): over the
/// fuzz seeds, the RFC 4475 vectors, the fuzz regressions and one-byte mutations of them, every list of
/// every view gives the same names and values in the same order.
@Suite("Parameter index equals a walk over the text")
struct ParameterIndexTests {
    /// Every parameter list of the message's views, with where it came from.
    static func lists(_ m: SIPMessage) -> [(String, SIPParameterList)] {
        var out: [(String, SIPParameterList)] = []
        func add(_ label: String, _ uri: SIPURIView) {
            out.append(("\(label) uri", uri.parameters))
            out.append(("\(label) uri headers", uri.headers))
        }
        func add(_ label: String, _ a: SIPNameAddressView) {
            add(label, a.uri)
            out.append((label, a.parameters))
        }
        for v in (try? m.viaViews) ?? [] { out.append(("via", v.parameters)) }
        if let a = try? m.fromView { add("from", a) }
        if let a = try? m.toView { add("to", a) }
        for c in (try? m.contactViews) ?? [] { if case .address(let a) = c { add("contact", a) } }
        for a in (try? m.routeViews) ?? [] { add("route", a) }
        for a in (try? m.recordRouteViews) ?? [] { add("record-route", a) }
        if let a = try? m.referToView { add("refer-to", a) }
        if let a = try? m.referredByView { add("referred-by", a) }
        for a in ((try? m.wwwAuthenticateViews) ?? []) + ((try? m.proxyAuthenticateViews) ?? [])
            + ((try? m.authorizationViews) ?? []) + ((try? m.proxyAuthorizationViews) ?? [])
        {
            out.append(("authentication", a.parameters))
        }
        if let t = try? m.contentTypeView { out.append(("content-type", t.parameters)) }
        return out
    }

    /// The lists' parameters read through the message against a walk over their bytes; the number of
    /// lists that carried an index, nil when one differed.
    static func compare(_ m: SIPMessage, _ name: String) -> Int? {
        var indexed = 0
        for (label, list) in lists(m) {
            var read: [String] = []
            m.forEachParameter(in: list) { n, v in read.append(m.string(n) + (v.map { "=" + m.string($0) } ?? "")) }
            var walked: [String] = []
            m.withBytes(of: list.range) { bytes in
                SIPParameterList.scan(bytes, kind: list.kind) { n, v in
                    let text = { (r: Range<Int>) in
                        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[r]), as: UTF8.self)
                    }
                    walked.append(text(n) + (v.map { "=" + text($0) } ?? ""))
                    return true
                }
            }
            if read != walked {
                Issue.record("\(name) \(label): read \(read) but the text walks to \(walked)")
                return nil
            }
            if list.index.isIndexed && !list.isEmpty { indexed += 1 }
        }
        return indexed
    }

    @Test func seedsVectorsAndMutationsAgree() throws {
        var indexed = 0
        let compared = try ViewDifferentialTests.forEachMessageAndMutation(
            replacing: [nil, .semicolon, .comma, .quote, .equals, .space, .colon, .openBracket]
        ) { name, message, mutation in
            guard let n = Self.compare(message, name) else { return false }
            if !mutation { indexed += n }
            return true
        }
        #expect(compared > 1_000)
        #expect(indexed > 50)
    }

    /// A list with more parameters than the index holds is read from the index and then by walking
    /// the rest; one whose first parameters reach beyond a byte offset is walked whole; the same
    /// result either way.
    @Test func longListsAreWalked() throws {
        let long = String(repeating: "x", count: 300)
        let m = try SIPMessage(
            parsing: sip(
                "OPTIONS sip:bob@example.com SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1;a;b=2;c;d=4;e",
                "From: <sip:a@example.com>;tag=\(long)", "To: <sip:bob@example.com;p=1;q;r=3;s;t=5>",
                "Call-ID: c", "CSeq: 1 OPTIONS", "", ""))
        let via = try #require(try m.viaViews.first)
        #expect(via.parameters.index.isIndexed && via.parameters.index.resume > 0)
        #expect(!(try m.fromView).parameters.index.isIndexed)
        #expect((try m.toView).uri.parameters.index.resume > 0)
        #expect(Self.compare(m, "long lists") == 2)
        #expect(m.parameterValue("e", in: via.parameters) == nil && m.parameter("e", in: via.parameters) != nil)
        #expect(m.parameterValue("t", in: (try m.toView).uri.parameters) == "5")
        #expect(try m.from.tag == long)
    }
}
