/// An `a=crypto` line (RFC 4568 §9.1): one SRTP crypto suite offered or answered for a stream, with
/// its inline master key.
///
///     a=crypto:<tag> <crypto-suite> inline:<key||salt base64>[|<lifetime>][|<MKI>:<length>] [<session-params>]
///
/// The whole grammar is read (several `inline:` keys, lifetimes like `2^31`, MKIs, session
/// parameters) so that what a peer offers is understood, and ``isUsable`` says whether this SDK can
/// run it: one key, no MKI, no session parameter that changes the transform (`UNENCRYPTED_SRTP`,
/// `UNENCRYPTED_SRTCP`, `UNAUTHENTICATED_SRTP`, `KDR`, `FEC_ORDER`, `FEC_KEY`); `WSH` (a window size
/// hint) is harmless. Unknown suites parse too: the answerer skips them (§7.1.1).
package struct SDESCryptoAttribute: Hashable, Sendable {
    /// 1–9 digits, unique within the stream; the answer repeats the tag it accepts (§6.1).
    package var tag: UInt32
    /// The suite as written; ``suite`` is nil for one this SDK does not know.
    package var suiteName: String
    /// `inline:` key parameters in order.
    package var keys: [KeyParameter]
    /// Session parameters as written (`KDR=…`, `UNENCRYPTED_SRTP`, `WSH=…`).
    package var sessionParameters: [String]

    /// One `inline:<key||salt>[|lifetime][|MKI:length]` (§9.2).
    package struct KeyParameter: Hashable, Sendable {
        /// The base64 key and salt.
        package var keySalt: String
        package var lifetime: String?
        package var mki: String?
    }

    package init(tag: UInt32, key: SRTPMasterKey) {
        self.tag = tag
        self.suiteName = key.suite.name
        self.keys = [KeyParameter(keySalt: key.base64)]
        self.sessionParameters = []
    }

    package var suite: SRTPSuite? { SRTPSuite(rawValue: suiteName) }

    /// The master key, when there is exactly one, of this SDK's suites and of the suite's length.
    package var masterKey: SRTPMasterKey? {
        guard let suite, keys.count == 1 else { return nil }
        return SRTPMasterKey(suite: suite, base64: keys[0].keySalt)
    }

    /// Parameters this SDK cannot honour (see the type's comment).
    private static let unsupportedSessionParameters = [
        "UNENCRYPTED_SRTP", "UNENCRYPTED_SRTCP", "UNAUTHENTICATED_SRTP", "KDR=", "FEC_ORDER=", "FEC_KEY=",
    ]

    /// Whether this SDK can run the line as written: a known suite, one key of the right length,
    /// no MKI, a lifetime (if any) of at least 2^31 packets, no parameter that changes the transform.
    package var isUsable: Bool {
        guard masterKey != nil, keys[0].mki == nil else { return false }
        if let lifetime = keys[0].lifetime, (Self.lifetimeExponent(lifetime) ?? 0) < 31 { return false }
        return !sessionParameters.contains { parameter in
            Self.unsupportedSessionParameters.contains { parameter.uppercased().hasPrefix($0) }
        }
    }

    /// The attribute value (after `crypto:`).
    package var value: String {
        var parts = ["\(tag)", suiteName]
        parts.append(
            keys.map { key in
                var text = "inline:" + key.keySalt
                if let lifetime = key.lifetime { text += "|" + lifetime }
                if let mki = key.mki { text += "|" + mki }
                return text
            }.joined(separator: ";"))
        parts += sessionParameters
        return parts.joined(separator: " ")
    }

    package var attribute: SDPAttribute { SDPAttribute("crypto", value) }

    /// Reads a value; nil when it breaks §9.1's grammar.
    package init?(parsing value: String) {
        let fields = value.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 3, fields[0].count <= 9, let tag = UInt32(fields[0]),
            fields[0].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            !fields[1].isEmpty, fields[1].utf8.allSatisfy({ Self.isSuiteCharacter($0) })
        else { return nil }
        var keys: [KeyParameter] = []
        for parameter in fields[2].split(separator: ";", omittingEmptySubsequences: false) {
            guard parameter.hasPrefix("inline:") else { return nil }
            let parts = parameter.dropFirst(7).split(separator: "|", omittingEmptySubsequences: false)
            guard let first = parts.first, !first.isEmpty, parts.count <= 3,
                first.utf8.allSatisfy({ Self.isBase64Character($0) })
            else { return nil }
            var key = KeyParameter(keySalt: String(first))
            for part in parts.dropFirst() {
                if part.contains(":") {
                    // MKI: 1*128DIGIT ":" 1*3DIGIT
                    let mki = part.split(separator: ":", omittingEmptySubsequences: false)
                    guard key.mki == nil, mki.count == 2, Self.isDigits(mki[0], max: 128), Self.isDigits(mki[1], max: 3)
                    else { return nil }
                    key.mki = String(part)
                } else {
                    guard key.lifetime == nil, key.mki == nil, Self.lifetimeExponent(String(part)) != nil else {
                        return nil
                    }
                    key.lifetime = String(part)
                }
            }
            keys.append(key)
        }
        self.tag = tag
        self.suiteName = String(fields[1])
        self.keys = keys
        self.sessionParameters = fields.dropFirst(3).map(String.init)
    }

    /// `2^N` → N; a plain number → floor(log2); nil when neither.
    private static func lifetimeExponent(_ text: String) -> Int? {
        if text.hasPrefix("2^") {
            let digits = text.dropFirst(2)
            guard isDigits(digits, max: 3), let n = Int(digits) else { return nil }
            return n
        }
        guard isDigits(Substring(text), max: 20), let n = UInt64(text), n > 0 else { return nil }
        return 63 - n.leadingZeroBitCount
    }

    private static func isDigits(_ text: Substring, max: Int) -> Bool {
        !text.isEmpty && text.count <= max
            && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    private static func isBase64Character(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "+") || c == UInt8(ascii: "/")
            || c == UInt8(ascii: "=")
    }

    private static func isSuiteCharacter(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_")
    }
}

extension MediaDescription {
    /// The stream's `a=crypto` lines that follow RFC 4568's grammar, in order (others are ignored, as
    /// §7.1.1 has an answerer ignore what it does not understand).
    package var cryptoAttributes: [SDESCryptoAttribute] {
        attributes.lazy.filter { $0.name == "crypto" }.compactMap {
            $0.value.flatMap(SDESCryptoAttribute.init(parsing:))
        }
    }

    /// Replaces the stream's `a=crypto` lines.
    package mutating func setCryptoAttributes(_ lines: [SDESCryptoAttribute]) {
        attributes.removeAll { $0.name == "crypto" }
        attributes += lines.map(\.attribute)
    }

    /// `RTP/SAVP` (RFC 3711 §1: the secure profile) or `RTP/SAVPF`.
    package var isSecureProfile: Bool { proto.uppercased() == "RTP/SAVP" || proto.uppercased() == "RTP/SAVPF" }
}
