/// A read position over the bytes of one start line, URI or (unfolded) header value. The typed
/// parsers are written against it so none of them indexes raw input unchecked.
@usableFromInline
struct ByteCursor {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline var index: Int

    @inlinable init(_ bytes: UnsafeRawBufferPointer, index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    @inline(__always) @inlinable var isAtEnd: Bool { index >= bytes.count }
    @inline(__always) @inlinable var peek: UInt8? { index < bytes.count ? bytes[index] : nil }
    @inlinable var remaining: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[index...]) }

    @inline(__always) @inlinable func slice(_ from: Int, _ to: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[from..<to])
    }

    /// How far ahead of the cursor the next `byte` is (0: at the cursor), found with `memchr`; nil when
    /// none is left.
    @inlinable func distance(toNext byte: UInt8) -> Int? {
        guard index < bytes.count, let base = bytes.baseAddress,
            let found = memchr(base + index, Int32(byte), bytes.count - index)
        else { return nil }
        return (base + index).distance(to: UnsafeRawPointer(found))
    }

    /// Skips SP and HTAB (values are unfolded before they reach a cursor, so LWS is just these).
    @inline(__always) @inlinable mutating func skipWhitespace() {
        while index < bytes.count, bytes[index].isSIPWhitespace { index += 1 }
    }

    @inline(__always) @inlinable mutating func consume(_ byte: UInt8) -> Bool {
        if index < bytes.count, bytes[index] == byte {
            index += 1
            return true
        }
        return false
    }

    /// Consumes `byte` with optional whitespace around it (the grammar's SEMI, COMMA, EQUAL, SLASH, COLON).
    @inlinable @inline(__always) mutating func consumeSeparator(_ byte: UInt8) -> Bool {
        guard index < bytes.count else { return false }
        let b = bytes[index]
        if b == byte {
            index += 1
            skipWhitespace()
            return true
        }
        return b.isSIPWhitespace && consumeSeparatorAfterWhitespace(byte)
    }

    @inlinable mutating func consumeSeparatorAfterWhitespace(_ byte: UInt8) -> Bool {
        let saved = index
        skipWhitespace()
        if consume(byte) {
            skipWhitespace()
            return true
        }
        index = saved
        return false
    }

    /// One or more bytes of a class; nil when there is none.
    @inline(__always) @inlinable mutating func run(of cls: ByteClass) -> UnsafeRawBufferPointer? {
        let start = index
        // Words (Call-ID) are long runs: skip their letters, digits, '-' and '.' eight bytes at a time
        // (for the short tokens of names and parameters the word test costs more than it saves).
        if cls.rawValue & ByteClass.word.rawValue != 0, let base = bytes.baseAddress {
            index = alnumDashDotPrefix(base, from: index, to: bytes.count)
        }
        while index < bytes.count, bytes[index].isIn(cls) { index += 1 }
        return index > start ? slice(start, index) : nil
    }

    @inline(__always) @inlinable mutating func token() -> UnsafeRawBufferPointer? { run(of: .token) }

    /// A token expected to be long (a branch, a tag): its letters, digits, '-' and '.' eight bytes at
    /// a time first, then byte by byte.
    @inline(__always) @inlinable mutating func longToken() -> UnsafeRawBufferPointer? {
        let start = index
        if let base = bytes.baseAddress { index = alnumDashDotPrefix(base, from: index, to: bytes.count) }
        while index < bytes.count, bytes[index].isSIPToken { index += 1 }
        return index > start ? slice(start, index) : nil
    }

    @inlinable mutating func string(of cls: ByteClass) -> String? {
        run(of: cls).map { String(decoding: $0, as: UTF8.self) }
    }

    /// quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE. Returns the raw bytes including the
    /// quotes (so they can be written back exactly), or nil if the string never ends.
    @inlinable mutating func quotedString() -> UnsafeRawBufferPointer? {
        guard peek == .quote else { return nil }
        let start = index
        index += 1
        // The common case, found with memchr: the next quote ends it, and nothing before it is a
        // backslash or a line end. Otherwise the byte loop below decides.
        if let end = distance(toNext: .quote) {
            let content = slice(index, index + end)
            if !content.containsByte(.backslash), !content.containsByte(.cr), !content.containsByte(.lf) {
                index += end + 1
                return slice(start, index)
            }
        }
        while index < bytes.count {
            let b = bytes[index]
            if b == .backslash {
                // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
                guard index + 1 < bytes.count, bytes[index + 1] <= 0x7F, bytes[index + 1] != .cr,
                    bytes[index + 1] != .lf
                else { return nil }
                index += 2
            } else if b == .quote {
                index += 1
                return slice(start, index)
            } else if b == .cr || b == .lf {
                return nil
            } else {
                index += 1
            }
        }
        return nil
    }

    /// comment = LPAREN *(ctext / quoted-pair / comment) RPAREN, nested; nil when unbalanced.
    @inlinable mutating func comment() -> UnsafeRawBufferPointer? {
        guard peek == .openParen else { return nil }
        let start = index
        var depth = 0
        while index < bytes.count {
            let b = bytes[index]
            if b == .backslash {
                index += 2
                continue
            }
            if b == .openParen { depth += 1 }
            if b == .closeParen {
                depth -= 1
                if depth == 0 {
                    index += 1
                    return slice(start, index)
                }
            }
            index += 1
        }
        index = start
        return nil
    }
}

extension UnsafeRawBufferPointer {
    /// Whether `byte` occurs (memchr).
    @inlinable func containsByte(_ byte: UInt8) -> Bool {
        guard let base = baseAddress, count > 0 else { return false }
        return memchr(base, Int32(byte), count) != nil
    }
}

/// The content of a quoted string without its quotes, quoted-pairs resolved.
@usableFromInline
func unquote(_ raw: UnsafeRawBufferPointer) -> String {
    guard raw.count >= 2, raw.first == .quote, raw.last == .quote else { return String(decoding: raw, as: UTF8.self) }
    var out = [UInt8]()
    out.reserveCapacity(raw.count - 2)
    var i = 1
    while i < raw.count - 1 {
        if raw[i] == .backslash, i + 1 < raw.count - 1 {
            out.append(raw[i + 1])
            i += 2
        } else {
            out.append(raw[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// Wraps `text` in quotes, escaping `"` and `\` (the inverse of ``unquote(_:)``).
@usableFromInline
func quote(_ text: String) -> String {
    var out = "\""
    for ch in text.unicodeScalars {
        if ch == "\"" || ch == "\\" { out.unicodeScalars.append("\\") }
        out.unicodeScalars.append(ch)
    }
    out += "\""
    return out
}

/// Decodes %-escapes (RFC 3261 §25.1 `escaped`); nil when an escape is not two hex digits.
@usableFromInline
func percentDecoded(_ raw: UnsafeRawBufferPointer) -> String? {
    if !raw.contains(.percent) { return String(decoding: raw, as: UTF8.self) }
    var out = [UInt8]()
    out.reserveCapacity(raw.count)
    var i = 0
    while i < raw.count {
        if raw[i] == .percent {
            guard i + 2 < raw.count, let hi = raw[i + 1].hexValue, let lo = raw[i + 2].hexValue
            else { return nil }
            out.append(hi << 4 | lo)
            i += 3
        } else {
            out.append(raw[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// %-escapes every byte of `text` that is not in `allowed` (used when writing URIs). `%` itself is always
/// escaped: the byte-class table counts it in the URI classes so the parser's loops accept escapes, but a
/// decoded `%` written bare would start an escape that is not one.
@usableFromInline
func percentEncoded(_ text: String, allowed: ByteClass) -> String {
    let utf8 = text.utf8
    if utf8.allSatisfy({ $0.isIn(allowed) && $0 != .percent }) { return text }
    let hex = Array("0123456789ABCDEF".utf8)
    var out = [UInt8]()
    out.reserveCapacity(utf8.count + 8)
    for b in utf8 {
        if b.isIn(allowed) && b != .percent {
            out.append(b)
        } else {
            out.append(.percent)
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0xF)])
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// Runs `body` over a string's UTF-8 bytes, keeping the typed error (the standard library's
/// `withUTF8` rethrows as `any Error`).
@usableFromInline
func withUTF8Bytes<T, E: Error>(_ text: String, _ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
    var copy = text
    let result: Result<T, E> = copy.withUTF8 { buf in
        do throws(E) { return .success(try body(UnsafeRawBufferPointer(buf))) } catch { return .failure(error) }
    }
    return try result.get()
}

/// Runs `body` over an array's bytes, keeping the typed error.
@usableFromInline
func withArrayBytes<T, E: Error>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
    let result: Result<T, E> = array.withUnsafeBytes { buf in
        do throws(E) { return .success(try body(buf)) } catch { return .failure(error) }
    }
    return try result.get()
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
