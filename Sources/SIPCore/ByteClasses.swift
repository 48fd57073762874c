// Character classes of RFC 3261 §25.1 as one lookup table, so the hot loops test a byte with one load.

@usableFromInline
struct ByteClass: OptionSet, Sendable {
    @usableFromInline let rawValue: UInt16
    @inlinable init(rawValue: UInt16) { self.rawValue = rawValue }

    /// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
    @usableFromInline static let token = ByteClass(rawValue: 1 << 0)
    /// unreserved = alphanum / mark
    @usableFromInline static let unreserved = ByteClass(rawValue: 1 << 1)
    /// user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
    @usableFromInline static let userUnreserved = ByteClass(rawValue: 1 << 2)
    /// param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$"
    @usableFromInline static let paramUnreserved = ByteClass(rawValue: 1 << 3)
    /// hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$"
    @usableFromInline static let headerUnreserved = ByteClass(rawValue: 1 << 4)
    /// Bytes of a host name, IPv4 address or IPv6 reference.
    @usableFromInline static let host = ByteClass(rawValue: 1 << 5)
    /// word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" /
    ///   "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}")
    @usableFromInline static let word = ByteClass(rawValue: 1 << 6)
    /// password chars: unreserved / escaped / "&" / "=" / "+" / "$" / ","
    @usableFromInline static let password = ByteClass(rawValue: 1 << 7)
    /// reserved = ";" / "/" / "?" / ":" / "@" / "&" / "=" / "+" / "$" / ","
    @usableFromInline static let reserved = ByteClass(rawValue: 1 << 8)
    /// Bytes allowed in an opaque absoluteURI (RFC 3261 absoluteURI after the scheme): uric.
    @usableFromInline static let uric = ByteClass(rawValue: 1 << 9)
    /// ALPHA / DIGIT / "+" / "-" / "." — the bytes after the first of a URI scheme.
    @usableFromInline static let scheme = ByteClass(rawValue: 1 << 10)
    /// The bytes of a SIP URI's hostname or IPv4 address: unreserved without the marks `!~*'()`
    /// (alphanum / "-" / "_" / "."), so the host loop tests one bit.
    @usableFromInline static let uriHost = ByteClass(rawValue: 1 << 11)
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
    @inlinable var isSIPToken: Bool { byteClassBits[Int(self)] & ByteClass.token.rawValue != 0 }
    @inlinable func isIn(_ cls: ByteClass) -> Bool { byteClassBits[Int(self)] & cls.rawValue != 0 }
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

    @usableFromInline static let space = UInt8(ascii: " ")
    @usableFromInline static let tab = UInt8(ascii: "\t")
    @usableFromInline static let cr = UInt8(ascii: "\r")
    @usableFromInline static let lf = UInt8(ascii: "\n")
    @usableFromInline static let colon = UInt8(ascii: ":")
    @usableFromInline static let semicolon = UInt8(ascii: ";")
    @usableFromInline static let comma = UInt8(ascii: ",")
    @usableFromInline static let equals = UInt8(ascii: "=")
    @usableFromInline static let quote = UInt8(ascii: "\"")
    @usableFromInline static let backslash = UInt8(ascii: "\\")
    @usableFromInline static let lessThan = UInt8(ascii: "<")
    @usableFromInline static let greaterThan = UInt8(ascii: ">")
    @usableFromInline static let slash = UInt8(ascii: "/")
    @usableFromInline static let at = UInt8(ascii: "@")
    @usableFromInline static let percent = UInt8(ascii: "%")
    @usableFromInline static let questionMark = UInt8(ascii: "?")
    @usableFromInline static let ampersand = UInt8(ascii: "&")
    @usableFromInline static let openBracket = UInt8(ascii: "[")
    @usableFromInline static let closeBracket = UInt8(ascii: "]")
    @usableFromInline static let openParen = UInt8(ascii: "(")
    @usableFromInline static let closeParen = UInt8(ascii: ")")
}

/// Case-insensitive ASCII comparison of raw bytes with a lowercase ASCII literal.
@inlinable @inline(__always)
func bytesEqualCaseInsensitive(_ bytes: UnsafeRawBufferPointer, _ lowercaseLiteral: StaticString) -> Bool {
    guard bytes.count == lowercaseLiteral.utf8CodeUnitCount else { return false }
    let lit = lowercaseLiteral.utf8Start
    for i in 0..<bytes.count where bytes[i].asciiLowercased != lit[i] { return false }
    return true
}
