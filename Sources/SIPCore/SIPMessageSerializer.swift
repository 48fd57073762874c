import NIOCore

extension SIPMessage {
    /// Writes the message in wire form (RFC 3261 §7): CRLF line ends, headers in order with their
    /// names as written, folding removed, and a Content-Length that always equals the body's length
    /// (the existing header is rewritten in place, or one is added).
    public func write(into buffer: inout ByteBuffer) {
        switch startLine {
        case .request(let method, let uri):
            buffer.writeString(method.rawValue)
            buffer.writeInteger(UInt8.space)
            buffer.writeString(uri.description)
            buffer.writeStaticString(" SIP/2.0\r\n")
        case .response(let code, let reason):
            buffer.writeStaticString("SIP/2.0 ")
            buffer.writeString(String(code))
            buffer.writeInteger(UInt8.space)
            buffer.writeString(reason)
            buffer.writeStaticString("\r\n")
        }
        let contentLength = SIPHeaderName.Known.contentLength.rawValue
        var wroteContentLength = false
        for (i, e) in headers.entries.enumerated() {
            if e.known == contentLength {
                if wroteContentLength { continue }
                wroteContentLength = true
            }
            var name = headers.storage.getSlice(at: Int(e.nameStart), length: Int(e.nameLength)) ?? ByteBuffer()
            buffer.writeBuffer(&name)
            buffer.writeStaticString(": ")
            if e.known == contentLength {
                buffer.writeString(String(body.readableBytes))
            } else if e.folded {
                _ = headers.withValueBytes(at: i) { buffer.writeBytes($0) }
            } else {
                var value = headers.storage.getSlice(at: Int(e.valueStart), length: Int(e.valueLength)) ?? ByteBuffer()
                buffer.writeBuffer(&value)
            }
            buffer.writeStaticString("\r\n")
        }
        if !wroteContentLength {
            buffer.writeStaticString("Content-Length: ")
            buffer.writeString(String(body.readableBytes))
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
        var bodyCopy = body
        buffer.writeBuffer(&bodyCopy)
    }

    /// The message in wire form.
    public var serialized: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(headers.storage.readableBytes + body.readableBytes + 64)
        write(into: &buffer)
        return buffer
    }

    /// The message in wire form as text (for logs and traces).
    public var text: String { String(buffer: serialized) }
}

extension SIPMessage: CustomStringConvertible {
    public var description: String {
        switch startLine {
        case .request(let m, let uri): "\(m) \(uri)"
        case .response(let c, let r): "\(c) \(r)"
        }
    }
}
