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

extension ByteClass {
    /// The classes that hold every ASCII letter and digit, `-` and `.` (token, unreserved, host, word,
    /// password, uric, scheme, uriHost): a run of one of them may skip those bytes eight at a time
    /// (``alnumDashDotPrefix(_:from:to:)``) before testing byte by byte.
    @inlinable static var holdingAlnumDashDot: UInt16 { 0x0EE3 }
}

/// Where the run of ASCII letters, digits, `-` and `.` starting at `start` ends, looked at eight
/// bytes at a time (one load and ≈ 20 word operations instead of a table load, test and branch per
/// byte); stops early, at most seven bytes short of `end`, where fewer than eight bytes remain, so
/// the caller finishes the run byte by byte with its own class (which may hold more bytes than these).
@inlinable @inline(__always)
func alnumDashDotPrefix(_ base: UnsafeRawPointer, from start: Int, to end: Int) -> Int {
    var i = start
    while i + 8 <= end {
        let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
        let bad = notAlnumDashDot(w)
        if bad != 0 { return i + bad.trailingZeroBitCount >> 3 }
        i += 8
    }
    return i
}

/// The high bit of each byte of `w` (little-endian) that is not an ASCII letter, digit, `-` or `.`.
@inlinable @inline(__always)
func notAlnumDashDot(_ w: UInt64) -> UInt64 {
    let high: UInt64 = 0x8080_8080_8080_8080
    let ones: UInt64 = 0x0101_0101_0101_0101
    let x = w & ~high  // seven-bit bytes: the sums below cannot carry into the next byte
    /// The high bit of each byte of `v` in `lo...hi`.
    @inline(__always) func inRange(_ v: UInt64, _ lo: UInt64, _ hi: UInt64) -> UInt64 {
        (v &+ ones &* (0x80 - lo)) & ~(v &+ ones &* (0x7F - hi)) & high
    }
    let letter = inRange(x | ones &* 0x20, 0x61, 0x7A)
    let slash = ~((x ^ ones &* 0x2F) &+ ones &* 0x7F) & high
    let digitDashDot = inRange(x, 0x2D, 0x39) & ~slash
    return ~((letter | digitDashDot) & ~w) & high
}
