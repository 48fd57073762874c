// Shared grammar for header values: generic-param lists and comma-separated lists (RFC 3261 §25.1).

extension ByteCursor {
    /// *( SEMI generic-param ), generic-param = token [ EQUAL gen-value ], gen-value = token / host /
    /// quoted-string. Values are kept as written (a quoted value keeps its quotes) so they are written
    /// back byte for byte; ``unquote(_:)`` gives the content.
    @usableFromInline
    mutating func genericParameters(header: String) throws(SIPParseError) -> SIPParameters {
        var params = SIPParameters()
        while consumeSeparator(.semicolon) {
            guard let name = token() else {
                throw SIPParseError(.invalidHeaderValue, "\(header): empty or invalid parameter after ';'")
            }
            var value: String?
            if consumeSeparator(.equals) {
                value = try genericValue(header: header, parameter: name)
            }
            params.append(String(decoding: name, as: UTF8.self), value)
        }
        return params
    }

    /// gen-value = token / host / quoted-string
    @usableFromInline
    mutating func genericValue(header: String, parameter: UnsafeRawBufferPointer) throws(SIPParseError) -> String {
        if peek == .quote {
            guard let q = quotedString() else {
                throw SIPParseError(
                    .invalidHeaderValue,
                    "\(header): unterminated quoted string in parameter \(String(decoding: parameter, as: UTF8.self))")
            }
            return String(decoding: q, as: UTF8.self)
        }
        let start = index
        // via-received = "received" EQUAL (IPv4address / IPv6address): an IPv6 address without
        // brackets (RFC 3261 §25.1), which the token rule would cut at its first colon.
        if bytesEqualCaseInsensitive(parameter, "received") {
            while let b = peek, b.isASCIIHexDigit || b == .colon || b == UInt8(ascii: ".") { index += 1 }
            if index > start, slice(start, index).contains(.colon) {
                return String(decoding: slice(start, index), as: UTF8.self)
            }
            index = start
        }
        if consume(.openBracket) {
            while let b = peek, b != .closeBracket, b.isASCIIHexDigit || b == .colon || b == UInt8(ascii: ".") {
                index += 1
            }
            guard consume(.closeBracket) else {
                throw SIPParseError(.invalidHeaderValue, "\(header): invalid IPv6 reference in a parameter")
            }
            return String(decoding: slice(start, index), as: UTF8.self)
        }
        guard let v = token() else {
            throw SIPParseError(
                .invalidHeaderValue,
                "\(header): parameter \(String(decoding: parameter, as: UTF8.self)) has '=' but no value")
        }
        return String(decoding: v, as: UTF8.self)
    }

    /// After one element of a `#element` list: true if a comma follows (and is consumed), false at the
    /// end; anything else is an error.
    @usableFromInline
    mutating func listContinues(header: String) throws(SIPParseError) -> Bool {
        skipWhitespace()
        if isAtEnd { return false }
        if consume(.comma) {
            skipWhitespace()
            guard !isAtEnd else { throw SIPParseError(.invalidHeaderValue, "\(header): empty element after ','") }
            return true
        }
        throw SIPParseError(
            .invalidHeaderValue, "\(header): unexpected \(quoteForError(remaining, limit: 20)) after a value")
    }
}

extension SIPParameters {
    /// `;name=value` for each parameter, as written.
    var headerParameterText: String {
        let count = headerParameterTextCount
        return String(unsafeUninitializedCapacity: count) { buffer in
            var out = UTF8TextWriter(buffer)
            writeHeaderParameterText(to: &out)
            return out.count
        }
    }

    /// The UTF-8 length of ``headerParameterText``, to size a string once.
    var headerParameterTextCount: Int {
        var count = 0
        for p in items { count += 1 + p.name.utf8.count + (p.value.map { 1 + $0.utf8.count } ?? 0) }
        return count
    }

    /// Writes ``headerParameterText`` into room sized by ``headerParameterTextCount``.
    func writeHeaderParameterText(to out: inout UTF8TextWriter) {
        for p in items {
            out.write(UInt8(ascii: ";"))
            out.write(p.name)
            if let v = p.value {
                out.write(UInt8(ascii: "="))
                out.write(v)
            }
        }
    }
}

/// Writes text made of pieces into a string's uninitialized room (`String(unsafeUninitializedCapacity:)`)
/// sized once: `String.append` costs ≈ 300 instructions a piece, and a Via is printed with a dozen.
/// The caller sizes the room for every piece it writes (a write past it traps).
struct UTF8TextWriter {
    private let room: UnsafeMutableBufferPointer<UInt8>
    /// Bytes written so far.
    private(set) var count = 0

    init(_ room: UnsafeMutableBufferPointer<UInt8>) { self.room = room }

    mutating func write(_ byte: UInt8) {
        precondition(count < room.count, "UTF8TextWriter: room too small")
        room[count] = byte
        count += 1
    }

    mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            precondition(count + bytes.count <= room.count, "UTF8TextWriter: room too small")
            guard let source = bytes.baseAddress, let target = room.baseAddress else { return }
            (target + count).update(from: source, count: bytes.count)
            count += bytes.count
        }
    }
}

/// Parses a header value with `body`, turning the value into a cursor and requiring it to be consumed.
@usableFromInline
func parseHeaderValue<T>(
    _ bytes: UnsafeRawBufferPointer, _ body: (inout ByteCursor) throws(SIPParseError) -> T
) throws(SIPParseError) -> T {
    var c = ByteCursor(bytes)
    c.skipWhitespace()
    return try body(&c)
}
