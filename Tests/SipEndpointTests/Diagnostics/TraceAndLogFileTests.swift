import Foundation
import Logging
import NIOCore
import SIPCore
import Testing

@testable import SipEndpoint

#if canImport(Glibc)
import Glibc
#endif

/// Trace and log files safe to keep: private modes, credentials masked, bounded size, one clean
/// line per record.
@Suite("Trace and log files")
struct TraceAndLogFileTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)").path
    }

    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o777
    }

    static let digest =
        #"Digest username="7001", realm="site-a", nonce="n0nce", uri="sip:site-a", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001"#

    static func register(cseq: Int = 2, padding: Int = 0) throws -> SIPMessage {
        let text = [
            "REGISTER sip:site-a SIP/2.0",
            "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-\(cseq)",
            "From: <sip:7001@site-a>;tag=1", "To: <sip:7001@site-a>", "Call-ID: trace-test",
            "CSeq: \(cseq) REGISTER", "Max-Forwards: 70",
            "Authorization: \(digest)",
            "Proxy-Authorization: \(digest)",
            "Subject: " + String(repeating: "x", count: max(1, padding)),
            "Content-Length: 0", "", "",
        ].joined(separator: "\r\n")
        return try SIPMessage(parsing: text)
    }

    static func write(_ trace: SIPTraceFile, _ message: SIPMessage) {
        trace.write(
            message: message, time: .now(), direction: "sent", transport: "udp", local: "127.0.0.1:5070",
            remote: "127.0.0.1:5060")
    }

    static func lines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    // MARK: Trace

    @Test func aTraceIsPrivateAndItsDigestResponsesAreMasked() throws {
        let path = Self.temporaryPath("a.trace")
        // A file that was there with a looser mode is tightened, not just reused.
        _ = FileManager.default.createFile(
            atPath: path, contents: Data("old".utf8), attributes: [.posixPermissions: 0o644])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let trace = try SIPTraceFile(path: path)
        Self.write(trace, try Self.register())
        trace.close()
        #expect(Self.mode(path) == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("old"), "truncated")
        #expect(!text.contains("response="))
        #expect(!text.contains("6629fae49393a05397450978507c4ef1"))
        #expect(!text.contains("cnonce") && !text.contains("0a4f113b"))
        let message = try #require(try Self.lines(path).first?["message"] as? String)
        #expect(message.contains(#"Authorization: Digest username="7001", realm="site-a", <masked>"#))
        #expect(message.contains(#"Proxy-Authorization: Digest username="7001", realm="site-a", <masked>"#))
        #expect(message.contains("CSeq: 2 REGISTER"), "the rest of the message is as it was")
    }

    @Test func credentialsAreWrittenOnlyWhenAskedFor() throws {
        let path = Self.temporaryPath("b.trace")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let trace = try SIPTraceFile(path: path, includeCredentials: true)
        Self.write(trace, try Self.register())
        trace.close()
        #expect(Self.mode(path) == 0o600)
        let message = try #require(try Self.lines(path).first?["message"] as? String)
        #expect(message.contains(#"response="6629fae49393a05397450978507c4ef1""#))
    }

    @Test func theTraceRotatesAtItsLimitAndKeepsOneOldFile() throws {
        let path = Self.temporaryPath("c.trace")
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + ".1")
            try? FileManager.default.removeItem(atPath: path + ".1.1")
        }
        let trace = try SIPTraceFile(path: path, maximumBytes: 4096)
        for cseq in 1...40 { Self.write(trace, try Self.register(cseq: cseq, padding: 300)) }
        trace.close()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let oldSize = try #require(try FileManager.default.attributesOfItem(atPath: path + ".1")[.size] as? Int)
        #expect(size <= 4096 && oldSize <= 4096, "\(size), \(oldSize)")
        #expect(Self.mode(path + ".1") == 0o600 && Self.mode(path) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: path + ".1.1"), "one old file, not a chain")
        // The two files hold the latest messages, in order, with nothing missing between them.
        let sequence = try (Self.lines(path + ".1") + Self.lines(path)).compactMap {
            ($0["cseq"] as? String)?.split(separator: " ").first.flatMap { Int($0) }
        }
        #expect(sequence.last == 40)
        #expect(sequence.count < 40, "older messages rotated away")
        #expect(sequence == Array((40 - sequence.count + 1)...40))
    }

    @Test func aSymbolicLinkAtTheTracePathIsRefused() throws {
        let target = Self.temporaryPath("target")
        let link = Self.temporaryPath("link.trace")
        _ = FileManager.default.createFile(atPath: target, contents: Data("keep".utf8))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        defer {
            try? FileManager.default.removeItem(atPath: link)
            try? FileManager.default.removeItem(atPath: target)
        }
        #expect(throws: SipEndpointError.self) { try SIPTraceFile(path: link) }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")
    }

    @Test(arguments: [
        (
            #"Digest username="7001", realm="x", nonce="n", response="r", cnonce="c""#,
            #"Digest username="7001", realm="x", <masked>"#
        ),
        (#"Digest realm="a,b", username="u\"v", response="r""#, #"Digest realm="a,b", username="u\"v", <masked>"#),
        ("Bearer eyJhbGciOi.secret", "Bearer <masked>"),
        (#"Digest response="r""#, "Digest <masked>"),
        ("", "<masked>"),
    ])
    func credentialValuesKeepOnlySchemeUserAndRealm(value: String, masked: String) {
        #expect(SIPCredentialMask.maskValue(value) == masked)
    }

    // MARK: Control characters

    @Test(arguments: [
        ("\u{1B}[2J evil", " evil"),
        ("Alice\u{1B}]0;pwned\u{07} Smith", "Alice Smith"),
        ("\u{1B}]8;;http://x\u{1B}\\link", "link"),
        ("\u{9B}31mred\u{9B}0m", "red"),
        ("a\u{7F}b\u{85}c\u{00}d\u{08}e", "abcde"),
        ("two\r\nlines\tand tab", "twolinesand tab"),
        ("ESC at the end\u{1B}", "ESC at the end"),
        ("\u{1B}[31\u{0A}m", "m"),
        ("Zoë 日本 ☎️", "Zoë 日本 ☎️"),
    ])
    func controlCharactersAndEscapeSequencesAreStripped(input: String, printed: String) {
        let cleaned = TerminalText.clean(input)
        #expect(cleaned == printed)
        #expect(!cleaned.unicodeScalars.contains(where: TerminalText.isControl))
    }

    @Test func aWholeLineKeepsItsOwnLineBreaksOnly() {
        #expect(TerminalText.clean("\nCall flow:\u{1B}[2J x\n", keepingNewlines: true) == "\nCall flow: x\n")
    }

    @Test func jsonCarriesEveryControlCharacterEscaped() throws {
        let hostile = "\u{1B}[2J\u{07}\n\u{7F}\u{9B}31m evil"
        let encoded = String(decoding: try JSONEncoder().encode([hostile]), as: UTF8.self)
        let line = TerminalText.escapingRawControls(inJSON: encoded)
        #expect(!line.unicodeScalars.contains(where: TerminalText.isControl), "no raw control character: \(line)")
        #expect(line.contains(#"\u001b"#) || line.contains(#"\u001B"#), "JSONEncoder escapes C0 itself")
        #expect(line.contains(#"\u009B"#))
        #expect(try JSONDecoder().decode([String].self, from: Data(line.utf8)) == [hostile], "the same JSON value")
    }

    // MARK: Log file

    @Test func theLogFileIsPrivateAppendsOneCleanLinePerRecordAtItsLevel() throws {
        let path = Self.temporaryPath("sip.log")
        _ = FileManager.default.createFile(
            atPath: path, contents: Data("earlier line\n".utf8), attributes: [.posixPermissions: 0o644])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let logger = FileLogHandler.logger(file: try LogFile(path: path), level: .debug)
        logger.debug("reason \u{1B}[2J forged\nline", metadata: ["sip.connection": "0"])
        logger.trace("below the level")
        logger.error("failed", metadata: ["sip.error": "503 \u{1B}]0;x\u{07}Busy"])
        #expect(Self.mode(path) == 0o600)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(lines)")
        #expect(lines.first == "earlier line", "appended, not truncated")
        #expect(lines[1].hasSuffix(" debug sip.endpoint: reason  forgedline sip.connection=0"), "\(lines[1])")
        #expect(lines[2].hasSuffix(" error sip.endpoint: failed sip.error=503 Busy"), "\(lines[2])")
        #expect(!lines.joined().unicodeScalars.contains(where: TerminalText.isControl))
    }

    @Test func theConfigurationsLevelsMapOntoSwiftLog() {
        #expect(
            DiagnosticsConfiguration.LogLevel.allCases.map(\.swiftLogLevel) == [
                .trace, .debug, .info, .notice, .warning, .error, .critical,
            ])
    }
}

@Suite("SDES keys in traces")
struct SDESTraceMaskTests {
    static let body = [
        "v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0", "m=audio 40000 RTP/SAVP 0",
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^31",
        "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpBQkNE", "a=sendrecv", "",
    ].joined(separator: "\r\n")

    static func invite() throws -> SIPMessage {
        let text = [
            "INVITE sip:7002@127.0.0.2 SIP/2.0", "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-1",
            "From: <sip:7001@127.0.0.2>;tag=1", "To: <sip:7002@127.0.0.2>", "Call-ID: sdes-trace", "CSeq: 1 INVITE",
            "Max-Forwards: 70", "Content-Type: application/sdp", "Content-Length: \(body.utf8.count)", "", body,
        ].joined(separator: "\r\n")
        return try SIPMessage(parsing: text)
    }

    @Test func everyInlineKeyIsMaskedAndTheRestOfTheLineKept() throws {
        let masked = SIPCredentialMask.mask(try Self.invite().text)
        #expect(!masked.contains("PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"))
        #expect(!masked.contains("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpBQkNE"))
        #expect(masked.contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<masked>|2^31\r\n"))
        #expect(masked.contains("a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:<masked>\r\n"))
        #expect(masked.contains("m=audio 40000 RTP/SAVP 0\r\na=crypto:1"), "every other line as it was")
    }

    @Test func aTraceFileMasksKeysUnlessCredentialsAreTracedOnPurpose() throws {
        for include in [false, true] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("sdes-\(UUID().uuidString).jsonl")
                .path
            defer { try? FileManager.default.removeItem(atPath: path) }
            let trace = try SIPTraceFile(path: path, includeCredentials: include)
            TraceAndLogFileTests.write(trace, try Self.invite())
            trace.close()
            let written = try String(contentsOfFile: path, encoding: .utf8)
            #expect(
                written.contains("PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR") == include, "includeCredentials \(include)"
            )
        }
    }
}
