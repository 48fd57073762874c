/// Random identifiers for requests — Via branches, tags, Call-IDs, instance URNs — from a generator the
/// caller passes (randomness is an input, so tests can fix it). The one generator of the stack.
package enum SIPIdentifiers {
    /// `count` lowercase hex digits (4 bits each): Call-IDs, tags, branches.
    package static func hex(count: Int, using generator: inout some RandomNumberGenerator) -> String {
        hex(count: count, prefix: "", using: &generator)
    }

    /// A Via branch: the RFC 3261 §8.1.1.7 magic cookie and 64 random bits.
    package static func branch(using generator: inout some RandomNumberGenerator) -> String {
        hex(count: 16, prefix: "z9hG4bK", using: &generator)
    }

    /// `prefix` then `count` hex digits, written straight into the string's storage (one allocation,
    /// none up to 15 bytes): a branch is made for every request. The digits are the generator's
    /// words in memory order, high nibble of each byte first.
    static func hex(count: Int, prefix: StaticString, using generator: inout some RandomNumberGenerator) -> String {
        let start = prefix.utf8CodeUnitCount
        return String(unsafeUninitializedCapacity: start + count) { out in
            UnsafeMutableRawBufferPointer(out).copyMemory(
                from: UnsafeRawBufferPointer(start: prefix.utf8Start, count: start))
            var n = start
            while n < start + count {
                withUnsafeBytes(of: generator.next()) { word in
                    for b in word {
                        if n < start + count {
                            out[n] = hexDigit(b >> 4)
                            n += 1
                        }
                        if n < start + count {
                            out[n] = hexDigit(b & 0x0F)
                            n += 1
                        }
                    }
                }
            }
            return n
        }
    }

    /// A version 4 UUID URN (RFC 4122 §4.4) for `+sip.instance` (RFC 5626 §4.1): generated once
    /// per phone and kept, so the registrar sees one instance across restarts of a connection.
    package static func instanceURN(using generator: inout some RandomNumberGenerator) -> String {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: generator.next()) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: generator.next()) { bytes.append(contentsOf: $0) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let h = lowercaseHex(bytes)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { r in
            String(h.utf8.dropFirst(r.lowerBound).prefix(r.count).map { Character(Unicode.Scalar($0)) })
        }
        return "urn:uuid:" + parts.joined(separator: "-")
    }
}

private let hexDigits = Array("0123456789abcdef".utf8)

/// The lowercase hex digit of a nibble (0–15).
@inline(__always) private func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
}

/// `bytes` as lowercase hex, two digits a byte (digest responses, identifiers).
package func lowercaseHex(_ bytes: some Sequence<UInt8>) -> String {
    var chars: [UInt8] = []
    chars.reserveCapacity(64)
    for b in bytes {
        chars.append(hexDigits[Int(b >> 4)])
        chars.append(hexDigits[Int(b & 0x0F)])
    }
    return String(decoding: chars, as: UTF8.self)
}
