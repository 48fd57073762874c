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
///
/// It reads bytes, as RFC 4566's grammar is written (fields split at SP, an attribute's name ends at
/// the first `:`), and makes a `String` only of what the description keeps: a call parses its peer's
/// answer on the event loop, where splitting it as text, `Character` by `Character`, cost 4 % of the
/// call's CPU.
struct SDPParser {
    let limits: SDPParserLimits

    private enum Position { case start, afterVersion, afterOrigin, session, media }

    /// One line: its 1-based number and where it lies, without its line end.
    private struct Line {
        var number: Int
        var range: Range<Int>
    }

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

        for line in lines {
            let number = line.number
            let (type, value) = try split(bytes[line.range], number)
            defer { lastWasTiming = type == "t" || type == "r" }
            switch (position, type) {
            case (.start, "v"):
                guard value.elementsEqual("0".utf8) else {
                    throw SDPParseError(.unsupportedVersion, line: number, "v=\(text(value)): only version 0 exists")
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
                sessionName = text(value)
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
                timing[timing.count - 1].repeats.append(text(value))
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
                otherFields.append(SDPField(Character(type), text(value)))

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
                media[media.count - 1].otherFields.append(SDPField(Character(type), text(value)))
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

    /// The non-empty lines, line ends removed, trailing empty lines dropped; each UTF-8 and free of
    /// control characters but tab.
    private func splitLines(_ bytes: [UInt8]) throws(SDPParseError) -> [Line] {
        var lines: [Line] = []
        var start = 0
        var number = 0
        var pendingEmpty = 0
        while start < bytes.count {
            number += 1
            guard number <= limits.maximumLineCount else {
                throw SDPParseError(.tooManyLines, line: number, "more than \(limits.maximumLineCount) lines")
            }
            var end = start
            var controls = 0
            var ascii = true
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") {
                let byte = bytes[end]
                // Tab is tolerated (some stacks indent values); every other control byte is not SDP text.
                if (byte < 0x20 && byte != 0x09) || byte == 0x7F { controls += 1 }
                ascii = ascii && byte < 0x80
                end += 1
            }
            let next = end + 1
            if end > start, bytes[end - 1] == UInt8(ascii: "\r") {
                end -= 1
                controls -= 1  // the CR of the line end, counted above
            }
            guard end - start <= limits.maximumLineLength else {
                throw SDPParseError(.lineTooLong, line: number, "longer than \(limits.maximumLineLength) bytes")
            }
            defer { start = next }
            if end == start {
                pendingEmpty += 1
                continue
            }
            guard pendingEmpty == 0 else {
                throw SDPParseError(.malformedLine, line: number - pendingEmpty, "empty line inside the description")
            }
            guard controls == 0, ascii || String(validating: bytes[start..<end], as: UTF8.self) != nil else {
                throw SDPParseError(.invalidEncoding, line: number, "control character or invalid UTF-8")
            }
            lines.append(Line(number: number, range: start..<end))
        }
        return lines
    }

    /// `<letter>=<value>` with a lower-case letter (RFC 4566 §5).
    private func split(_ line: ArraySlice<UInt8>, _ number: Int) throws(SDPParseError)
        -> (Unicode.Scalar, ArraySlice<UInt8>)
    {
        let start = line.startIndex
        guard line.count >= 2, line[start] >= UInt8(ascii: "a"), line[start] <= UInt8(ascii: "z"),
            line[start + 1] == UInt8(ascii: "=")
        else {
            throw SDPParseError(.malformedLine, line: number, "expected <letter>=<value>")
        }
        return (Unicode.Scalar(line[start]), line[(start + 2)...])
    }

    private func parseOrigin(_ value: ArraySlice<UInt8>, _ number: Int) throws(SDPParseError) -> SDPOrigin {
        let parts = words(value)
        guard parts.count == 6, let id = digits(parts[1]), let version = digits(parts[2]) else {
            throw SDPParseError(
                .invalidValue, line: number,
                "o= needs <username> <sess-id> <sess-version> <nettype> <addrtype> <address>")
        }
        let address = SDPConnection(addressType: text(parts[4]), address: text(parts[5]), networkType: text(parts[3]))
        return SDPOrigin(username: text(parts[0]), sessionID: id, sessionVersion: version, address: address)
    }

    private func parseConnection(_ value: ArraySlice<UInt8>, _ number: Int) throws(SDPParseError) -> SDPConnection {
        let parts = words(value)
        guard parts.count == 3, parts[0].elementsEqual("IN".utf8) else {
            throw SDPParseError(.invalidValue, line: number, "c= needs IN <addrtype> <connection-address>")
        }
        guard parts[1].elementsEqual("IP4".utf8) || parts[1].elementsEqual("IP6".utf8) else {
            throw SDPParseError(
                .invalidValue, line: number, "c= address type \(text(parts[1])) is neither IP4 nor IP6")
        }
        return SDPConnection(addressType: text(parts[1]), address: text(parts[2]), networkType: "IN")
    }

    private func parseTiming(_ value: ArraySlice<UInt8>, _ number: Int) throws(SDPParseError) -> SDPTiming {
        let parts = words(value)
        guard parts.count == 2, let start = digits(parts[0]), let stop = digits(parts[1]) else {
            throw SDPParseError(.invalidValue, line: number, "t= needs <start-time> <stop-time>")
        }
        return SDPTiming(start: start, stop: stop)
    }

    /// `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` (RFC 4566 §5.14).
    private func parseMedia(_ value: ArraySlice<UInt8>, _ number: Int) throws(SDPParseError) -> MediaDescription {
        let parts = words(value)
        guard parts.count >= 4 else {
            throw SDPParseError(.invalidValue, line: number, "m= needs <media> <port> <proto> <fmt> ...")
        }
        let portField = parts[1]
        let slash = portField.firstIndex(of: UInt8(ascii: "/"))
        guard let port = digits(portField[..<(slash ?? portField.endIndex)]), port <= 65535 else {
            throw SDPParseError(.invalidValue, line: number, "m= port \(text(portField)) is not 0-65535")
        }
        var count: Int?
        if let slash {
            let suffix = portField[(slash + 1)...]
            guard let n = digits(suffix), n >= 1, n <= 65535 else {
                // A second "/" makes the suffix no number either, as a third part of the field.
                throw SDPParseError(
                    .invalidValue, line: number, "m= number of ports \(text(suffix)) is not a positive number")
            }
            count = Int(n)
        }
        let stream = MediaDescription(
            media: text(parts[0]), port: Int(port), portCount: count, proto: text(parts[2]),
            formats: parts[3...].map(text))
        if stream.isRTP, let bad = parts[3...].first(where: { digits($0).map { $0 > 127 } ?? true }) {
            throw SDPParseError(.invalidValue, line: number, "RTP format \(text(bad)) is not a payload type 0-127")
        }
        return stream
    }

    private func parseAttribute(_ value: ArraySlice<UInt8>, _ number: Int) throws(SDPParseError) -> SDPAttribute {
        let colon = value.firstIndex(of: UInt8(ascii: ":"))
        let name = value[..<(colon ?? value.endIndex)]
        guard !name.isEmpty, !name.contains(UInt8(ascii: " ")) else {
            throw SDPParseError(.invalidValue, line: number, "a= needs an attribute name")
        }
        let attribute = SDPAttribute(text(name), colon.map { text(value[($0 + 1)...]) })
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

    /// The fields of a value separated by one or more spaces (RFC 4566 §5: SP; a tab is part of a field).
    private func words(_ value: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        value.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
    }

    /// 1*DIGIT that fits 64 bits; no sign, no spaces.
    private func digits(_ field: ArraySlice<UInt8>) -> UInt64? {
        guard !field.isEmpty else { return nil }
        var result: UInt64 = 0
        for byte in field {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow) = result.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            result = sum
        }
        return result
    }

    /// Bytes of a line already checked to be UTF-8, as a `String`.
    private func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
}
