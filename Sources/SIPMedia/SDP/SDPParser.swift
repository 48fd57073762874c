import NIOCore

extension SessionDescription {
    /// Parses a description (RFC 4566 §5). CRLF or bare LF line ends; trailing empty lines ignored.
    package init(parsing text: String, limits: SDPParserLimits = .default) throws(SDPParseError) {
        self = try SDPParser(limits: limits).parse(Array(text.utf8))
    }

    /// Parses the readable bytes of a SIP body.
    package init(parsing buffer: ByteBuffer, limits: SDPParserLimits = .default) throws(SDPParseError) {
        guard buffer.readableBytes <= limits.maximumSize else {
            throw SDPParseError(.tooLarge, "\(buffer.readableBytes) bytes, more than \(limits.maximumSize)")
        }
        self = try SDPParser(limits: limits).parse(Array(buffer.readableBytesView))
    }

    package init(parsing bytes: [UInt8], limits: SDPParserLimits = .default) throws(SDPParseError) {
        self = try SDPParser(limits: limits).parse(bytes)
    }
}

/// A line-at-a-time reader that holds RFC 4566 §5's order where offer/answer depends on it:
/// `v=`, `o=`, `s=` first and in that order; session `c=` at most once and before `t=`; at least one
/// `t=` before the first `m=`; `r=` only after `t=`; session-only fields never inside a media section;
/// every stream that is not rejected has a `c=` (its own or the session's, §5.7).
///
/// Lenient where peers differ and nothing depends on it: bare LF line ends, an empty `s=`, the order
/// of `i=`/`u=`/`e=`/`p=`/`b=`/`z=`/`k=`/`a=`, and type letters RFC 4566 does not define (§5 says to
/// ignore such a description; we keep the lines and write them back, as the SDK's peers expect).
struct SDPParser {
    let limits: SDPParserLimits

    private enum Position { case start, afterVersion, afterOrigin, session, media }

    func parse(_ bytes: [UInt8]) throws(SDPParseError) -> SessionDescription {
        guard bytes.count <= limits.maximumSize else {
            throw SDPParseError(.tooLarge, "\(bytes.count) bytes, more than \(limits.maximumSize)")
        }
        let lines = try splitLines(bytes)

        var position = Position.start
        var origin: SDPOrigin?
        var sessionName = ""
        var connection: SDPConnection?
        var timing: [SDPTiming] = []
        var attributes: [SDPAttribute] = []
        var otherFields: [SDPField] = []
        var media: [MediaDescription] = []
        var mediaLines: [Int] = []
        var lastWasTiming = false

        for (number, line) in lines {
            let (type, value) = try split(line, number)
            defer { lastWasTiming = type == "t" || type == "r" }
            switch (position, type) {
            case (.start, "v"):
                guard value == "0" else {
                    throw SDPParseError(.unsupportedVersion, line: number, "v=\(value): only version 0 exists")
                }
                position = .afterVersion
            case (.start, _):
                throw SDPParseError(.missingLine, line: number, "a description starts with v=0")
            case (.afterVersion, "o"):
                origin = try parseOrigin(value, number)
                position = .afterOrigin
            case (.afterVersion, _):
                throw SDPParseError(.missingLine, line: number, "o= must follow v=")
            case (.afterOrigin, "s"):
                sessionName = value
                position = .session
            case (.afterOrigin, _):
                throw SDPParseError(.missingLine, line: number, "s= must follow o=")
            case (_, "v"), (_, "o"), (_, "s"):
                throw SDPParseError(.misplacedLine, line: number, "\(type)= appears once, at the top")

            case (.session, "c"):
                guard connection == nil else {
                    throw SDPParseError(.misplacedLine, line: number, "second session-level c=")
                }
                guard timing.isEmpty else {
                    throw SDPParseError(.misplacedLine, line: number, "session-level c= after t=")
                }
                connection = try parseConnection(value, number)
            case (.session, "t"):
                timing.append(try parseTiming(value, number))
            case (.session, "r"):
                guard lastWasTiming, !timing.isEmpty else {
                    throw SDPParseError(.misplacedLine, line: number, "r= must follow t=")
                }
                timing[timing.count - 1].repeats.append(value)
            case (.session, "a"):
                attributes.append(try parseAttribute(value, number))
            case (.session, "m"), (.media, "m"):
                guard !timing.isEmpty else {
                    throw SDPParseError(.missingLine, line: number, "t= must come before the first m=")
                }
                guard media.count < limits.maximumMediaCount else {
                    throw SDPParseError(.tooManyMedia, line: number, "more than \(limits.maximumMediaCount) m= lines")
                }
                media.append(try parseMedia(value, number))
                mediaLines.append(number)
                position = .media
            case (.session, _):
                otherFields.append(SDPField(type, value))

            case (.media, "c"):
                guard media[media.count - 1].connection == nil else {
                    throw SDPParseError(.misplacedLine, line: number, "second c= in one media description")
                }
                media[media.count - 1].connection = try parseConnection(value, number)
            case (.media, "a"):
                media[media.count - 1].attributes.append(try parseAttribute(value, number))
            case (.media, "t"), (.media, "r"), (.media, "z"), (.media, "u"), (.media, "e"), (.media, "p"):
                throw SDPParseError(.misplacedLine, line: number, "\(type)= belongs before the first m=")
            case (.media, _):
                media[media.count - 1].otherFields.append(SDPField(type, value))
            }
        }

        switch position {
        case .start: throw SDPParseError(.missingLine, "empty description")
        case .afterVersion: throw SDPParseError(.missingLine, "o= missing")
        case .afterOrigin: throw SDPParseError(.missingLine, "s= missing")
        case .session, .media: break
        }
        guard !timing.isEmpty else { throw SDPParseError(.missingLine, "t= missing") }
        for (stream, number) in zip(media, mediaLines)
        where !stream.isRejected && stream.connection == nil && connection == nil {
            throw SDPParseError(.missingLine, line: number, "no c= for this stream nor for the session")
        }
        guard let origin else { throw SDPParseError(.missingLine, "o= missing") }
        return SessionDescription(
            origin: origin, sessionName: sessionName, connection: connection, timing: timing,
            attributes: attributes, otherFields: otherFields, media: media)
    }

    /// Lines with their 1-based numbers, line ends removed, trailing empty lines dropped.
    private func splitLines(_ bytes: [UInt8]) throws(SDPParseError) -> [(Int, String)] {
        var lines: [(Int, String)] = []
        var start = 0
        var number = 0
        var pendingEmpty = 0
        while start < bytes.count {
            number += 1
            guard number <= limits.maximumLineCount else {
                throw SDPParseError(.tooManyLines, line: number, "more than \(limits.maximumLineCount) lines")
            }
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let next = end + 1
            if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            guard end - start <= limits.maximumLineLength else {
                throw SDPParseError(.lineTooLong, line: number, "longer than \(limits.maximumLineLength) bytes")
            }
            let slice = bytes[start..<end]
            start = next
            if slice.isEmpty {
                pendingEmpty += 1
                continue
            }
            guard pendingEmpty == 0 else {
                throw SDPParseError(.malformedLine, line: number - pendingEmpty, "empty line inside the description")
            }
            // Tab is tolerated (some stacks indent values); every other control byte is not SDP text.
            guard !slice.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }),
                let text = String(validating: slice, as: UTF8.self)
            else {
                throw SDPParseError(.invalidEncoding, line: number, "control character or invalid UTF-8")
            }
            lines.append((number, text))
        }
        return lines
    }

    private func split(_ line: String, _ number: Int) throws(SDPParseError) -> (Character, String) {
        let utf8 = line.utf8
        guard utf8.count >= 2, let first = utf8.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z"),
            utf8[utf8.index(after: utf8.startIndex)] == UInt8(ascii: "=")
        else {
            throw SDPParseError(.malformedLine, line: number, "expected <letter>=<value>")
        }
        return (Character(Unicode.Scalar(first)), String(line.dropFirst(2)))
    }

    private func parseOrigin(_ value: String, _ number: Int) throws(SDPParseError) -> SDPOrigin {
        let parts = value.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 6, let id = digits(parts[1]), let version = digits(parts[2]) else {
            throw SDPParseError(
                .invalidValue, line: number,
                "o= needs <username> <sess-id> <sess-version> <nettype> <addrtype> <address>")
        }
        let address = SDPConnection(
            addressType: String(parts[4]), address: String(parts[5]), networkType: String(parts[3]))
        return SDPOrigin(username: String(parts[0]), sessionID: id, sessionVersion: version, address: address)
    }

    private func parseConnection(_ value: String, _ number: Int) throws(SDPParseError) -> SDPConnection {
        let parts = value.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3, parts[0] == "IN" else {
            throw SDPParseError(.invalidValue, line: number, "c= needs IN <addrtype> <connection-address>")
        }
        guard parts[1] == "IP4" || parts[1] == "IP6" else {
            throw SDPParseError(.invalidValue, line: number, "c= address type \(parts[1]) is neither IP4 nor IP6")
        }
        return SDPConnection(addressType: String(parts[1]), address: String(parts[2]), networkType: String(parts[0]))
    }

    private func parseTiming(_ value: String, _ number: Int) throws(SDPParseError) -> SDPTiming {
        let parts = value.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, let start = digits(parts[0]), let stop = digits(parts[1]) else {
            throw SDPParseError(.invalidValue, line: number, "t= needs <start-time> <stop-time>")
        }
        return SDPTiming(start: start, stop: stop)
    }

    /// `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` (RFC 4566 §5.14).
    private func parseMedia(_ value: String, _ number: Int) throws(SDPParseError) -> MediaDescription {
        let parts = value.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 4 else {
            throw SDPParseError(.invalidValue, line: number, "m= needs <media> <port> <proto> <fmt> ...")
        }
        let portParts = parts[1].split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(portParts.count), let port = digits(portParts[0]), port <= 65535 else {
            throw SDPParseError(.invalidValue, line: number, "m= port \(parts[1]) is not 0-65535")
        }
        var count: Int?
        if portParts.count == 2 {
            guard let n = digits(portParts[1]), n >= 1, n <= 65535 else {
                throw SDPParseError(
                    .invalidValue, line: number, "m= number of ports \(portParts[1]) is not a positive number")
            }
            count = Int(n)
        }
        let stream = MediaDescription(
            media: String(parts[0]), port: Int(port), portCount: count, proto: String(parts[2]),
            formats: parts[3...].map(String.init))
        if stream.isRTP, let bad = stream.formats.first(where: { digits(Substring($0)).map { $0 > 127 } ?? true }) {
            throw SDPParseError(.invalidValue, line: number, "RTP format \(bad) is not a payload type 0-127")
        }
        return stream
    }

    private func parseAttribute(_ value: String, _ number: Int) throws(SDPParseError) -> SDPAttribute {
        let attribute: SDPAttribute
        if let colon = value.firstIndex(of: ":") {
            attribute = SDPAttribute(String(value[..<colon]), String(value[value.index(after: colon)...]))
        } else {
            attribute = SDPAttribute(value)
        }
        guard !attribute.name.isEmpty, !attribute.name.utf8.contains(UInt8(ascii: " ")) else {
            throw SDPParseError(.invalidValue, line: number, "a= needs an attribute name")
        }
        // Offer/answer reads these; a malformed one must fail here, with its line, not later.
        let valid: Bool
        switch attribute.name {
        case "rtpmap": valid = attribute.value.flatMap(SDPAttributeGrammar.rtpmap) != nil
        case "fmtp": valid = attribute.value.map { !$0.isEmpty } ?? false
        case "ptime": valid = attribute.value.flatMap(SDPAttributeGrammar.ptime) != nil
        case "rtcp": valid = attribute.value.flatMap(SDPAttributeGrammar.rtcp) != nil
        default: valid = true
        }
        guard valid else {
            throw SDPParseError(.invalidValue, line: number, "a=\(attribute.name) value does not follow its grammar")
        }
        return attribute
    }

    /// 1*DIGIT that fits 64 bits; no sign, no spaces (`Int("+1")` would accept a sign).
    private func digits(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return UInt64(text)
    }
}
