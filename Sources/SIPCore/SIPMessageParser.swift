import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a message's end is known (RFC 3261 §18.3).
public enum SIPMessageFraming: Sendable, Hashable {
    /// UDP: the datagram is the message. A missing Content-Length means "to the end of the datagram";
    /// bytes after Content-Length are discarded.
    case datagram
    /// TCP/TLS: Content-Length is mandatory and says exactly where the message ends.
    case stream
}

extension SIPMessage {
    /// Parses one message from `buffer`'s readable bytes.
    ///
    /// This is the structural parse every received message gets: the start line in full (Request-URI
    /// included), every header line tokenised (names recognised, values located, folding noted), the
    /// scalar headers checked (Content-Length, CSeq, Max-Forwards), the mandatory headers of §8.1.1
    /// present and single-valued ones not repeated. The remaining header values are parsed into their
    /// typed form when read (``via``, ``from``…), or all at once by ``validate()``.
    public init(
        parsing buffer: ByteBuffer, options: SIPParserOptions = .default, framing: SIPMessageFraming = .datagram
    ) throws(SIPParseError) {
        // The readable bytes through their address, not inside `withUnsafeReadableBytes`' closure: a
        // result carried out of the closure in a `Result` was copied twice and destroyed once (≈ 500
        // instructions a message). `buffer` is borrowed for the whole call, which keeps them alive.
        let raw = buffer.withUnsafeReadableBytes { $0 }
        var parser = SIPHeadParser(raw: raw, options: options)
        // Taken apart at once: fields read out of a struct were copied and the struct destroyed after.
        let (startLine, entries, names, headEnd, bodyStart, bodyLength, usedBareLineFeeds) = try parser.parse(
            framing: framing)
        let base = buffer.readerIndex
        let storage = buffer.getSlice(at: base, length: headEnd) ?? ByteBuffer()
        self.init(
            startLine: startLine,
            headers: SIPHeaders(storage: storage, entries: entries, mayContain: names.seen, mayRepeat: names.repeated),
            body: buffer.getSlice(at: base + bodyStart, length: bodyLength) ?? ByteBuffer())
        self.usedBareLineFeeds = usedBareLineFeeds
    }

    /// Parses one message from bytes.
    public init(
        parsing bytes: some Collection<UInt8>, options: SIPParserOptions = .default,
        framing: SIPMessageFraming = .datagram
    ) throws(SIPParseError) {
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes)
        try self.init(parsing: buffer, options: options, framing: framing)
    }

    /// Parses one message from text.
    public init(
        parsing text: String, options: SIPParserOptions = .default, framing: SIPMessageFraming = .datagram
    ) throws(SIPParseError) {
        try self.init(parsing: ByteBuffer(string: text), options: options, framing: framing)
    }
}

/// The head of a message located in the received bytes: the start line, the header lines, a bit per
/// known name seen and seen more than once (``SIPHeaders/mayContain``, ``SIPHeaders/mayRepeat``), the
/// offset just past the blank line that ends the headers, where the body starts and how long it is,
/// and whether bare LF line ends were accepted.
typealias ParsedHead = (
    startLine: SIPMessage.StartLine, entries: [SIPHeaders.Entry], names: (seen: UInt64, repeated: UInt64), headEnd: Int,
    bodyStart: Int, bodyLength: Int,
    usedBareLineFeeds: Bool
)

/// The single-pass tokeniser behind ``SIPMessage/init(parsing:options:framing:)``: finds each line end
/// with `memchr`, never revisits a byte, and records ranges instead of building strings.
struct SIPHeadParser {
    let raw: UnsafeRawBufferPointer
    let options: SIPParserOptions
    var index = 0
    var line = 0
    var usedBareLineFeeds = false

    init(raw: UnsafeRawBufferPointer, options: SIPParserOptions) {
        self.raw = raw
        self.options = options
    }

    /// The next line: content range (without CR LF) and the index after its end; nil if no LF follows.
    @inline(__always)
    mutating func nextLine() throws(SIPParseError) -> (start: Int, end: Int)? {
        guard index < raw.count, let base = raw.baseAddress else { return nil }
        guard let found = memchr(base + index, Int32(UInt8.lf), raw.count - index) else { return nil }
        let lf = base.distance(to: UnsafeRawPointer(found))
        line += 1
        let start = index
        var end = lf
        if end > start, raw[end - 1] == .cr {
            end -= 1
        } else {
            guard options.acceptsBareLineFeeds else {
                throw SIPParseError(.malformedHeaderLine, line: line, "line ends with a bare LF instead of CRLF")
            }
            usedBareLineFeeds = true
        }
        // A CR that does not end the line would be a line break to a strict peer downstream: a
        // message that means one thing here and another there (header injection). Reject it.
        if end > start, memchr(base + start, Int32(UInt8.cr), end - start) != nil {
            throw SIPParseError(.malformedHeaderLine, line: line, "a bare CR inside the line")
        }
        guard end - start <= options.limits.maximumLineLength else {
            throw SIPParseError(
                .lineTooLong, line: line,
                "line of \(end - start) bytes exceeds the limit of \(options.limits.maximumLineLength)")
        }
        index = lf + 1
        return (start, end)
    }

    mutating func parse(framing: SIPMessageFraming) throws(SIPParseError) -> ParsedHead {
        let limits = options.limits
        // Offsets are kept as Int32 (``SIPHeaders/Entry``): larger input is refused whatever the limits say.
        if framing == .datagram && raw.count > limits.maximumMessageSize || raw.count > Int(Int32.max) {
            throw SIPParseError(
                .messageTooLarge, "message of \(raw.count) bytes exceeds the limit of \(limits.maximumMessageSize)")
        }
        // §7.5: CRLFs before the start line are ignored (stream keep-alives end up here).
        while index < raw.count, raw[index] == .cr || raw[index] == .lf { index += 1 }
        guard index < raw.count else { throw SIPParseError(.emptyMessage, "no message: only line ends or nothing") }

        guard let first = try nextLine() else {
            throw SIPParseError(.malformedStartLine, line: 1, "the start line has no line end")
        }
        let startLine = try parseStartLine(first.start, first.end)

        var entries: [SIPHeaders.Entry] = []
        entries.reserveCapacity(16)
        var contentLength: Int?
        var contentLengthLine = 0
        var headEnd: Int?
        var seen: UInt64 = 0
        var repeated: UInt64 = 0
        while let l = try nextLine() {
            if l.start == l.end {
                headEnd = index
                break
            }
            let b0 = raw[l.start]
            if b0 == .space || b0 == .tab {
                // §7.3.1 folding: this line continues the previous header's value.
                guard !entries.isEmpty else {
                    throw SIPParseError(.malformedHeaderLine, line: line, "continuation line before any header")
                }
                var valueEnd = l.end
                while valueEnd > l.start, raw[valueEnd - 1].isSIPWhitespace { valueEnd -= 1 }
                let last = entries.count - 1
                if valueEnd > l.start {
                    if entries[last].valueLength == 0 {
                        var s = l.start
                        while raw[s].isSIPWhitespace { s += 1 }
                        entries[last].valueStart = Int32(s)
                        entries[last].valueLength = Int32(valueEnd - s)
                    } else {
                        entries[last].valueLength = Int32(valueEnd) - entries[last].valueStart
                        entries[last].folded = true
                    }
                }
                if entries[last].valueStart + entries[last].valueLength - entries[last].nameStart
                    > Int32(limits.maximumLineLength)
                {
                    throw SIPParseError(.lineTooLong, line: line, "folded header exceeds the line length limit")
                }
                continue
            }
            var i = l.start
            while i < l.end, raw[i].isSIPToken { i += 1 }
            let nameEnd = i
            while i < l.end, raw[i].isSIPWhitespace { i += 1 }
            guard nameEnd > l.start, i < l.end, raw[i] == .colon else {
                throw SIPParseError(
                    .malformedHeaderLine, line: line,
                    "header line \(quoteForError(UnsafeRawBufferPointer(rebasing: raw[l.start..<l.end]), limit: 40)) has no valid name and colon"
                )
            }
            i += 1
            while i < l.end, raw[i].isSIPWhitespace { i += 1 }
            var valueEnd = l.end
            while valueEnd > i, raw[valueEnd - 1].isSIPWhitespace { valueEnd -= 1 }
            guard entries.count < limits.maximumHeaderCount else {
                throw SIPParseError(
                    .tooManyHeaders, line: line, "more than \(limits.maximumHeaderCount) header lines")
            }
            let name = UnsafeRawBufferPointer(rebasing: raw[l.start..<nameEnd])
            let known = SIPHeaderName.Known(tokenBytes: name)
            if let known {
                let bit: UInt64 = 1 << known.rawValue
                if seen & bit != 0 {
                    if Self.singleValued & bit != 0 {
                        throw SIPParseError(
                            .duplicateHeader, line: line, "\(known.canonicalName) appears more than once")
                    }
                    repeated |= bit
                }
                seen |= bit
            }
            if known == .contentLength {
                guard contentLength == nil else {
                    throw SIPParseError(.duplicateHeader, line: line, "Content-Length appears more than once")
                }
                contentLength = -1
                contentLengthLine = entries.count
            }
            // Every offset is below raw.count, checked above to fit in Int32.
            entries.append(
                SIPHeaders.Entry(
                    nameStart: Int32(truncatingIfNeeded: l.start),
                    nameLength: Int32(truncatingIfNeeded: nameEnd - l.start), valueStart: Int32(truncatingIfNeeded: i),
                    valueLength: Int32(truncatingIfNeeded: valueEnd - i), line: Int32(truncatingIfNeeded: line),
                    known: known?.rawValue ?? SIPHeaders.Entry.unknownName, folded: false))
        }
        guard let headEnd else {
            throw SIPParseError(.malformedHeaderLine, line: line + 1, "the headers do not end with an empty line")
        }
        if contentLength != nil {
            contentLength = try parseContentLength(entries[contentLengthLine])
        }
        try checkMandatoryHeaders(seen: seen, entries: entries, startLine: startLine)

        let available = raw.count - headEnd
        let bodyLength: Int
        switch (contentLength, framing) {
        case (let cl?, _):
            guard cl <= limits.maximumBodySize else {
                throw SIPParseError(
                    .bodyTooLarge, line: Int(entries[contentLengthLine].line),
                    "Content-Length \(cl) exceeds the body limit of \(limits.maximumBodySize)")
            }
            guard cl <= available else {
                throw SIPParseError(
                    .truncatedBody, line: Int(entries[contentLengthLine].line),
                    "Content-Length is \(cl) but only \(available) body bytes follow")
            }
            bodyLength = cl
        case (nil, .datagram):
            bodyLength = available
        case (nil, .stream):
            throw SIPParseError(.missingContentLength, "a message on a stream transport must carry Content-Length")
        }
        guard headEnd + bodyLength <= limits.maximumMessageSize else {
            throw SIPParseError(
                .messageTooLarge,
                "message of \(headEnd + bodyLength) bytes exceeds the limit of \(limits.maximumMessageSize)")
        }
        return (
            startLine: startLine, entries: entries, names: (seen, repeated), headEnd: headEnd, bodyStart: headEnd,
            bodyLength: bodyLength, usedBareLineFeeds: usedBareLineFeeds
        )
    }

    /// Headers whose grammar is a single value: a second line is an error (RFC 4475 §3.3.8, §3.3.9).
    /// (A computed constant: a stored static would be a lazily initialised global checked on every line.)
    static var singleValued: UInt64 {
        typealias K = SIPHeaderName.Known
        return 1 << K.callID.rawValue | 1 << K.cseq.rawValue | 1 << K.from.rawValue | 1 << K.to.rawValue
            | 1 << K.contentLength.rawValue | 1 << K.maxForwards.rawValue | 1 << K.contentType.rawValue
            | 1 << K.expires.rawValue | 1 << K.minExpires.rawValue
    }

    /// Via, From, To, Call-ID and CSeq must be present (§8.1.1, RFC 4475 §3.3.1); CSeq, Max-Forwards
    /// and Call-ID are checked here because every layer above relies on them.
    func checkMandatoryHeaders(seen: UInt64, entries: [SIPHeaders.Entry], startLine: SIPMessage.StartLine)
        throws(SIPParseError)
    {
        typealias K = SIPHeaderName.Known
        let required: UInt64 =
            1 << K.via.rawValue | 1 << K.from.rawValue | 1 << K.to.rawValue | 1 << K.callID.rawValue
            | 1 << K.cseq.rawValue
        if seen & required != required {
            let mandatory: [K] = [.via, .from, .to, .callID, .cseq]
            let missing = mandatory.filter { seen & (1 << $0.rawValue) == 0 }.map(\.canonicalName)
            throw SIPParseError(.missingHeader, "missing mandatory header(s): \(missing.joined(separator: ", "))")
        }
        for e in entries {
            // Compared as raw values: `knownName` builds the enum through a call per line.
            switch e.known {
            case K.cseq.rawValue:
                let cseq = try withValue(e) { (b) throws(SIPParseError) in try SIPCSeq.parse(b) }
                if case .request(let method, _) = startLine, cseq.method != method {
                    throw SIPParseError(
                        .methodMismatch, line: Int(e.line),
                        "CSeq method \(cseq.method) does not match the request method \(method)")
                }
            case K.maxForwards.rawValue:
                _ = try withValue(e) { (b) throws(SIPParseError) in
                    try parseDeltaValue(b, header: "Max-Forwards", max: 255)
                }
            case K.callID.rawValue:
                try withValue(e) { (b) throws(SIPParseError) in try validateCallID(b) }
            default:
                continue
            }
        }
    }

    /// Runs `body` over an entry's value (unfolded when needed), placing errors at the entry's line.
    func withValue<T>(_ e: SIPHeaders.Entry, _ body: (UnsafeRawBufferPointer) throws(SIPParseError) -> T)
        throws(SIPParseError) -> T
    {
        let slice = UnsafeRawBufferPointer(rebasing: raw[Int(e.valueStart)..<Int(e.valueStart + e.valueLength)])
        do {
            if !e.folded { return try body(slice) }
            return try withArrayBytes(SIPHeaders.unfold(slice), body)
        } catch {
            throw error.at(line: Int(e.line))
        }
    }

    /// Content-Length = 1*DIGIT (§20.14); a sign, a fraction or an overlong number is an error.
    func parseContentLength(_ e: SIPHeaders.Entry) throws(SIPParseError) -> Int {
        var value = 0
        var digits = 0
        var i = Int(e.valueStart)
        let end = Int(e.valueStart + e.valueLength)
        while i < end, !raw[i].isSIPWhitespace && raw[i] != .cr && raw[i] != .lf {
            guard raw[i].isASCIIDigit, digits < 10 else {
                throw SIPParseError(
                    .invalidContentLength, line: Int(e.line),
                    "Content-Length \(quoteForError(UnsafeRawBufferPointer(rebasing: raw[Int(e.valueStart)..<end]))) is not a non-negative number"
                )
            }
            value = value * 10 + Int(raw[i] - UInt8(ascii: "0"))
            digits += 1
            i += 1
        }
        while i < end, raw[i].isSIPWhitespace || raw[i] == .cr || raw[i] == .lf { i += 1 }
        guard digits > 0, i == end else {
            throw SIPParseError(.invalidContentLength, line: Int(e.line), "Content-Length is not a number")
        }
        return value
    }
}
