// Character classes of RFC 3261 §25.1 as one lookup table, so the hot loops test a byte with one load.

@usableFromInline
struct ByteClass: OptionSet, Sendable {
    @usableFromInline let rawValue: UInt16
    @inlinable init(rawValue: UInt16) { self.rawValue = rawValue }

    /// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
    @inlinable static var token: ByteClass { ByteClass(rawValue: 1 << 0) }
    /// unreserved = alphanum / mark
    @inlinable static var unreserved: ByteClass { ByteClass(rawValue: 1 << 1) }
    /// user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
    @inlinable static var userUnreserved: ByteClass { ByteClass(rawValue: 1 << 2) }
    /// param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$"
    @inlinable static var paramUnreserved: ByteClass { ByteClass(rawValue: 1 << 3) }
    /// hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$"
    @inlinable static var headerUnreserved: ByteClass { ByteClass(rawValue: 1 << 4) }
    /// Bytes of a host name, IPv4 address or IPv6 reference.
    @inlinable static var host: ByteClass { ByteClass(rawValue: 1 << 5) }
    /// word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" /
    ///   "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}")
    @inlinable static var word: ByteClass { ByteClass(rawValue: 1 << 6) }
    /// password chars: unreserved / escaped / "&" / "=" / "+" / "$" / ","
    @inlinable static var password: ByteClass { ByteClass(rawValue: 1 << 7) }
    /// reserved = ";" / "/" / "?" / ":" / "@" / "&" / "=" / "+" / "$" / ","
    @inlinable static var reserved: ByteClass { ByteClass(rawValue: 1 << 8) }
    /// Bytes allowed in an opaque absoluteURI (RFC 3261 absoluteURI after the scheme): uric.
    @inlinable static var uric: ByteClass { ByteClass(rawValue: 1 << 9) }
    /// ALPHA / DIGIT / "+" / "-" / "." — the bytes after the first of a URI scheme.
    @inlinable static var scheme: ByteClass { ByteClass(rawValue: 1 << 10) }
    /// The bytes of a SIP URI's hostname or IPv4 address: unreserved without the marks `!~*'()`
    /// (alphanum / "-" / "_" / "."), so the host loop tests one bit.
    @inlinable static var uriHost: ByteClass { ByteClass(rawValue: 1 << 11) }
}

/// The class bits of every byte value (generated from the sets above; a literal so the compiler
/// initialises it statically and the hot loops pay no lazy-global check).
@usableFromInline
let byteClassBits: [UInt16] = [
    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
    0x0000, 0x0000,
    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
    0x0000, 0x0000,
    0x0000, 0x02C3, 0x0040, 0x0000, 0x039C, 0x02C1, 0x038C, 0x02C3, 0x02C2, 0x02C2, 0x02C3, 0x07DD, 0x0384, 0x0EE3,
    0x0EE3, 0x035C,
    0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0378, 0x0304, 0x0040, 0x0384,
    0x0040, 0x0354,
    0x0300, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3,
    0x0EE3, 0x0EE3,
    0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0078, 0x0040, 0x0078,
    0x0000, 0x0AC3,
    0x0041, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3,
    0x0EE3, 0x0EE3,
    0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0EE3, 0x0040, 0x0000, 0x0040,
    0x02C3, 0x0000,
    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
    0x0000, 0x0000,
    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
    0x0000, 0x0000,
    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
    0x0000, 0x0000,
    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
    0x0000, 0x0000,
    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
    0x0000, 0x0000,
    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
    0x0000, 0x0000,
    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
    0x0000, 0x0000,
    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
    0x0000, 0x0000,
]

extension UInt8 {
    /// The byte's class bits: the table has an entry for every byte value, so no bounds check.
    @inlinable @inline(__always) var classBits: UInt16 {
        byteClassBits.withUnsafeBufferPointer { $0.baseAddress.unsafelyUnwrapped[Int(self)] }
    }
    @inlinable @inline(__always) var isSIPToken: Bool { classBits & ByteClass.token.rawValue != 0 }
    @inlinable @inline(__always) func isIn(_ cls: ByteClass) -> Bool { classBits & cls.rawValue != 0 }
    /// In either class: one table load.
    @inlinable @inline(__always) func isIn(_ a: ByteClass, or b: ByteClass) -> Bool {
        classBits & (a.rawValue | b.rawValue) != 0
    }
    @inlinable var isSIPWhitespace: Bool { self == .space || self == .tab }
    @inlinable var isASCIIDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    @inlinable var isASCIIHexDigit: Bool {
        isASCIIDigit || (self | 0x20 >= UInt8(ascii: "a") && self | 0x20 <= UInt8(ascii: "f"))
    }
    @inlinable var asciiLowercased: UInt8 {
        (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z")) ? self | 0x20 : self
    }
    @inlinable var hexValue: UInt8? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return self - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return self - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return self - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    @inlinable static var space: UInt8 { UInt8(ascii: " ") }
    @inlinable static var tab: UInt8 { UInt8(ascii: "\t") }
    @inlinable static var cr: UInt8 { UInt8(ascii: "\r") }
    @inlinable static var lf: UInt8 { UInt8(ascii: "\n") }
    @inlinable static var colon: UInt8 { UInt8(ascii: ":") }
    @inlinable static var semicolon: UInt8 { UInt8(ascii: ";") }
    @inlinable static var comma: UInt8 { UInt8(ascii: ",") }
    @inlinable static var equals: UInt8 { UInt8(ascii: "=") }
    @inlinable static var quote: UInt8 { UInt8(ascii: "\"") }
    @inlinable static var backslash: UInt8 { UInt8(ascii: "\\") }
    @inlinable static var lessThan: UInt8 { UInt8(ascii: "<") }
    @inlinable static var greaterThan: UInt8 { UInt8(ascii: ">") }
    @inlinable static var slash: UInt8 { UInt8(ascii: "/") }
    @inlinable static var at: UInt8 { UInt8(ascii: "@") }
    @inlinable static var percent: UInt8 { UInt8(ascii: "%") }
    @inlinable static var questionMark: UInt8 { UInt8(ascii: "?") }
    @inlinable static var ampersand: UInt8 { UInt8(ascii: "&") }
    @inlinable static var openBracket: UInt8 { UInt8(ascii: "[") }
    @inlinable static var closeBracket: UInt8 { UInt8(ascii: "]") }
    @inlinable static var openParen: UInt8 { UInt8(ascii: "(") }
    @inlinable static var closeParen: UInt8 { UInt8(ascii: ")") }
}

/// Case-insensitive ASCII comparison of raw bytes with a lowercase ASCII literal.
@inlinable @inline(__always)
func bytesEqualCaseInsensitive(_ bytes: UnsafeRawBufferPointer, _ lowercaseLiteral: StaticString) -> Bool {
    guard bytes.count == lowercaseLiteral.utf8CodeUnitCount else { return false }
    let lit = lowercaseLiteral.utf8Start
    for i in 0..<bytes.count where bytes[i].asciiLowercased != lit[i] { return false }
    return true
}

/// Whether `bytes`, all token characters (RFC 3261 §25.1) and as many as the literal has, equal a
/// lowercase literal of letters and `-` ignoring ASCII case, compared eight (or four) bytes at a time.
/// OR-ing 0x20 into a token byte maps only an uppercase letter onto another byte, its lowercase form
/// (`-` and the digits already have the bit; no token byte differs from a letter or `-` by 0x20 alone).
@inlinable @inline(__always)
func tokenEqualsLowercase(_ bytes: UnsafeRawBufferPointer, _ lowercaseLiteral: StaticString) -> Bool {
    let n = bytes.count
    guard n == lowercaseLiteral.utf8CodeUnitCount, let p = bytes.baseAddress else { return false }
    let q = UnsafeRawPointer(lowercaseLiteral.utf8Start)
    @inline(__always) func word(_ at: Int) -> Bool {
        p.loadUnaligned(fromByteOffset: at, as: UInt64.self) | 0x2020_2020_2020_2020
            == q.loadUnaligned(fromByteOffset: at, as: UInt64.self)
    }
    @inline(__always) func half(_ at: Int) -> Bool {
        p.loadUnaligned(fromByteOffset: at, as: UInt32.self) | 0x2020_2020
            == q.loadUnaligned(fromByteOffset: at, as: UInt32.self)
    }
    if n >= 8 {
        var i = 0
        while i + 8 < n {
            guard word(i) else { return false }
            i += 8
        }
        return word(n - 8)
    }
    if n >= 4 { return half(0) && half(n - 4) }
    for i in 0..<n where p.load(fromByteOffset: i, as: UInt8.self) | 0x20 != q.load(fromByteOffset: i, as: UInt8.self) {
        return false
    }
    return true
}
