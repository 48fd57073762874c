// The start line of a received message (RFC 3261 §7.1, §7.2), parsed by the head parser before the
// header lines.

extension SIPHeadParser {
    /// Request-Line = Method SP Request-URI SP SIP-Version CRLF; Status-Line = SIP-Version SP
    /// Status-Code SP Reason-Phrase CRLF (§7.1, §7.2). Exactly one SP between elements: RFC 4475
    /// §3.1.2.9 and §3.1.2.10 say extra or trailing SP make the request invalid.
    mutating func parseStartLine(_ start: Int, _ end: Int) throws(SIPParseError) -> SIPMessage.StartLine {
        let lineBytes = UnsafeRawBufferPointer(rebasing: raw[start..<end])
        if lineBytes.count >= 4, bytesEqualCaseInsensitive(UnsafeRawBufferPointer(rebasing: lineBytes[0..<4]), "sip/") {
            return try parseStatusLine(lineBytes)
        }
        var c = ByteCursor(lineBytes)
        guard let methodBytes = c.token(), c.consume(.space) else {
            throw SIPParseError(
                .malformedStartLine, line: line,
                "request line \(quoteForError(lineBytes)) does not start with a method and one SP")
        }
        let uriStart = c.index
        while let b = c.peek, b != .space, b != .tab { c.index += 1 }
        let uriBytes = c.slice(uriStart, c.index)
        guard !uriBytes.isEmpty, c.consume(.space) else {
            throw SIPParseError(
                .malformedStartLine, line: line,
                "request line \(quoteForError(lineBytes)) must be Method SP Request-URI SP SIP-Version")
        }
        try checkVersion(c.remaining, in: lineBytes)
        let uri: SIPURI
        do {
            uri = try SIPURI.parse(uriBytes, maximumLength: options.limits.maximumURILength)
        } catch {
            throw error.at(line: line)
        }
        // §19.1.1: the headers component is not allowed in a Request-URI (RFC 4475 §3.1.2.11).
        guard uri.headers.isEmpty else {
            throw SIPParseError(.invalidURI, line: line, "the Request-URI must not contain URI headers ('?…')")
        }
        return .request(method: SIPMethod.from(bytes: methodBytes), uri: uri)
    }

    func checkVersion(_ v: UnsafeRawBufferPointer, in lineBytes: UnsafeRawBufferPointer) throws(SIPParseError) {
        if bytesEqualCaseInsensitive(v, "sip/2.0") { return }
        // SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT: well formed but another version is a 505 case.
        var c = ByteCursor(v)
        if v.count > 4, bytesEqualCaseInsensitive(UnsafeRawBufferPointer(rebasing: v[0..<4]), "sip/") {
            c.index = 4
            if c.run(of: .token) != nil, c.isAtEnd {
                throw SIPParseError(.unsupportedVersion, line: line, "unsupported SIP version \(quoteForError(v))")
            }
        }
        throw SIPParseError(
            .malformedStartLine, line: line, "start line \(quoteForError(lineBytes)) does not end with SIP/2.0")
    }

    func parseStatusLine(_ lineBytes: UnsafeRawBufferPointer) throws(SIPParseError) -> SIPMessage.StartLine {
        var c = ByteCursor(lineBytes)
        while let b = c.peek, b != .space { c.index += 1 }
        try checkVersion(c.slice(0, c.index), in: lineBytes)
        guard c.consume(.space) else {
            throw SIPParseError(
                .malformedStartLine, line: line, "status line \(quoteForError(lineBytes)) has no status code")
        }
        let codeStart = c.index
        while let b = c.peek, b.isASCIIDigit { c.index += 1 }
        guard c.index - codeStart == 3, c.isAtEnd || c.peek == .space else {
            throw SIPParseError(
                .malformedStartLine, line: line,
                "status line \(quoteForError(lineBytes)) needs a three-digit status code")
        }
        var code = 0
        for i in codeStart..<c.index { code = code * 10 + Int(lineBytes[i] - UInt8(ascii: "0")) }
        guard (100...699).contains(code) else {
            throw SIPParseError(.malformedStartLine, line: line, "status code \(code) is outside 100–699")
        }
        // Reason-Phrase may be empty (RFC 4475 §3.1.1.13); its bytes are UTF-8 text without controls.
        _ = c.consume(.space)
        let reason = c.remaining
        guard !reason.contains(where: { $0 < 0x20 && $0 != .tab }) else {
            throw SIPParseError(.malformedStartLine, line: line, "the reason phrase contains control characters")
        }
        return .response(statusCode: code, reasonPhrase: String(decoding: reason, as: UTF8.self))
    }
}
