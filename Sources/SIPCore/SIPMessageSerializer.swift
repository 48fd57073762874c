import NIOCore

extension SIPMessage {
    /// Writes the message in wire form (RFC 3261 §7): CRLF line ends, headers in order with their
    /// names as written, folding removed, and a Content-Length that always equals the body's length
    /// (the existing header is rewritten in place, or one is added).
    public func write(into buffer: inout ByteBuffer) { write(into: &buffer, replacingValueAt: -1, with: nil) }

    /// ``write(into:)`` with the value of header line `replaced` written as `value` (unfolded bytes)
    /// instead of its own: an edit for the wire only, without changing (and so copying) the message.
    func write(into buffer: inout ByteBuffer, replacingValueAt replaced: Int, with replacement: UnsafeRawBufferPointer?)
    {
        // Five separate constants, not a tuple: the closures below copied the tuple (five retains) at
        // every use.
        let (line0, line1, line2, line3, line4) = startLinePieces()
        let startLineCount =
            line0.utf8.count + line1.utf8.count + line2.utf8.count + line3.utf8.count + line4.utf8.count
        let bodyLength = String(body.readableBytes)
        let contentLength = SIPHeaderName.Known.contentLength.rawValue
        // One pass to size the output, one copy per piece into memory reserved once: per-piece
        // ByteBuffer writes cost more than the copying itself.
        var size = startLineCount + 2 + body.readableBytes
        var hasContentLength = false
        if let replacement, replaced >= 0 { size += replacement.count }
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
                    w.append(line0)
                    w.append(line1)
                    w.append(line2)
                    w.append(line3)
                    w.append(line4)
                    var wroteContentLength = false
                    for (i, e) in headers.entries.enumerated() {
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
                        } else if i == replaced, let replacement {
                            w.append(replacement)
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

    /// The start line with its CRLF, as the pieces it is written from: the method or status code,
    /// the URI or reason phrase, and literals. Written straight into the output: an array of the
    /// line (appended piece by piece through the UTF-8 views) cost as much as the rest of the message.
    private func startLinePieces() -> (String, String, String, String, String) {
        switch startLine {
        case .request(let method, let uri):
            return (method.rawValue, " ", uri.description, " SIP/2.0\r\n", "")
        case .response(let code, let reason):
            return ("SIP/2.0 ", String(code), " ", reason, "\r\n")
        }
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
