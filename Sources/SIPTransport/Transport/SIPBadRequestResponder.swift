import NIOCore
import SIPCore

/// Builds the `400 Bad Request` for a datagram, or a message framed on a stream, that failed to parse (RFC 3261 §8.2 and
/// §21.4.1: "the reason phrase SHOULD identify the syntax problem in more detail"), or the
/// `505 Version Not Supported` for a well-formed request of another SIP version (§21.5.7).
///
/// A response can only be matched by the client when it carries the request's Via, Call-ID, CSeq,
/// From and To (§8.2.6.2), so this scans the raw bytes leniently for them instead of trusting the
/// parser that has just failed. When the start line is not a request's, or Via, Call-ID or CSeq
/// cannot be found, there is nothing to answer: the caller drops the datagram.
public enum SIPBadRequestResponder {
    /// Longest reason phrase we write; the parse error's detail is cut to fit.
    static let maximumReasonLength = 120

    /// The 400 answering `datagram` (the bytes of one datagram, or of one message framed on a stream), whose
    /// parse failed with `error`; its reason phrase is `Bad Request (<what is wrong>)`, printable ASCII, the
    /// detail cut to 120 characters. When `error` is ``SIPParseError/Code/unsupportedVersion`` (a request
    /// line ending `SIP/<digits>.<digits>` other than 2.0), the answer is `505 Version Not Supported`
    /// instead (RFC 3261 §21.5.7), so a client of another version learns why rather than timing out.
    ///
    /// Returns nil, and the caller drops the input unanswered, when it is larger than
    /// `limits.maximumMessageSize` (default ``SIPParserLimits/default``), its start line is not a request's
    /// (`Method SP Request-URI SP SIP/<digits>.<digits>`), or it has no Via, Call-ID or CSeq. Only the first
    /// `limits.maximumHeaderCount` header lines are scanned; Via, Call-ID, CSeq, From and To are copied as
    /// written, Via lines first.
    public static func response(to datagram: ByteBuffer, error: SIPParseError, limits: SIPParserLimits = .default)
        -> SIPMessage?
    {
        guard datagram.readableBytes <= limits.maximumMessageSize else { return nil }
        var lines = datagram.readableBytesView.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .lazy.map { line -> ArraySlice<UInt8> in
                var l = ArraySlice(line)
                if l.last == UInt8(ascii: "\r") { l = l.dropLast() }
                return l
            }.makeIterator()
        var startLine: ArraySlice<UInt8>?
        while let line = lines.next() {
            if line.isEmpty { continue }  // §7.5: CRLFs before the start line are ignored
            startLine = line
            break
        }
        guard let startLine, isRequestLine(startLine) else { return nil }

        var kept: [(SIPHeaderName, String)] = []
        var have: Set<SIPHeaderName> = []
        var count = 0
        while let line = lines.next(), !line.isEmpty {
            count += 1
            guard count <= limits.maximumHeaderCount else { break }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = SIPHeaderName(String(decoding: trimmed(line[line.startIndex..<colon]), as: UTF8.self))
            guard [SIPHeaderName.via, .callID, .cseq, .from, .to].contains(name) else { continue }
            let value = String(decoding: trimmed(line[(colon + 1)...]), as: UTF8.self)
            guard !value.isEmpty else { continue }
            kept.append((name, value))
            have.insert(name)
        }
        guard have.isSuperset(of: [.via, .callID, .cseq]) else { return nil }

        var headers = SIPHeaders()
        // Via lines first and in order (§8.2.6.2), then the rest as the request had them.
        for (name, value) in kept where name == .via { headers.add(name, value) }
        for (name, value) in kept where name != .via { headers.add(name, value) }
        if error.code == .unsupportedVersion {
            return SIPMessage.response(statusCode: 505, reasonPhrase: "Version Not Supported", headers: headers)
        }
        return SIPMessage.response(statusCode: 400, reasonPhrase: reasonPhrase(for: error), headers: headers)
    }

    /// `Bad Request (…what is wrong…)`, printable ASCII only so it can never break the status line.
    static func reasonPhrase(for error: SIPParseError) -> String {
        var detail = String(
            decoding: error.description.utf8.map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
        if detail.count > maximumReasonLength { detail = String(detail.prefix(maximumReasonLength - 3)) + "..." }
        return "Bad Request (\(detail))"
    }

    /// `Method SP Request-URI SP SIP-Version` with a token for the method (§7.1), the version
    /// `"SIP" "/" 1*DIGIT "." 1*DIGIT` with "SIP" in any case (§25.1).
    static func isRequestLine(_ line: ArraySlice<UInt8>) -> Bool {
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        guard parts.count == 3, let method = parts.first, !method.isEmpty else { return false }
        let tokenExtras = Array("-.!%*_+`'~".utf8)
        let isToken = method.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || tokenExtras.contains(b)
        }
        return isToken && isVersion(parts[2])
    }

    static func isVersion(_ text: ArraySlice<UInt8>) -> Bool {
        guard text.count >= 7, text.prefix(4).map({ $0 | 0x20 }).elementsEqual("sip/".utf8) else { return false }
        let numbers = text.dropFirst(4).split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return numbers.count == 2 && numbers.allSatisfy { !$0.isEmpty && $0.allSatisfy { (0x30...0x39).contains($0) } }
    }

    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = bytes
        while let f = s.first, f == UInt8(ascii: " ") || f == UInt8(ascii: "\t") { s = s.dropFirst() }
        while let l = s.last, l == UInt8(ascii: " ") || l == UInt8(ascii: "\t") { s = s.dropLast() }
        return s
    }
}
