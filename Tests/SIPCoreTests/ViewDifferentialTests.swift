import Foundation
import NIOCore
import Testing

@testable import SIPCore

/// The typed views over the bytes against the value types' own parsers: over the fuzz seeds (which
/// hold the benchmark corpus's messages), the RFC 4475 vectors, the fuzz regressions and thousands of
/// one-byte mutations of them, every accessor pair gives the same value (field by field, parameters
/// in order and as written) or the same error (code, line and text).
@Suite("Typed views equal the value parsers")
struct ViewDifferentialTests {
    static let seedDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "Fuzz/seeds")

    static func seedMessages() throws -> [(name: String, bytes: [UInt8])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: seedDirectory.path).sorted()
        return names.compactMap { name in
            FileManager.default.contents(atPath: seedDirectory.appending(path: name).path).map { (name, Array($0)) }
        }
    }

    static var fixedMessages: [(name: String, bytes: [UInt8])] {
        RFC4475InvalidMessageTests.cases.map { ($0.name, Array($0.message.utf8)) }
            + FuzzRegressionTests.cases.map { ($0.name, $0.bytes) }
            + [
                ("typed extras", Array(Self.extras.utf8)),
                ("request(with:)", Array(request(with: "Contact: *", "Expires: 0").utf8)),
            ]
    }

    /// Headers the seeds have few of: folded and odd spellings of every typed header.
    static let extras = sip(
        "REFER sip:bob@[2001:db8::1]:5061;transport=tls;%6Cr?subject=hi%20there&x=1 SIP/2.0",
        "Via: SIP/2.0/TLS [2001:db8::2]:5061;branch=z9hG4bK.a;received=2001:db8::9;rport=5062;ttl=3,",
        " SIP/2.0/tcp host.example ; branch = z9hG4bK.b ; maddr=[::1]",
        "From: Alice  Smith <sips:al%69ce:pw%21@example.com;user=phone>;tag=\"q\\\"t\"",
        "To: \"Bob \\\"B\\\"\"\t<tel:+1-555-0100;phone-context=example.com>",
        "Call-ID: a.b-c!%*_+`'~()<>:\\\"/[]?{}@host",
        "CSeq:  7   REFER",
        "Max-Forwards: 10",
        "Contact: <sip:a@127.0.2.1>;expires=60;q=0.5, sip:b@127.0.2.2;q=1",
        "Route: <sip:p1.example;lr>,<sip:p2.example;lr;maddr=x>",
        "Proxy-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth,auth-int\", stale=TRUE, Basic realm=\"b\"",
        "Proxy-Authorization: Digest username=\"u\",realm=\"r\",nonce=\"n\",uri=\"sip:x\",response=\"0\"",
        "Content-Type: multipart/mixed ; boundary=\"b1\" ; charset=utf-8",
        "Allow: INVITE,ACK , BYE,   CANCEL",
        "Supported:",
        "Require: 100rel, timer",
        "Unsupported: foo",
        "Proxy-Require: bar",
        "Refer-To: <sip:c@example.com?Replaces=abc%40host%3Bto-tag%3D1>",
        "Referred-By: sip:alice@example.com",
        "Content-Length: 0",
        "", "")

    @Test func seedsAndVectorsAgree() throws {
        let all = try Self.seedMessages() + Self.fixedMessages
        #expect(all.count > 30)
        var compared = 0
        for (name, bytes) in all {
            guard let m = try? SIPMessage(parsing: ByteBuffer(bytes: bytes)) else { continue }
            compared += 1
            Self.compare(m, name)
        }
        #expect(compared > 15)
    }

    /// Headers added and removed in code are found by the views as by the value accessors (the
    /// presence bits that let accessors skip absent headers are kept by every way of adding one).
    @Test func headersChangedInCodeAreSeen() throws {
        var m = try parse(request())
        #expect(try m.contactViews.isEmpty)
        m.headers.add(.contact, "<sip:a@127.0.2.1>;expires=5")
        #expect(try m.contactViews.count == 1)
        #expect(try m.contacts.count == 1)
        m.headers.remove(.contact)
        #expect(try m.contactViews.isEmpty)
        m.headers.prepend(.contentType, "application/sdp")
        let type = try #require(try m.contentTypeView)
        #expect(m.string(type.subtype) == "sdp")
        m.headers.replaceOrAdd(.expires, "30")
        #expect(try m.expires == 30)
        var copy = SIPHeaders()
        copy.append(lineAt: 0, of: m.headers)
        let built = SIPMessage(startLine: m.startLine, headers: copy)
        #expect(try built.contentTypeView != nil)
        #expect(try built.viaViews.isEmpty)
        #expect(Self.compare(m, "changed in code"))
    }

    /// Lines added in code after parsing: a second From or Call-ID is a duplicate for the views as for
    /// the values (the parser saw one of each), a malformed Call-ID added in code is an error for both
    /// (the parser never checked it), a URI parameter with a bad escape after a good one is refused,
    /// and lines added until the header storage grows (and so moves) leave the parsed ones readable,
    /// in the message and in a copy taken before.
    @Test func linesAddedAfterParsing() throws {
        var m = try parse(request(with: "Contact: <sip:a@127.0.2.1;x=1;y=%zz>"))
        #expect(Self.compare(m, "bad escape after a good parameter"))
        #expect(throws: SIPParseError.self) { try m.contactViews }
        m = try parse(request())
        let before = m
        for i in 0..<200 { m.headers.add(SIPHeaderName("X-Filler-\(i)"), String(repeating: "f", count: 40)) }
        #expect(m.string(try m.callIDRange) == "test-call@127.0.2.1")
        #expect(before.string(try before.callIDRange) == "test-call@127.0.2.1")
        #expect(m.headers.value(at: m.headers.count - 1) == String(repeating: "f", count: 40))
        #expect(Self.compare(m, "storage grown") && Self.compare(before, "copy before growing"))
        m.headers.add(.from, "<sip:x@example.com>;tag=2")
        m.headers.add(.callID, "bad call id")
        #expect(Self.compare(m, "duplicates added in code"))
        #expect(throws: SIPParseError.self) { try m.fromView }
        #expect(throws: SIPParseError.self) { try m.callIDRange }
        var built = SIPMessage.request(method: .options, uri: try SIPURI("sip:bob@example.com"))
        built.headers.add(.callID, "bad call id")
        #expect(Self.compare(built, "Call-ID added in code"))
        #expect(throws: SIPParseError.self) { try built.callIDRange }
        #expect(SIPHeaderName("CALL-id") == .callID && SIPHeaderName("Call ID").canonicalName == "Call ID")
        #expect(SIPHeaderName("WWW-AUTHENTICATE") == .wwwAuthenticate && SIPHeaderName("x") != .via)
    }

    /// Every header value of every seed, each byte in turn replaced by delimiters (or removed): most
    /// become errors, which must be the same error. Seconds of CPU in a debug build: the test yields its
    /// thread at each position, so that Swift's pool (two threads on two cores) runs other tests' work
    /// meanwhile instead of holding it up.
    @Test func mutationsAgree() async throws {
        let replacements: [UInt8?] = [
            nil, .semicolon, .comma, .quote, .lessThan, .greaterThan, .percent, .space, .equals, .at, .colon,
            .openBracket, UInt8(ascii: "x"),
        ]
        var compared = 0
        var failures = 0
        for (name, bytes) in try Self.seedMessages() + Self.fixedMessages {
            guard let m = try? SIPMessage(parsing: ByteBuffer(bytes: bytes)), m.headers.count > 0 else { continue }
            // Offsets of the header values in the original bytes: find each value's text after its line's colon.
            // Two of the replacements at each position, turn by turn (all of them take minutes in a debug build).
            for position in Self.valuePositions(bytes) {
                await Task.yield()
                for r in [
                    replacements[position % replacements.count], replacements[(position * 7 + 3) % replacements.count],
                ] {
                    var mutated = bytes
                    if let r { mutated[position] = r } else { mutated.remove(at: position) }
                    guard let mm = try? SIPMessage(parsing: ByteBuffer(bytes: mutated)) else { continue }
                    compared += 1
                    if !Self.compare(mm, "\(name) @\(position) \(r.map { String(UnicodeScalar($0)) } ?? "removed")") {
                        failures += 1
                        if failures > 20 { return }
                    }
                }
            }
        }
        #expect(compared > 2_000)
    }

    /// Hands `body` every seed and fixed vector that parses (`mutation` false), each followed by its
    /// one-byte mutations that parse (`mutation` true): at each value position the byte is replaced
    /// by the next of `replacements` in turn, nil removing it. `body` returns false to stop. Returns
    /// how many mutations were handed over.
    static func forEachMessageAndMutation(
        replacing replacements: [UInt8?], _ body: (_ name: String, _ message: SIPMessage, _ mutation: Bool) -> Bool
    ) throws -> Int {
        var mutations = 0
        for (name, bytes) in try seedMessages() + fixedMessages {
            guard let m = try? SIPMessage(parsing: ByteBuffer(bytes: bytes)) else { continue }
            guard body(name, m, false) else { return mutations }
            for position in valuePositions(bytes) {
                var mutated = bytes
                let r = replacements[position % replacements.count]
                if let r { mutated[position] = r } else { mutated.remove(at: position) }
                guard let mm = try? SIPMessage(parsing: ByteBuffer(bytes: mutated)) else { continue }
                mutations += 1
                guard body("\(name) @\(position)", mm, true) else { return mutations }
            }
        }
        return mutations
    }

    /// Offsets of the bytes of header values (after the first colon of each header line, before the
    /// blank line).
    static func valuePositions(_ bytes: [UInt8]) -> [Int] {
        var out: [Int] = []
        var i = 0
        var lineStart = true
        var inValue = false
        var firstLine = true
        while i < bytes.count {
            let b = bytes[i]
            if b == .lf {
                if lineStart { break }  // blank line: the body follows
                lineStart = true
                inValue = false
                firstLine = false
            } else if b != .cr {
                if lineStart && !b.isSIPWhitespace { inValue = false }
                lineStart = false
                if inValue {
                    out.append(i)
                } else if b == .colon && !firstLine {
                    inValue = true
                }
            }
            i += 1
        }
        return out
    }

    /// Compares every accessor pair, recording each difference; true when there was none.
    @discardableResult
    static func compare(_ m: SIPMessage, _ name: String) -> Bool {
        var ok = true
        func check<T>(
            _ label: String, _ old: () throws(SIPParseError) -> T, _ new: () throws(SIPParseError) -> T
        ) {
            let o: Result<T, SIPParseError>
            let n: Result<T, SIPParseError>
            do throws(SIPParseError) { o = .success(try old()) } catch { o = .failure(error) }
            do throws(SIPParseError) { n = .success(try new()) } catch { n = .failure(error) }
            switch (o, n) {
            case (.success(let a), .success(let b)):
                let da = dumped(a)
                let db = dumped(b)
                if da != db {
                    ok = false
                    Issue.record("\(name) \(label): value \(da) != view \(db)")
                }
            case (.failure(let a), .failure(let b)):
                if a.code != b.code || a.line != b.line || a.detail != b.detail {
                    ok = false
                    Issue.record("\(name) \(label): error \(a.code) \(a) != view \(b.code) \(b)")
                }
            default:
                ok = false
                Issue.record("\(name) \(label): value parser \(o) but view \(n)")
            }
        }
        check(
            "via", { () throws(SIPParseError) in try m.via }, { () throws(SIPParseError) in try m.viaViews.map(m.via) })
        check(
            "topVia", { () throws(SIPParseError) in try m.topVia },
            { () throws(SIPParseError) in m.via(try m.topViaView) })
        check(
            "from", { () throws(SIPParseError) in try m.from },
            { () throws(SIPParseError) in m.nameAddress(try m.fromView) })
        check(
            "to", { () throws(SIPParseError) in try m.to }, { () throws(SIPParseError) in m.nameAddress(try m.toView) })
        check(
            "callID", { () throws(SIPParseError) in try m.callID },
            { () throws(SIPParseError) in m.string(try m.callIDRange) })
        check(
            "cseq", { () throws(SIPParseError) in try m.cseq }, { () throws(SIPParseError) in m.cseq(try m.cseqView) })
        check(
            "contacts", { () throws(SIPParseError) in try m.contacts },
            { () throws(SIPParseError) in try m.contactViews.map(m.contact) })
        check(
            "routes", { () throws(SIPParseError) in try m.routes },
            { () throws(SIPParseError) in try m.routeViews.map(m.nameAddress) })
        check(
            "recordRoutes", { () throws(SIPParseError) in try m.recordRoutes },
            { () throws(SIPParseError) in try m.recordRouteViews.map(m.nameAddress) })
        check(
            "wwwAuthenticate", { () throws(SIPParseError) in try m.wwwAuthenticate },
            { () throws(SIPParseError) in try m.wwwAuthenticateViews.map(m.authentication) })
        check(
            "proxyAuthenticate", { () throws(SIPParseError) in try m.proxyAuthenticate },
            { () throws(SIPParseError) in try m.proxyAuthenticateViews.map(m.authentication) })
        check(
            "authorization", { () throws(SIPParseError) in try m.authorization },
            { () throws(SIPParseError) in try m.authorizationViews.map(m.authentication) })
        check(
            "proxyAuthorization", { () throws(SIPParseError) in try m.proxyAuthorization },
            { () throws(SIPParseError) in try m.proxyAuthorizationViews.map(m.authentication) })
        check(
            "contentType", { () throws(SIPParseError) in try m.contentType },
            { () throws(SIPParseError) in try m.contentTypeView.map(m.mediaType) })
        check(
            "referTo", { () throws(SIPParseError) in try m.referTo },
            { () throws(SIPParseError) in try m.referToView.map(m.nameAddress) })
        check(
            "referredBy", { () throws(SIPParseError) in try m.referredBy },
            { () throws(SIPParseError) in try m.referredByView.map(m.nameAddress) })
        check(
            "allow", { () throws(SIPParseError) in try m.allow.map(\.rawValue) },
            { () throws(SIPParseError) in try tokens(m, .allow) })
        check(
            "supported", { () throws(SIPParseError) in try m.supported },
            { () throws(SIPParseError) in try tokens(m, .supported) })
        check(
            "require", { () throws(SIPParseError) in try m.require },
            { () throws(SIPParseError) in try tokens(m, .require) })
        check(
            "proxyRequire", { () throws(SIPParseError) in try m.proxyRequire },
            { () throws(SIPParseError) in try tokens(m, .proxyRequire) })
        check(
            "unsupported", { () throws(SIPParseError) in try m.unsupported },
            { () throws(SIPParseError) in try tokens(m, .unsupported) })
        check(
            "validate", { () throws(SIPParseError) in try legacyValidate(m) },
            { () throws(SIPParseError) in try m.validate() })
        // Parameter lookups through the views against the values' own.
        if let vias = try? m.via, let views = try? m.viaViews {
            for (v, w) in zip(vias, views) {
                for p in ["branch", "BRANCH", "received", "rport", "maddr", "ttl"] {
                    if v.parameters.value(p) != m.parameterValue(p, in: w.parameters) {
                        ok = false
                        Issue.record("\(name) via \(p): \(String(describing: v.parameters.value(p)))")
                    }
                }
                if v.parameters.contains("rport") != (m.parameter("rport", in: w.parameters) != nil) {
                    ok = false
                    Issue.record("\(name) via rport presence")
                }
            }
        }
        if let from = try? m.from, let view = try? m.fromView {
            if from.tag != m.parameterValue("tag", in: view.parameters)
                || from.uri.parameters.value("user") != m.parameterValue("user", in: view.uri.parameters)
                || from.uri.parameters.value("lr") != m.parameterValue("lr", in: view.uri.parameters)
            {
                ok = false
                Issue.record("\(name) from parameters")
            }
        }
        return ok
    }

    /// `validate()` as it was before the views: every value accessor in its order.
    static func legacyValidate(_ m: SIPMessage) throws(SIPParseError) {
        _ = try m.via
        _ = try m.from
        _ = try m.to
        _ = try m.callID
        _ = try m.cseq
        _ = try m.maxForwards
        _ = try m.contacts
        _ = try m.routes
        _ = try m.recordRoutes
        _ = try m.expires
        _ = try m.minExpires
        _ = try m.retryAfter
        _ = try m.wwwAuthenticate
        _ = try m.proxyAuthenticate
        _ = try m.authorization
        _ = try m.proxyAuthorization
        _ = try m.authenticationInfo
        _ = try m.contentType
        _ = try m.allow
        _ = try m.supported
        _ = try m.require
        _ = try m.proxyRequire
        _ = try m.unsupported
        _ = try m.sessionExpires
        _ = try m.event
        _ = try m.referTo
        _ = try m.referredBy
    }

    static func tokens(_ m: SIPMessage, _ name: SIPHeaderName) throws(SIPParseError) -> [String] {
        var out: [String] = []
        try m.forEachToken(of: name) { out.append(m.string($0)) }
        return out
    }

    static func dumped<T>(_ value: T) -> String {
        var out = ""
        dump(value, to: &out)
        return out
    }
}
