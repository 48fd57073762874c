import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a TCP/TLS byte stream into SIP messages (RFC 3261 §18.3) and keep-alives (RFC 5626 §4.4.1).
///
/// A single-step decoder in the manner of NIO's `ByteToMessageDecoder`: feed it the accumulated
/// bytes, it consumes at most one unit and says what it found. It remembers how far it has searched
/// for the blank line that ends the headers, so bytes arriving one at a time are never rescanned.
public struct SIPStreamFramer: Sendable {
    /// What ``next(from:)`` found at the front of the buffer: a parsed message, a keep-alive, or nothing yet.
    public enum Frame: Sendable {
        /// More bytes are needed before anything can be said.
        case needMoreData
        /// A complete message.
        case message(SIPMessage)
        /// A double CRLF keep-alive "ping" (the peer expects a CRLF "pong" back).
        case ping
        /// A single CRLF keep-alive "pong" (the answer to our ping).
        case pong
    }

    /// Which side of RFC 5626 §4.4.1's keep-alive this connection is. A lone CRLF means "pong" to the
    /// side that pings; the side that is pinged waits for the second CRLF of a ping.
    public enum KeepAliveRole: Sendable {
        /// We opened the flow and send the pings (a client's flow to its server).
        case pingSender
        /// We accepted the flow and answer pings.
        case pingReceiver
    }

    /// Line-end tolerance and the limits applied to every frame (message size) and parsed message.
    public let options: SIPParserOptions
    /// Which keep-alive side this connection is; decides whether a lone CRLF is a ``Frame/pong`` or the start
    /// of a ping.
    public let keepAliveRole: KeepAliveRole
    /// Bytes of the current message already searched for the end of the headers.
    private var searched = 0
    /// Offset of the first body byte once the headers' end is found, and the body length.
    private var head: (bodyStart: Int, contentLength: Int)?

    /// A framer for a fresh stream with parser `options` (default ``SIPParserOptions/default``) and
    /// `keepAliveRole` (default ``KeepAliveRole/pingSender``: the flow this side opened).
    public init(options: SIPParserOptions = .default, keepAliveRole: KeepAliveRole = .pingSender) {
        self.options = options
        self.keepAliveRole = keepAliveRole
    }

    /// A frame before its message is parsed: what ``nextUnparsed(from:)`` returns.
    public enum UnparsedFrame: Sendable {
        /// More bytes are needed before anything can be said.
        case needMoreData
        /// The exact bytes of one framed message (headers and Content-Length bytes of body), not yet parsed.
        case message(ByteBuffer)
        /// A double CRLF keep-alive "ping".
        case ping
        /// A single CRLF keep-alive "pong".
        case pong
    }

    /// Consumes one frame from the front of `buffer`. An error means the stream cannot be resynchronised:
    /// close the connection. A message that frames but does not parse also throws here (its bytes are
    /// consumed); use ``nextUnparsed(from:)`` to tell the two apart and keep the stream.
    public mutating func next(from buffer: inout ByteBuffer) throws(SIPParseError) -> Frame {
        switch try nextUnparsed(from: &buffer) {
        case .needMoreData: return .needMoreData
        case .ping: return .ping
        case .pong: return .pong
        case .message(let bytes): return .message(try SIPMessage(parsing: bytes, options: options, framing: .stream))
        }
    }

    /// Consumes one frame from the front of `buffer` without parsing a message. An error means framing is
    /// lost (no end of headers within the size limit, a missing or bad Content-Length, a message over the
    /// limit): the stream cannot be resynchronised, close the connection (RFC 3261 §18.3). A message
    /// returned here is cut exactly, so when it fails to parse only that message is bad and the next
    /// one starts right after it.
    public mutating func nextUnparsed(from buffer: inout ByteBuffer) throws(SIPParseError) -> UnparsedFrame {
        if head == nil && searched == 0 {
            if let frame = keepAlive(in: buffer) {
                if case .needMoreData = frame { return frame }
                return consumeKeepAlive(frame, from: &buffer)
            }
        }
        if head == nil {
            guard let found = try findHeadEnd(in: buffer) else { return .needMoreData }
            head = found
        }
        guard let head else { return .needMoreData }
        let total = head.bodyStart + head.contentLength
        guard total <= options.limits.maximumMessageSize else {
            throw SIPParseError(
                .messageTooLarge, "message of \(total) bytes exceeds the limit of \(options.limits.maximumMessageSize)")
        }
        guard buffer.readableBytes >= total, let slice = buffer.readSlice(length: total) else { return .needMoreData }
        self.head = nil
        self.searched = 0
        return .message(slice)
    }

    /// A keep-alive at the front of the buffer, `.needMoreData` when one may be arriving, nil for a message.
    private func keepAlive(in buffer: ByteBuffer) -> UnparsedFrame? {
        buffer.withUnsafeReadableBytes { raw -> UnparsedFrame? in
            guard let first = raw.first else { return .needMoreData }
            guard first == .cr || first == .lf else { return nil }
            if raw.count >= 4, raw[0] == .cr, raw[1] == .lf, raw[2] == .cr, raw[3] == .lf { return .ping }
            if raw.count >= 2, raw[0] == .cr, raw[1] == .lf {
                // CRLF then the start of a ping's second half, not yet arrived: wait.
                if raw.count == 3, raw[2] == .cr { return .needMoreData }
                // The pinged side waits: this CRLF may be the first half of a ping.
                if raw.count == 2, keepAliveRole == .pingReceiver { return .needMoreData }
                return .pong
            }
            if raw.count == 1, first == .cr { return .needMoreData }
            // A stray LF: §7.5 says ignore line ends before a start line.
            return .pong
        }
    }

    private func consumeKeepAlive(_ frame: UnparsedFrame, from buffer: inout ByteBuffer) -> UnparsedFrame {
        switch frame {
        case .ping: buffer.moveReaderIndex(forwardBy: 4)
        case .pong:
            let n = buffer.withUnsafeReadableBytes { raw in raw.count >= 2 && raw[0] == .cr ? 2 : 1 }
            buffer.moveReaderIndex(forwardBy: n)
        default: break
        }
        return frame
    }

    /// Finds CRLFCRLF after the bytes already searched, then the Content-Length among the header lines.
    private mutating func findHeadEnd(in buffer: ByteBuffer) throws(SIPParseError) -> (
        bodyStart: Int, contentLength: Int
    )? {
        let limits = options.limits
        let result: Result<(Int, Int)?, SIPParseError> = buffer.withUnsafeReadableBytes { raw in
            guard raw.count >= 4 else { return .success(nil) }
            let from = max(0, searched - 3)
            guard let headEnd = Self.findBlankLine(raw, from: from) else {
                if raw.count > limits.maximumMessageSize {
                    return .failure(
                        SIPParseError(.messageTooLarge, "no end of headers within \(limits.maximumMessageSize) bytes"))
                }
                return .success(nil)
            }
            do throws(SIPParseError) {
                let cl = try Self.contentLength(in: UnsafeRawBufferPointer(rebasing: raw[0..<headEnd]), limits: limits)
                return .success((headEnd, cl))
            } catch {
                return .failure(error)
            }
        }
        let found = try result.get()
        if found == nil { searched = buffer.readableBytes }
        return found.map { (bodyStart: $0.0, contentLength: $0.1) }
    }

    /// Offset just past the first CRLFCRLF at or after `from`, jumping between LFs with `memchr`.
    private static func findBlankLine(_ raw: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = raw.baseAddress else { return nil }
        var i = from
        while i < raw.count, let p = memchr(base + i, Int32(UInt8.lf), raw.count - i) {
            let lf = base.distance(to: UnsafeRawPointer(p))
            if lf >= 3, raw[lf - 1] == .cr, raw[lf - 2] == .lf, raw[lf - 3] == .cr { return lf + 1 }
            i = lf + 1
        }
        return nil
    }

    /// The Content-Length (or `l`) value among the header lines of `head`; a stream message must have one.
    private static func contentLength(in head: UnsafeRawBufferPointer, limits: SIPParserLimits) throws(SIPParseError)
        -> Int
    {
        var lineStart = 0
        var value: Int?
        while lineStart < head.count {
            var lineEnd = lineStart
            while lineEnd < head.count, head[lineEnd] != .lf { lineEnd += 1 }
            var nameEnd = lineStart
            while nameEnd < lineEnd, head[nameEnd].isSIPToken { nameEnd += 1 }
            let name = UnsafeRawBufferPointer(rebasing: head[lineStart..<nameEnd])
            if SIPHeaderName.Known(tokenBytes: name) == .contentLength {
                var i = nameEnd
                while i < lineEnd, head[i].isSIPWhitespace || head[i] == .colon { i += 1 }
                var digits = i
                while digits < lineEnd, head[digits].isASCIIDigit { digits += 1 }
                guard value == nil,
                    let v = parseDecimal(
                        UnsafeRawBufferPointer(rebasing: head[i..<digits]), max: UInt64(limits.maximumBodySize))
                else {
                    throw SIPParseError(
                        .invalidContentLength,
                        "Content-Length is missing a valid value, repeated, or over the body limit")
                }
                value = Int(v)
            }
            lineStart = lineEnd + 1
        }
        guard let value else {
            throw SIPParseError(.missingContentLength, "a message on a stream transport must carry Content-Length")
        }
        return value
    }
}
