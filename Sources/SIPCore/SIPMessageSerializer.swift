import NIOCore

extension SIPMessage {
    /// Writes the message in wire form (RFC 3261 §7): CRLF line ends, headers in order with their
    /// names as written, folding removed, and a Content-Length that always equals the body's length
    /// (the existing header is rewritten in place, or one is added).
    public func write(into buffer: inout ByteBuffer) {
        let startLine = startLineBytes()
        let bodyLength = String(body.readableBytes)
        let contentLength = SIPHeaderName.Known.contentLength.rawValue
        // One pass to size the output, one copy per piece into memory reserved once: per-piece
        // ByteBuffer writes cost more than the copying itself.
        var size = startLine.count + 2 + body.readableBytes
        var hasContentLength = false
        for e in headers.entries {
            size += Int(e.nameLength) + 4
            if e.known == contentLength {
                size += bodyLength.utf8.count
                hasContentLength = true
            } else {
                size += Int(e.valueLength)
            }
        }
        if !hasContentLength { size += 18 + bodyLength.utf8.count }
        buffer.reserveCapacity(minimumWritableBytes: size)
        _ = headers.storage.withUnsafeReadableBytes { storage in
            body.withUnsafeReadableBytes { bodyBytes in
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { out in
                    var w = ByteWriter(out)
                    w.append(startLine)
                    var wroteContentLength = false
                    for e in headers.entries {
                        if e.known == contentLength {
                            if wroteContentLength { continue }
                            wroteContentLength = true
                        }
                        w.append(
                            UnsafeRawBufferPointer(
                                rebasing: storage[Int(e.nameStart)..<Int(e.nameStart + e.nameLength)]))
                        w.append(UInt8.colon, .space)
                        let value = UnsafeRawBufferPointer(
                            rebasing: storage[Int(e.valueStart)..<Int(e.valueStart + e.valueLength)])
                        if e.known == contentLength {
                            w.append(bodyLength)
                        } else if e.folded {
                            w.appendUnfolded(value)
                        } else {
                            w.append(value)
                        }
                        w.append(UInt8.cr, .lf)
                    }
                    if !wroteContentLength {
                        w.append("Content-Length: ")
                        w.append(bodyLength)
                        w.append(UInt8.cr, .lf)
                    }
                    w.append(UInt8.cr, .lf)
                    w.append(bodyBytes)
                    return w.count
                }
            }
        }
    }

    /// The start line with its CRLF.
    private func startLineBytes() -> [UInt8] {
        var out: [UInt8] = []
        switch startLine {
        case .request(let method, let uri):
            let uriText = uri.description
            out.reserveCapacity(method.rawValue.utf8.count + uriText.utf8.count + 11)
            out += method.rawValue.utf8
            out.append(.space)
            out += uriText.utf8
            out += " SIP/2.0\r\n".utf8
        case .response(let code, let reason):
            out.reserveCapacity(reason.utf8.count + 14)
            out += "SIP/2.0 ".utf8
            out += String(code).utf8
            out.append(.space)
            out += reason.utf8
            out += "\r\n".utf8
        }
        return out
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

/// Appends bytes into memory sized in advance. Folded values shrink when unfolded, so the size
/// computed from the raw value is an upper bound and writing never overruns it.
struct ByteWriter {
    let out: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(_ out: UnsafeMutableRawBufferPointer) { self.out = out }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty, let base = out.baseAddress, let src = bytes.baseAddress else { return }
        (base + count).copyMemory(from: src, byteCount: bytes.count)
        count += bytes.count
    }

    mutating func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

    mutating func append(_ text: String) {
        var t = text
        t.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    mutating func append(_ a: UInt8, _ b: UInt8) {
        out[count] = a
        out[count + 1] = b
        count += 2
    }

    /// §7.3.1: a line end followed by whitespace is written as one SP.
    mutating func appendUnfolded(_ value: UnsafeRawBufferPointer) {
        SIPHeaders.unfold(value).withUnsafeBytes { append($0) }
    }
}
