import CSRTP

/// An SRTP master key and salt (RFC 3711 §8.2) for one suite and one direction of one stream.
///
/// Never printed: `description`, `debugDescription` and reflection show the suite only, so a log line
/// or a dumped configuration cannot leak it. ``base64`` is the inline key of `a=crypto`, for the SDP
/// and the key log alone.
package struct SRTPMasterKey: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    package let suite: SRTPSuite
    /// Key then salt, ``SRTPSuite/keyAndSaltLength`` bytes.
    package let bytes: [UInt8]

    /// Nil unless `bytes` has the suite's length.
    package init?(suite: SRTPSuite, bytes: [UInt8]) {
        guard bytes.count == suite.keyAndSaltLength else { return nil }
        self.suite = suite
        self.bytes = bytes
    }

    /// A fresh key from OpenSSL's CSPRNG (RFC 4568 §6.1: a new random key, never derived from another).
    package static func random(for suite: SRTPSuite) throws(SRTPError) -> SRTPMasterKey {
        var bytes = [UInt8](repeating: 0, count: suite.keyAndSaltLength)
        let ok = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        guard ok == 1, let key = SRTPMasterKey(suite: suite, bytes: bytes) else {
            throw SRTPError(.noRandomness, "RAND_bytes failed")
        }
        return key
    }

    /// The inline key of `a=crypto`: key and salt in base64 (RFC 4568 §6.1, RFC 4648 §4).
    package var base64: String { Base64.encode(bytes) }

    /// From an inline key; nil when it is not base64 of the suite's length.
    package init?(suite: SRTPSuite, base64: String) {
        guard let bytes = Base64.decode(base64) else { return nil }
        self.init(suite: suite, bytes: bytes)
    }

    package var description: String { "SRTPMasterKey(\(suite.name), <masked>)" }
    package var debugDescription: String { description }
    package var customMirror: Mirror { Mirror(self, children: ["suite": suite]) }
}

/// RFC 4648 §4 base64 with padding, the alphabet of `a=crypto` inline keys.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Strict: length a multiple of 4, padding only at the end, no other characters.
    static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard !chars.isEmpty, chars.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 4 * 3)
        var index = 0
        while index < chars.count {
            var values = [UInt8](repeating: 0, count: 4)
            var padding = 0
            for offset in 0..<4 {
                let c = chars[index + offset]
                if c == UInt8(ascii: "=") {
                    guard index + 4 == chars.count, offset >= 2 else { return nil }
                    padding += 1
                    continue
                }
                guard padding == 0, let value = Self.value(c) else { return nil }
                values[offset] = value
            }
            out.append(values[0] << 2 | values[1] >> 4)
            if padding < 2 { out.append(values[1] << 4 | values[2] >> 2) }
            if padding < 1 { out.append(values[2] << 6 | values[3]) }
            index += 4
        }
        return out
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
